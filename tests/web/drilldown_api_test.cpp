// The drill-down API and page handlers called directly (no sockets) over a TrackerService with
// a fixed clock: exact JSON answers, cursor paging, every 400, and HTML escaping.
#include "orderwatch/events/time.h"
#include "orderwatch/web/drilldown.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orderwatch/sla/loader.h"

namespace orderwatch::web {
using namespace orderwatch::tracking;
using namespace orderwatch::events;
namespace {

using nlohmann::json;

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kNow = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 10}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Delivered, terminal: true}
)";

class ApiTest : public ::testing::Test {
 protected:
  ApiTest()
      : config_(sla::load_string(kConfig)),
        service_(config_, [] { return kNow; }),
        api_(service_, "shop") {}

  void apply(const std::string& id, std::uint8_t status, std::int64_t t,
             std::string_view region = "eu") {
    Event e;
    e.id = id;
    e.status = status;
    e.time_ms = t;
    e.dims[0] = region;
    e.has_dim[0] = true;
    // Arrived just before the queries' ticks: the source is idle by then (idle_timeout 1ms).
    ASSERT_EQ(service_.apply(e, kNow - 1), ApplyResult::kApplied);
  }

  static HttpRequest get(const std::string& path, const std::string& query = "",
                         const std::string& rest = "") {
    return HttpRequest{"GET", path, query, rest, ""};
  }
  HttpResponse overdue(const std::string& query) {
    return api_.overdue(get("/api/v1/overdue", query));
  }
  json body(const HttpResponse& r) { return json::parse(r.body); }
  // A well-formed cursor (of an empty first page).
  static std::string cursor_of_a_page() { return format_cursor(OrderCursor{1, 2, 3}); }

  sla::Config config_;
  TrackerService service_;
  DrilldownApi api_;
};

