// The milestone drill-down (issue 25) through the API and page handlers over a real
// TrackerService with a fixed clock: each order's clocks, the summary's milestones, a
// milestone's overdue list paged with the cursor across its running and paused parts, the
// 400s, the page (its milestone table and list with action forms) and the actions on clocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/web/actions.h"
#include "orderwatch/web/drilldown.h"

namespace orderwatch::web {
namespace {

using nlohmann::json;
using tracking::ApplyResult;

constexpr std::int64_t kH = 3'600'000;
constexpr std::int64_t kDay0 = 1'796'515'200'000;  // 2026-12-06 00:00 UTC

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
statuses:
  - {name: Placed, sla: 1h}
  - {name: OnHold}
  - {name: Packing}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - name: shipped_in_24h
    from: [Placed]
    until: [Shipped]
    pause: [OnHold]
    sla: 24h
    escalations: [{after: 48h, severity: page}]
  - name: delivery_promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    warn_before: 6h
    severity: page
)";

class MilestoneApi : public ::testing::Test {
 protected:
  MilestoneApi()
      : service_(sla::load_string(kConfig), [this] { return now_; }), api_(service_, "shop") {
    // (id, status, hour of day 0, promise hour or 0), applied in time order; at 40h (16:00 the
    // next day): e 50h counted (past page), a 30h, b 26h after its 4h hold (running); c and d
    // overdue and then put on hold (paused), c started first.
    std::vector<std::tuple<const char*, std::uint8_t, std::int64_t, std::int64_t>> events{
        {"e", 0, -10, 0}, {"a", 0, 10, 30}, {"b", 0, 10, 0}, {"c", 0, 10, 0}, {"b", 1, 11, 0},
        {"d", 0, 12, 0},  {"b", 2, 15, 0},  {"c", 1, 35, 0}, {"d", 1, 37, 0}};
    for (const auto& [id, status, hour, promise] : events) {
      events::Event e;
      e.id = id;
      e.status = status;
      e.time_ms = kDay0 + hour * kH;
      if (promise != 0) {
        e.deadline_ms[0] = kDay0 + promise * kH;
        e.has_deadline = 1;
      }
      now_ = std::max(now_, e.time_ms);
      EXPECT_EQ(*service_.apply(e, now_ - 1), ApplyResult::kApplied) << id;
    }
    now_ = kDay0 + 40 * kH;
    service_.tick();
  }

  json get(const std::string& path, const std::string& query = "", const std::string& rest = "") {
    const HttpRequest req{"GET", path, query, rest, ""};
    const HttpResponse r = path == "/api/v1/summary"   ? api_.summary(req)
                           : path == "/api/v1/overdue" ? api_.overdue(req)
                                                       : api_.order(req);
    json b = json::parse(r.body);
    b["http_status"] = r.status;
    return b;
  }
  static std::vector<std::string> ids(const json& page) {
    std::vector<std::string> out;
    for (const auto& o : page["orders"]) out.push_back(o["id"]);
    return out;
  }

  std::int64_t now_ = kDay0 - 10 * kH;
  tracking::TrackerService service_;
  DrilldownApi api_;
};

TEST_F(MilestoneApi, TheLookupShowsEachStartedClock) {
  const json b = get("/api/v1/orders/b", "", "b");
  ASSERT_EQ(b["http_status"], 200) << b.dump();
  EXPECT_EQ(b["milestones"], json::parse(R"([
    {"milestone":"shipped_in_24h","state":"running","started":"2026-12-06T10:00:00.000Z",
     "deadline":"2026-12-07T14:00:00.000Z","counted_seconds":93600.0,"paused_seconds":14400.0,
     "severity":"warning"},
    {"milestone":"delivery_promise","state":"running","started":"2026-12-06T10:00:00.000Z",
     "deadline":null,"counted_seconds":108000.0,"paused_seconds":0.0,"severity":null,
     "promise":true}])"));
  const json c = get("/api/v1/orders/c", "", "c");
  const json& clock = c["milestones"][0];
  EXPECT_EQ(clock["state"], "paused") << c.dump();
  EXPECT_TRUE(clock["deadline"].is_null());  // a paused clock has none
  EXPECT_EQ(clock["counted_seconds"], 25.0 * 3600);
  EXPECT_EQ(c["milestones"][1]["state"], "running");
  const json a = get("/api/v1/orders/a", "", "a");
  EXPECT_EQ(a["milestones"][1]["deadline"], "2026-12-07T06:00:00.000Z");
  EXPECT_EQ(a["milestones"][1]["severity"], "page");
}

TEST_F(MilestoneApi, TheSummaryCountsEachMilestone) {
  const json s = get("/api/v1/summary");
  EXPECT_EQ(s["milestones"], json::parse(R"([
    {"milestone":"shipped_in_24h","promise":false,"in_progress":5,"paused":2,
     "overdue":[{"severity":"warning","count":5},{"severity":"page","count":1}],
     "acknowledged":[{"severity":"warning","count":0},{"severity":"page","count":0}]},
    {"milestone":"delivery_promise","promise":true,"in_progress":5,"paused":0,
     "overdue":[{"severity":"warning","count":1},{"severity":"page","count":1}],
     "acknowledged":[{"severity":"warning","count":0},{"severity":"page","count":0}],
     "without_deadline":4}])"))
      << s.dump();
}

TEST_F(MilestoneApi, TheOverdueListPagesAcrossRunningAndPausedClocks) {
  const json all = get("/api/v1/overdue", "milestone=shipped_in_24h");
  ASSERT_EQ(all["http_status"], 200) << all.dump();
  EXPECT_EQ(ids(all), (std::vector<std::string>{"e", "a", "b", "c", "d"}));
  EXPECT_EQ(all["milestone"], "shipped_in_24h");
  EXPECT_TRUE(all["status"].is_null());
  EXPECT_EQ(all["total"], 5);
  EXPECT_TRUE(all["next_cursor"].is_null());
  std::vector<std::string> paged, cursors;
  std::string query = "milestone=shipped_in_24h&limit=2";
  for (int pages = 0; pages < 5; ++pages) {
    const json p = get("/api/v1/overdue", query);
    ASSERT_EQ(p["http_status"], 200) << query << p.dump();
    EXPECT_EQ(p["total"], 5);
    for (const auto& id : ids(p)) paged.push_back(id);
    if (p["next_cursor"].is_null()) break;
    cursors.push_back(p["next_cursor"]);
    query = "milestone=shipped_in_24h&limit=2&cursor=" + cursors.back();
  }
  EXPECT_EQ(paged, ids(all));
  ASSERT_EQ(cursors.size(), 2u);
  // After e and a: in the running part; after b and c: in the paused part ("_1").
  EXPECT_EQ(std::count(cursors[0].begin(), cursors[0].end(), '_'), 2) << cursors[0];
  EXPECT_EQ(cursors[1].substr(cursors[1].size() - 2), "_1") << cursors[1];
  const json paging = get("/api/v1/overdue", "milestone=shipped_in_24h&severity=page");
  EXPECT_EQ(ids(paging), std::vector<std::string>{"e"});
  EXPECT_EQ(paging["orders"][0]["milestones"][0]["severity"], "page");
  EXPECT_EQ(ids(get("/api/v1/overdue", "milestone=delivery_promise")),
            std::vector<std::string>{"a"});
  // The status lists are as before, each order carrying its clocks.
  const json placed = get("/api/v1/overdue", "status=Placed");
  EXPECT_EQ(ids(placed), (std::vector<std::string>{"e", "a"}));
  EXPECT_TRUE(placed["milestone"].is_null());
  EXPECT_EQ(placed["orders"][0]["milestones"].size(), 2u);
}

TEST_F(MilestoneApi, BadMilestoneQueriesGet400) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"status=Placed&milestone=shipped_in_24h", "status and milestone exclude each other"},
      {"milestone=nope", "unknown milestone"},
      {"milestone=shipped_in_24h&severity=critical", "no tier with severity"},
      {"milestone=", "milestone is empty (leave the parameter out instead)"},
      {"milestone=" + std::string(129, 'm'), "milestone too long"},
      {"milestone=a&milestone=a", "milestone given more than once"},
      {"milestone=shipped_in_24h&cursor=1_2_0000000000000003_2", "malformed cursor"}};
  for (const auto& [query, error] : cases) {
    const json b = get("/api/v1/overdue", query);
    EXPECT_EQ(b["http_status"], 400) << query;
    EXPECT_NE(b["error"].get<std::string>().find(error), std::string::npos) << b.dump();
    const HttpResponse page = api_.page(HttpRequest{"GET", "/", query, "", ""});
    EXPECT_EQ(page.status, 400) << query;
    EXPECT_NE(page.body.find("Bad request: "), std::string::npos) << query;
  }
}