TEST_F(ApiTest, OverdueAnswersExactlyAndPagesWithTheCursor) {
  apply("a-old", 1, kNow - 150 * kS, "us");
  apply("p-old", 0, kNow - 100 * kS);
  apply("a-new", 1, kNow - 61'500, "eu");
  apply("a-fresh", 1, kNow - 5 * kS);

  auto r = overdue("limit=2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  json b = body(r);
  ASSERT_TRUE(b["next_cursor"].is_string());
  const std::string cursor = b["next_cursor"];
  EXPECT_EQ(
      b,
      json::parse(
          R"({"now":"2023-11-14T22:13:20.000Z","watermark":"2023-11-14T22:13:20.000Z","status":null,"severity":null,
    "limit":2,"total":3,"acknowledged":0,"orders":[
    {"id":"a-old","status":"Authorized","entered":"2023-11-14T22:10:50.000Z","age_seconds":150.0,
     "tiers_crossed":2,"severity":"page","dims":{"region":"us"},
     "deadline":"2023-11-14T22:11:50.000Z"},
    {"id":"p-old","status":"Placed","entered":"2023-11-14T22:11:40.000Z","age_seconds":100.0,
     "tiers_crossed":1,"severity":"warning","dims":{"region":"eu"},
     "deadline":"2023-11-14T22:11:50.000Z"}],
    "next_cursor":")" +
          cursor + R"("})"));
  // Key order is fixed (readable with curl): id first.
  EXPECT_EQ(r.body.rfind(R"({"now":"2023-11-14T22:13:20.000Z",)"
                         R"("watermark":"2023-11-14T22:13:20.000Z","status":null)",
                         0),
            0u);

  json b2 = body(overdue("limit=2&cursor=" + cursor));
  EXPECT_EQ(b2["orders"].size(), 1u);
  EXPECT_EQ(b2["orders"][0]["id"], "a-new");
  EXPECT_EQ(b2["orders"][0]["age_seconds"], 61.5);
  EXPECT_TRUE(b2["next_cursor"].is_null());

  json page_only = body(overdue("status=Authorized&severity=page"));
  EXPECT_EQ(page_only["status"], "Authorized");
  EXPECT_EQ(page_only["severity"], "page");
  EXPECT_EQ(page_only["total"], 1);
  EXPECT_EQ(page_only["orders"][0]["id"], "a-old");
  EXPECT_EQ(body(overdue("limit=100"))["total"], 3);
  EXPECT_EQ(body(overdue("status=Delivered"))["orders"], json::array());
}

TEST_F(ApiTest, BadRequestsGet400WithAJsonError) {
  apply("a", 1, kNow - 100 * kS);
  const std::string long_cursor(65, '1');
  for (const std::string& q : std::vector<std::string>{
           "limit=0", "limit=-1", "limit=1001", "limit=abc", "limit=", "limit=1.5", "limit=+5",
           "limit=99999999999999999999999", "cursor=zz", "cursor=1_2", "cursor=1_2_3",
           "cursor=1_-2_0000000000000000", "cursor=1__0000000000000000",
           "cursor=1_2_00000000000000000", "cursor=" + long_cursor, "status=Nope", "severity=sev",
           "status=Placed&severity=page", "statsu=Placed", "status=%zz", "status=%4",
           "status=" + std::string(129, 'a'), "limit=5&" + std::string(5000, 'x'),
           // Empty values and repeated parameters
           // are refused, not guessed at.
           "status=", "severity=", "cursor=", "status", "limit", "status=Placed&status=Placed",
           "limit=2&limit=1000",
           "cursor=" + cursor_of_a_page() + "&cursor=" + cursor_of_a_page()}) {
    auto r = overdue(q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.content_type, "application/json") << q;
    json b = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(b.is_discarded()) << q;
    EXPECT_TRUE(b["error"].is_string()) << q;
  }
  EXPECT_EQ(body(overdue("limit=0"))["error"], "limit must be an integer from 1 to 1000");
  EXPECT_EQ(body(overdue("status=Nope"))["error"], "unknown status \"Nope\"");
  EXPECT_EQ(body(overdue("severity=sev"))["error"], "unknown severity \"sev\"");
  EXPECT_EQ(body(overdue("cursor=zz"))["error"],
            "malformed cursor (use next_cursor from a previous page)");
  EXPECT_EQ(body(overdue("status="))["error"], "status is empty (leave the parameter out instead)");
  EXPECT_EQ(body(overdue("limit=2&limit=1000"))["error"], "limit given more than once");
  EXPECT_EQ(body(overdue("statsu=Placed"))["error"],
            "unknown parameter \"statsu\" (expected status, milestone, severity, limit, cursor)");
  // Percent-encoding and '+' decode before the names are checked.
  EXPECT_EQ(overdue("status=Author%69zed&limit=1%30").status, 200);
  EXPECT_EQ(overdue("limit=1000").status, 200);
  EXPECT_EQ(overdue("limit=1").status, 200);
}

// A business-hours status: the deadline in the calendar's local time, the calendar's name, and
// the open time to (or past) the deadline as of W (Tuesday 23:13:20 Berlin, closed).
TEST(CalendarApi, OrdersCarryTheirDeadlineInTheCalendarsTime) {
  const sla::Config config = sla::load_string(R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-18:00"}}
statuses:
  - {name: Placed, sla: 10s}
  - {name: Review, calendar: office, sla: 4h}
  - {name: Delivered, terminal: true}
)");
  TrackerService service(config, [] { return kNow; });
  DrilldownApi api(service, "shop");
  auto enter = [&](const std::string& id, std::int64_t t) {
    Event e;
    e.id = id;
    e.status = 1;
    e.time_ms = t;
    ASSERT_EQ(service.apply(e, kNow - 1), ApplyResult::kApplied);
  };
  enter("tue", 1'699'979'400'000);  // Tuesday 2023-11-14 17:30 Berlin: 30 min left today
  enter("mon", 1'699'866'000'000);  // Monday 10:00 Berlin: due Monday 14:00
  auto lookup = api.order(HttpRequest{"GET", "/api/v1/orders/tue", "", "tue", ""});
  ASSERT_EQ(lookup.status, 200);
  const json tue = json::parse(lookup.body);
  EXPECT_EQ(tue["deadline"], "2023-11-15T12:30:00+01:00") << tue.dump();
  EXPECT_EQ(tue["calendar"], "office");
  EXPECT_EQ(tue["open_seconds_to_deadline"], 3.5 * 3600);
  EXPECT_EQ(tue["tiers_crossed"], 0);
  const json listed =
      json::parse(api.overdue(HttpRequest{"GET", "/api/v1/overdue", "", "", ""}).body);
  ASSERT_EQ(listed["orders"].size(), 1u) << listed.dump();
  const json& mon = listed["orders"][0];
  EXPECT_EQ(mon["id"], "mon");
  EXPECT_EQ(mon["deadline"], "2023-11-13T14:00:00+01:00");
  // Monday 14:00-18:00 and Tuesday 09:00-18:00: 13 hours of open time overdue.
  EXPECT_EQ(mon["open_seconds_to_deadline"], -13.0 * 3600);
  // The page says the same in its Deadline column.
  const std::string page = api.page(HttpRequest{"GET", "/", "status=Review", "", ""}).body;
  EXPECT_NE(page.find("2023-11-13T14:00:00+01:00, overdue by 13h"), std::string::npos) << page;
  EXPECT_NE(page.find("open time (calendar office)"), std::string::npos) << page;
}

TEST_F(ApiTest, OrderLookup) {
  apply("o/1 x", 0, kNow - 3 * kS);
  apply("o/1 x", 1, kNow - 2 * kS);
  auto r = api_.order(get("/api/v1/orders/o/1 x", "", "o/1 x"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r), json::parse(R"({"id":"o/1 x","status":"Authorized",
    "entered":"2023-11-14T22:13:18.000Z","age_seconds":2.0,"tiers_crossed":0,"severity":null,
    "dims":{"region":"eu"},"deadline":"2023-11-14T22:14:18.000Z",
    "first_seen":"2023-11-14T22:13:17.000Z","now":"2023-11-14T22:13:20.000Z",
    "watermark":"2023-11-14T22:13:20.000Z"})"));
  auto missing = api_.order(get("", "", "nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body(missing)["error"], "order not tracked (unknown, finished or evicted)");
  ASSERT_EQ(config_.event.max_id_bytes, 1024u);
  EXPECT_EQ(api_.order(get("", "", std::string(1024, 'x'))).status, 404);
  auto too_long = api_.order(get("", "", std::string(1025, 'x')));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(body(too_long)["error"], "order id longer than 1024 bytes");
  EXPECT_EQ(api_.order(get("", "", std::string(1024 * 3 + 1, '%'))).status, 400);
  EXPECT_EQ(api_.order(get("", "", "")).status, 400);
}

TEST_F(ApiTest, OrderIdsArePercentDecodedStrictly) {
  apply("a/b c+d", 0, kNow - 3 * kS);
  apply(std::string("nul\0x", 5), 0, kNow - 3 * kS);  // from a snapshot or an old producer
  auto found = api_.order(get("/api/v1/orders/a%2Fb%20c+d", "", "a%2Fb%20c+d"));
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(body(found)["id"], "a/b c+d");
  // A malformed escape and a NUL byte are 400, never looked up as something else.
  for (const char* bad : {"%zz", "a%", "a%2", "a%g0", "%", "nul%00x", "%00"}) {
    auto r = api_.order(get("", "", bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(body(r)["error"].is_string()) << bad;
  }
  EXPECT_EQ(body(api_.order(get("", "", "%zz")))["error"],
            "malformed percent-encoding in the order id");
  EXPECT_EQ(body(api_.order(get("", "", "nul%00x")))["error"],
            "order id contains a NUL byte (%00)");
  // An id decoding to more than the limit is refused after decoding too.
  std::string encoded;
  for (int i = 0; i < 1025; ++i) encoded += "%41";
  EXPECT_EQ(api_.order(get("", "", encoded)).status, 400);
  EXPECT_EQ(api_.order(get("", "", encoded.substr(3))).status, 404);
  // Like every endpoint, the lookup takes no parameters.
  auto extra = api_.order(get("/api/v1/orders/a%2Fb%20c+d", "x=1", "a%2Fb%20c+d"));
  EXPECT_EQ(extra.status, 400);
  EXPECT_EQ(body(extra)["error"], "unknown parameter \"x\" (this endpoint takes no parameters)");
}

TEST_F(ApiTest, SummaryAnswersExactly) {
  apply("a1", 1, kNow - 150 * kS, "us");
  apply("a2", 1, kNow - 70 * kS, "us");
  apply("a3", 1, kNow - 65 * kS, "eu");
  apply("a4", 1, kNow - 1 * kS, "ap");
  auto r = api_.summary(get("/api/v1/summary"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(
      body(r),
      json::parse(
          R"({"now":"2023-11-14T22:13:20.000Z","watermark":"2023-11-14T22:13:20.000Z","tracked":4,"statuses":[
    {"status":"Placed","terminal":false,"in_flight":0,"overdue":[{"severity":"warning","count":0}],
     "acknowledged":[{"severity":"warning","count":0}],
     "oldest_entered":null,"oldest_age_seconds":null,"top_overdue":{},
     "over_representation":{}},
    {"status":"Authorized","terminal":false,"in_flight":4,
     "overdue":[{"severity":"warning","count":3},{"severity":"page","count":1}],
     "acknowledged":[{"severity":"warning","count":0},{"severity":"page","count":0}],
     "oldest_entered":"2023-11-14T22:10:50.000Z","oldest_age_seconds":150.0,
     "top_overdue":{"region":[{"value":"us","count":2},{"value":"eu","count":1}]},
     "over_representation":{"region":[
       {"value":"us","overdue":2,"in_flight":2,"share_of_overdue":0.6666666666666666,
        "share_of_in_flight":0.5},
       {"value":"eu","overdue":1,"in_flight":1,"share_of_overdue":0.3333333333333333,
        "share_of_in_flight":0.25}]}},
    {"status":"Delivered","terminal":true,"in_flight":0,"overdue":[],"acknowledged":[],
     "oldest_entered":null,"oldest_age_seconds":null,"top_overdue":{},
     "over_representation":{}}]})"));
  for (const char* q : {"limit=3", "status=Placed", "x=1", "status="}) {
    EXPECT_EQ(api_.summary(get("/api/v1/summary", q)).status, 400) << q;
  }
  EXPECT_EQ(body(api_.summary(get("/api/v1/summary", "limit=3")))["error"],
            "unknown parameter \"limit\" (this endpoint takes no parameters)");
}

// The ingest gaps serve hands over: in the summary (exactly) and on the page, which warns only
// once a gap happened; without a source the summary has no ingest_gaps at all (additive).
TEST_F(ApiTest, SummaryAndPageSayWhenIngestHadGaps) {
  EXPECT_FALSE(body(api_.summary(get("/api/v1/summary"))).contains("ingest_gaps"));
  IngestGaps gaps;
  api_.show_ingest_gaps([&gaps] { return gaps; });
  EXPECT_EQ(body(api_.summary(get("/api/v1/summary")))["ingest_gaps"], json::parse(R"(
    {"count":0,"by_cause":{"disconnect":0,"slow_consumer":0},"last_start":null,"last_end":null,
     "open":false,"warning":null})"));
  EXPECT_EQ(api_.page(get("/")).body.find("ingest-gaps"), std::string::npos);

  gaps = {1, 1, kNow - 60 * kS, 0};  // the second gap is still open
  json g = body(api_.summary(get("/api/v1/summary")))["ingest_gaps"];
  EXPECT_EQ(g["count"], 2);
  EXPECT_EQ(g["by_cause"], json::parse(R"({"disconnect":1,"slow_consumer":1})"));
  EXPECT_EQ(g["last_start"], "2023-11-14T22:12:20.000Z");
  EXPECT_TRUE(g["last_end"].is_null());
  EXPECT_TRUE(g["open"].get<bool>());
  EXPECT_NE(g["warning"].get<std::string>().find("Use JetStream"), std::string::npos);
  std::string page = api_.page(get("/")).body;
  EXPECT_NE(page.find("Ingest gaps since start: 2"), std::string::npos) << page;
  EXPECT_NE(page.find("from 2023-11-14T22:12:20.000Z to still open"), std::string::npos) << page;

  gaps.last_end_ms = kNow - 30 * kS;
  g = body(api_.summary(get("/api/v1/summary")))["ingest_gaps"];
  EXPECT_EQ(g["last_end"], "2023-11-14T22:12:50.000Z");
  EXPECT_FALSE(g["open"].get<bool>());
  page = api_.page(get("/", "status=Authorized")).body;  // a filtered page warns too
  EXPECT_NE(page.find("to 2023-11-14T22:12:50.000Z."), std::string::npos) << page;
}

// An acknowledged order leaves the overdue counts and listing (as order_overdue) for the
// acknowledged ones, in the API, the summary and the page alike.
TEST_F(ApiTest, AcknowledgedOrdersAreCountedApart) {
  apply("a1", 1, kNow - 150 * kS, "us");
  apply("a2", 1, kNow - 70 * kS, "us");
  apply("a3", 1, kNow - 65 * kS, "eu");
  const Acknowledgement ack{"alice", "db fix", kNow, kNow + 3600 * kS};
  ASSERT_EQ(service_.act(OrderAction::kAcknowledge, "a1", ack).orders.size(), 1u);
  json list = body(overdue(""));
  EXPECT_EQ(list["total"], 2);
  EXPECT_EQ(list["acknowledged"], 1);
  ASSERT_EQ(list["orders"].size(), 2u);
  EXPECT_EQ(list["orders"][0]["id"], "a2");
  EXPECT_EQ(list["orders"][1]["id"], "a3");
  json page_tier = body(overdue("severity=page"));
  EXPECT_EQ(page_tier["total"], 0);
  EXPECT_EQ(page_tier["acknowledged"], 1);
  EXPECT_EQ(page_tier["orders"], json::array());

  json sum = body(api_.summary(get("/api/v1/summary")));
  const json& auth = sum["statuses"][1];
  EXPECT_EQ(auth["overdue"], json::parse(R"([{"severity":"warning","count":2},
                                             {"severity":"page","count":0}])"));
  EXPECT_EQ(auth["acknowledged"], json::parse(R"([{"severity":"warning","count":1},
                                                  {"severity":"page","count":1}])"));
  EXPECT_EQ(auth["top_overdue"],
            json::parse(R"({"region":[{"value":"eu","count":1},{"value":"us","count":1}]})"));

  const auto page = api_.page(get("/", ""));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Authorized: 2 overdue"), std::string::npos);
  EXPECT_NE(page.body.find("<td>warning: 1, page: 1</td>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Acknowledged (not alerting): 1"), std::string::npos);
  const auto filtered = api_.page(get("/", "status=Authorized&severity=page"));
  EXPECT_NE(filtered.body.find("Authorized, past page: 0 overdue"), std::string::npos);
  EXPECT_NE(filtered.body.find("Acknowledged (not alerting): 1"), std::string::npos);
  EXPECT_NE(filtered.body.find(">a1<"), std::string::npos);
}

TEST_F(ApiTest, RecoveredAnswersExactly) {
  apply("a1", 1, kNow - 150 * kS, "us");
  apply("a2", 1, kNow - 70 * kS, "us");
  apply("p1", 0, kNow - 30 * kS);
  apply("fresh", 1, kNow - 5 * kS);
  service_.tick();  // W = now
  ASSERT_EQ(service_.act(OrderAction::kRedrive, "a2", {}).orders.size(), 1u);
  apply("a1", 2, kNow - 1 * kS);  // finished
  apply("a2", 0, kNow);           // back to Placed
  apply("fresh", 2, kNow);        // never overdue: not listed
  ASSERT_EQ(service_.act(OrderAction::kForget, "p1", {}).orders.size(), 1u);
  auto r = api_.recovered(get("/api/v1/recovered"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body(r), json::parse(
                         R"({"now":"2023-11-14T22:13:20.000Z","status":null,"limit":100,
    "kept":1000,"held":3,"recorded":3,"recovered":[
    {"id":"p1","status":"Placed","severity":"warning","tiers_crossed":1,
     "entered":"2023-11-14T22:12:50.000Z","overdue_seconds":20.0,
     "left":"2023-11-14T22:13:20.000Z","watermark":"2023-11-14T22:13:20.000Z",
     "outcome":"forgotten","to":null,"acknowledged":false,"redriven":false},
    {"id":"a2","status":"Authorized","severity":"warning","tiers_crossed":1,
     "entered":"2023-11-14T22:12:10.000Z","overdue_seconds":10.0,
     "left":"2023-11-14T22:13:20.000Z","watermark":"2023-11-14T22:13:20.000Z",
     "outcome":"moved","to":"Placed","acknowledged":false,"redriven":true},
    {"id":"a1","status":"Authorized","severity":"page","tiers_crossed":2,
     "entered":"2023-11-14T22:10:50.000Z","overdue_seconds":90.0,
     "left":"2023-11-14T22:13:19.000Z","watermark":"2023-11-14T22:13:20.000Z",
     "outcome":"finished","to":"Delivered","acknowledged":false,"redriven":false}]})"));
  json auth = body(api_.recovered(get("/api/v1/recovered", "status=Authorized&limit=1")));
  EXPECT_EQ(auth["status"], "Authorized");
  EXPECT_EQ(auth["limit"], 1);
  ASSERT_EQ(auth["recovered"].size(), 1u);
  EXPECT_EQ(auth["recovered"][0]["id"], "a2");
  // The API's rules: unknown, repeated, empty parameters, bad names and limits are 400s.
  for (const char* q : {"severity=page", "cursor=1", "x=1", "status=", "limit=", "limit=0",
                        "limit=1001", "limit=2&limit=3", "status=Nope", "status=%zz"}) {
    const auto bad = api_.recovered(get("/api/v1/recovered", q));
    EXPECT_EQ(bad.status, 400) << q;
    EXPECT_TRUE(body(bad)["error"].is_string()) << q;
  }
  EXPECT_EQ(body(api_.recovered(get("/api/v1/recovered", "x=1")))["error"],
            "unknown parameter \"x\" (expected status, limit)");
  EXPECT_EQ(body(api_.recovered(get("/api/v1/recovered", "status=Nope")))["error"],
            "unknown status \"Nope\"");

  // The page's section, escaped, newest first.
  const auto page = api_.page(get("/", ""));
  ASSERT_EQ(page.status, 200);
  const auto at = page.body.find("<h2 id=\"recovered\">Recovered</h2>");
  ASSERT_NE(at, std::string::npos);
  const std::string section = page.body.substr(at);
  EXPECT_LT(section.find(">p1<"), section.find(">a2<"));
  EXPECT_LT(section.find(">a2<"), section.find(">a1<"));
  EXPECT_NE(section.find("<td>Delivered <span class=\"muted\">(finished)</span></td>"),
            std::string::npos);
  EXPECT_NE(section.find("<span class=\"muted\">forgotten</span>"), std::string::npos);
  EXPECT_NE(section.find("<td>redriven</td>"), std::string::npos);
  EXPECT_NE(section.find("<td class=\"num\">1m 30s</td>"), std::string::npos);
  const auto filtered = api_.page(get("/", "status=Placed"));
  EXPECT_NE(filtered.body.find("<h2 id=\"recovered\">Recovered: Placed</h2>"), std::string::npos);
  EXPECT_EQ(filtered.body.find(">a1<"), std::string::npos);
}

TEST_F(ApiTest, PageShowsTheOrdersEscapedWithFilterLinks) {
  apply("<script>alert(1)</script>", 1, kNow - 150 * kS, "\"eu&");
  apply("plain-1", 1, kNow - 100 * kS);
  apply("plain-2", 1, kNow - 90 * kS);
  auto r = api_.page(get("/", ""));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body.find("<script>"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.body.find("&quot;eu&amp;"), std::string::npos);
  EXPECT_NE(r.body.find(R"(href="/?status=Authorized&amp;severity=page")"), std::string::npos);
  EXPECT_NE(r.body.find("Authorized: 3 overdue"), std::string::npos);
  EXPECT_NE(r.body.find("plain-2"), std::string::npos);

  auto filtered = api_.page(get("/", "status=Authorized&severity=warning&limit=2"));
  ASSERT_EQ(filtered.status, 200);
  EXPECT_NE(filtered.body.find("plain-1"), std::string::npos);
  EXPECT_EQ(filtered.body.find("plain-2"), std::string::npos);  // on the next page
  const auto next = filtered.body.find(
      R"(<a id="next" href="/?status=Authorized&amp;severity=warning&amp;limit=2&amp;cursor=)");
  ASSERT_NE(next, std::string::npos);
  const auto start = filtered.body.find("cursor=", next) + 7;
  const std::string cursor = filtered.body.substr(start, filtered.body.find('"', start) - start);
  auto second = api_.page(get("/", "status=Authorized&severity=warning&limit=2&cursor=" + cursor));
  EXPECT_NE(second.body.find("plain-2"), std::string::npos);
  EXPECT_EQ(second.body.find("plain-1"), std::string::npos);

  EXPECT_EQ(api_.page(get("/", "limit=0")).status, 400);
  EXPECT_EQ(api_.page(get("/", "status=Nope")).status, 400);
  // The page is as strict as the API.
  for (const char* q : {"utm_source=x", "status=", "limit=2&limit=3", "status=%zz"}) {
    EXPECT_EQ(api_.page(get("/", q)).status, 400) << q;
  }
}

TEST_F(ApiTest, PageLinksOnlyIdsTheLookupAccepts) {
  const std::string longest(1024, 'k');
  const std::string too_long(1025, 'L');
  const std::string with_nul("n\0ul", 4);
  apply(longest, 1, kNow - 150 * kS);
  apply(too_long, 1, kNow - 140 * kS);  // tracked before the limit existed (a snapshot)
  apply(with_nul, 1, kNow - 130 * kS);
  apply("plain", 1, kNow - 120 * kS);
  auto r = api_.page(get("/", "status=Authorized"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<a href=\"/api/v1/orders/" + longest + "\">"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"/api/v1/orders/plain\">"), std::string::npos);
  EXPECT_NE(r.body.find("<td class=\"id\">" + too_long + "</td>"), std::string::npos);
  EXPECT_EQ(r.body.find("/api/v1/orders/" + too_long), std::string::npos);
  EXPECT_EQ(r.body.find("/api/v1/orders/n%00ul"), std::string::npos);
  // Every link the page does show answers.
  const std::string href = "href=\"/api/v1/orders/";
  for (std::size_t at = 0; (at = r.body.find(href, at)) != std::string::npos;) {
    at += href.size();
    const std::string raw = r.body.substr(at, r.body.find('"', at) - at);
    EXPECT_EQ(api_.order(get("/api/v1/orders/" + raw, "", raw)).status, 200) << raw;
  }
}

TEST(DrilldownFormat, Rfc3339AndCursorRoundTrip) {
  EXPECT_EQ(events::format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(events::format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(events::format_rfc3339_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  for (OrderCursor c : {OrderCursor{0, 0, 0}, OrderCursor{-5, 7, 1},
                        OrderCursor{1'700'000'000'123, 0xFFFFFFFFu, ~std::uint64_t{0}}}) {
    auto back = parse_cursor(format_cursor(c));
    ASSERT_TRUE(back) << format_cursor(c);
    EXPECT_EQ(back->entered_ms, c.entered_ms);
    EXPECT_EQ(back->slot, c.slot);
    EXPECT_EQ(back->epoch, c.epoch);
  }
  // A milestone list's paused part travels as "_1"; a cursor without it is part 0.
  const OrderCursor paused{-5, 7, 1, 1};
  EXPECT_EQ(format_cursor(paused), "-5_7_0000000000000001_1");
  ASSERT_TRUE(parse_cursor("-5_7_0000000000000001_1"));
  EXPECT_EQ(parse_cursor("-5_7_0000000000000001_1")->part, 1);
  EXPECT_EQ(parse_cursor("-5_7_0000000000000001")->part, 0);
  for (const char* bad : {"-5_7_0000000000000001_", "-5_7_0000000000000001_2",
                          "-5_7_0000000000000001_0", "-5_7_0000000000000001_11"}) {
    EXPECT_FALSE(parse_cursor(bad)) << bad;
  }
  EXPECT_FALSE(parse_cursor(""));
  EXPECT_FALSE(parse_cursor("1_2_000000000000000g"));
  EXPECT_FALSE(parse_cursor("1_4294967296_0000000000000000"));  // slot overflows 32 bits
}

}  // namespace
}  // namespace orderwatch::web