TEST_F(MilestoneApi, ThePageHasAMilestoneTableAndListsWithActionFormsOnTheClocks) {
  api_.enable_action_forms([](const std::string&) { return std::string("tok"); });
  auto page = [&](const std::string& query) {
    const HttpResponse r = api_.page(HttpRequest{"GET", "/", query, "", ""});
    EXPECT_EQ(r.status, 200) << query << r.body;
    return r.body;
  };
  const std::string overview = page("");
  EXPECT_NE(overview.find("<h2>Milestones</h2>"), std::string::npos) << overview;
  EXPECT_NE(overview.find("<a class=\"sev-page\" href=\"/?milestone=shipped_in_24h&amp;"
                          "severity=page\">page: 1</a>"),
            std::string::npos)
      << overview;
  // Without deadline: the promise's 4, none for the sla milestone.
  EXPECT_NE(overview.find("delivery_promise</a></td><td class=\"num\">5</td><td "
                          "class=\"num\">0</td>"),
            std::string::npos);
  EXPECT_NE(overview.find("<td class=\"num\">4</td></tr>"), std::string::npos);
  EXPECT_NE(overview.find("<form class=\"act\""), std::string::npos);  // the status lists' forms

  const std::string list = page("milestone=shipped_in_24h&limit=4");
  EXPECT_NE(list.find("Milestone shipped_in_24h: 5 overdue</h2>"), std::string::npos) << list;
  EXPECT_NE(list.find("<th>Started (UTC)</th><th>Deadline</th><th>Counted</th><th>Paused</th>"),
            std::string::npos);
  // b: started 10:00, due 14:00 the next day (24h + its 4h hold), 26h counted, 4h paused.
  EXPECT_NE(list.find(">b</a></td><td>Packing</td><td>running</td><td>2026-12-06T10:00:00.000Z</td>"
                      "<td>2026-12-07T14:00:00.000Z, overdue by 2h 0m</td>"
                      "<td class=\"num\">1d 2h</td><td class=\"num\">4h 0m</td>"),
            std::string::npos)
      << list;
  EXPECT_NE(list.find(">c</a></td><td>OnHold</td><td>paused</td><td>2026-12-06T10:00:00.000Z</td>"
                      "<td>none while paused</td><td class=\"num\">1d 1h</td><td "
                      "class=\"num\">5h 0m</td><td class=\"sev-warning\">warning</td>"),
            std::string::npos);
  EXPECT_NE(list.find("Acknowledging here acknowledges the milestone's clock"), std::string::npos);
  EXPECT_NE(list.find("action=\"/api/v1/orders/b/acknowledge?milestone=shipped_in_24h\""),
            std::string::npos)
      << list;
  EXPECT_NE(list.find("action=\"/api/v1/overdue/acknowledge?milestone=shipped_in_24h\""),
            std::string::npos);
  const auto next =
      list.find("<a id=\"next\" href=\"/?milestone=shipped_in_24h&amp;limit=4&amp;cursor=");
  ASSERT_NE(next, std::string::npos) << list;
  const std::string last =
      page("milestone=shipped_in_24h&limit=4&cursor=" +
           list.substr(list.find("cursor=", next) + 7,
                       list.find('"', next + 20) - list.find("cursor=", next) - 7));
  // a is listed; a deadline still ahead (an at-risk promise) reads "due in", never "overdue by -".
  const std::string promise = page("milestone=delivery_promise");
  EXPECT_NE(promise.find(">a</a>"), std::string::npos) << promise;
  EXPECT_EQ(promise.find("overdue by -"), std::string::npos) << promise;
  EXPECT_NE(last.find("5 overdue (continued)"), std::string::npos) << last;
  EXPECT_NE(last.find(">d</a>"), std::string::npos);
  EXPECT_EQ(last.find(">c</a>"), std::string::npos);
  EXPECT_EQ(last.find("id=\"next\""), std::string::npos);
}

// A calendar milestone's clock: its deadline in the calendar's local time (as a calendar
// status's `deadline`), its calendar named, the open time counted; the page says so too.
TEST(MilestoneCalendarApi, AClockOnACalendarSaysItsDeadlineInLocalTime) {
  constexpr std::int64_t kNow = 1'700'000'000'000;  // Tuesday 2023-11-14 23:13:20 Berlin
  tracking::TrackerService service(sla::load_string(R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-18:00"}}
statuses:
  - {name: Placed}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - {name: reviewed_in_4h, from: [Placed], until: [Shipped], calendar: office, sla: 4h}
)"),
                                   [] { return kNow; });
  DrilldownApi api(service, "shop");
  events::Event e;
  e.id = "mon";
  e.status = 0;
  e.time_ms = 1'699'866'000'000;  // Monday 10:00 Berlin: due Monday 14:00
  ASSERT_EQ(*service.apply(e, kNow - 1), ApplyResult::kApplied);
  const json b =
      json::parse(api.order(HttpRequest{"GET", "/api/v1/orders/mon", "", "mon", ""}).body);
  ASSERT_EQ(b["milestones"].size(), 1u) << b.dump();
  const json& c = b["milestones"][0];
  EXPECT_EQ(c["deadline"], "2023-11-13T14:00:00+01:00") << c.dump();
  EXPECT_EQ(c["calendar"], "office");
  EXPECT_EQ(c["counted_seconds"], 17.0 * 3600);  // Monday 10:00-18:00, Tuesday 09:00-18:00
  const std::string page =
      api.page(HttpRequest{"GET", "/", "milestone=reviewed_in_4h", "", ""}).body;
  EXPECT_NE(page.find("<td>2023-11-13T14:00:00+01:00 (calendar office)</td>"), std::string::npos)
      << page;
  EXPECT_NE(page.find("(calendar office)</span>"), std::string::npos);  // the milestone table
}

// Actions on milestone lists: acknowledge acts on the clocks (the order's stay stays
// unacknowledged), one order with ?milestone= or a batch with milestone=; the clock then leaves
// the milestone's overdue list and counts, and its JSON shows the acknowledgement.
TEST_F(MilestoneApi, ActionsOnAMilestoneListAcknowledgeItsClocks) {
  ActionsApi actions(service_, [](const std::string&, const std::string&) { return ""; });
  auto post = [&](const std::string& query, const std::string& body, bool batch,
                  std::size_t action = 0, const std::string& id = "") {
    HttpRequest req{"POST", "", query, "", body};
    req.user = "ops";
    req.content_type = "application/json";
    return batch ? actions.on_batch(req, action) : actions.on_order(req, id, action);
  };
  const std::string ack = R"({"reason":"carrier strike","for":"4h"})";
  const HttpResponse dry = post("milestone=shipped_in_24h&dry_run=true", ack, true);
  EXPECT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(json::parse(dry.body)["matched"], 5) << dry.body;

  const HttpResponse one = post("milestone=shipped_in_24h", ack, false, 0, "b");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["milestone"], "shipped_in_24h");
  json list = get("/api/v1/overdue", "milestone=shipped_in_24h");
  EXPECT_EQ(list["total"], 4) << list.dump();
  EXPECT_EQ(list["acknowledged"], 1);
  const json b = get("/api/v1/orders/b", "", "b");
  EXPECT_EQ(b["milestones"][0]["acknowledged"]["by"], "ops") << b.dump();
  EXPECT_FALSE(b.contains("acknowledged"));  // the stay is not
  const json sum = get("/api/v1/summary");
  EXPECT_EQ(sum["milestones"][0]["acknowledged"][0]["count"], 1) << sum.dump();

  EXPECT_EQ(post("milestone=shipped_in_24h", R"({"reason":"x"})", false, 1, "b").status, 400);
  EXPECT_EQ(post("milestone=nope", ack, false, 0, "b").status, 400);
  EXPECT_EQ(post("milestone=delivery_promise", ack, false, 0, "zz").status, 404);
  EXPECT_EQ(post("other=1", ack, false, 0, "b").status, 400);

  const HttpResponse batch = post("milestone=shipped_in_24h&severity=page", ack, true);
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(json::parse(batch.body)["acted"], 1) << batch.body;
  list = get("/api/v1/overdue", "milestone=shipped_in_24h");
  EXPECT_EQ(list["total"], 3) << list.dump();
  EXPECT_EQ(list["acknowledged"], 2);
  // The status list still has both orders of Placed past 1h unacknowledged.
  HttpRequest placed{"POST", "", "status=Placed&dry_run=true", "", ack};
  placed.user = "ops";
  placed.content_type = "application/json";
  EXPECT_EQ(json::parse(actions.on_batch(placed, 0).body)["matched"], 2);
  EXPECT_EQ(get("/api/v1/overdue", "status=Placed")["acknowledged"], 0);
}

}  // namespace
}  // namespace orderwatch::web
