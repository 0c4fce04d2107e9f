// Integration test: the real Alertmanager (Debian's) with the alertmanager.yml `orderwatch
// generate` writes for calendars, notifying a webhook in this test: an alert of a calendar on
// a holiday today, or of a calendar closed today, is held back; one of a calendar open now is
// delivered to the same receiver.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "orderwatch/web/http_server.h"
#include "test_support.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Webhook notifications as Alertmanager posts them.
class Webhook {
 public:
  Webhook() {
    std::map<std::string, web::HttpHandler> routes;
    routes["/hook"] = [this](const web::HttpRequest& req) {
      std::lock_guard lock(mu_);
      bodies_.push_back(json::parse(req.body, nullptr, false));
      return web::HttpResponse{200, "text/plain", "ok\n"};
    };
    server_.emplace("127.0.0.1:0", std::move(routes));
  }
  int port() const { return server_->port(); }
  // The calendar labels of every alert notified so far.
  std::vector<std::string> calendars() {
    std::lock_guard lock(mu_);
    std::vector<std::string> seen;
    for (const auto& body : bodies_) {
      if (!body.is_object() || !body.contains("alerts")) continue;
      for (const auto& alert : body["alerts"])
        seen.push_back(alert["labels"].value("calendar", ""));
    }
    return seen;
  }

 private:
  std::mutex mu_;
  std::vector<json> bodies_;
  std::optional<web::HttpServer> server_;  // last: stops before the state it writes
};

std::string date_text(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

const char* const kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Three UTC calendars: `holiday` open all week with yesterday, today and tomorrow as holidays
// (so midnight does not matter), `closed` open only on the weekday three days from now, `open`
// open all week.
std::string calendar_sla(int webhook_port) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::weekday closed_day{today + std::chrono::days(3)};
  return "service: calendar_am\nnats: {subject: a}\ncalendars:\n"
         "  holiday:\n    timezone: Etc/UTC\n    hours: {mon-sun: \"00:00-24:00\"}\n"
         "    holidays: [" +
         date_text(today - std::chrono::days(1)) + ", " + date_text(today) + ", " +
         date_text(today + std::chrono::days(1)) +
         "]\n"
         "  closed:\n    timezone: Etc/UTC\n    hours: {" +
         kDays[closed_day.c_encoding()] +
         ": \"00:00-24:00\"}\n"
         "  open:\n    timezone: Etc/UTC\n    hours: {mon-sun: \"00:00-24:00\"}\n"
         "statuses:\n"
         "  - {name: A, calendar: holiday, sla: 1h}\n"
         "  - {name: B, calendar: closed, sla: 1h}\n"
         "  - {name: C, calendar: open, sla: 1h}\n"
         "  - {name: Done, terminal: true}\n"
         "alerting:\n  group_wait: 1s\n  group_interval: 1s\n  default_receiver: hook\n"
         "  receivers:\n    - {name: hook, type: webhook, url: \"http://127.0.0.1:" +
         std::to_string(webhook_port) + "/hook\"}\n";
}

json alert(const std::string& status, const std::string& calendar) {
  return {{"labels",
           {{"alertname", "CalendarAmOrdersOverdue"},
            {"service", "calendar_am"},
            {"status", status},
            {"severity", "warning"},
            {"calendar", calendar}}}};
}

TEST(CalendarRouting, AlertmanagerHoldsBackAlertsOnHolidaysAndOutsideOpenHours) {
  Webhook webhook;
  TempDir dir;
  const std::string sla = dir.write("sla.yaml", calendar_sla(webhook.port()));
  const auto generated = run(shell_quote(ORDERWATCH_BIN) + " generate --config " +
                             shell_quote(sla) + " --out " + shell_quote(dir.path() + "/out"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  const int port = free_port();
  Process am(
      {alertmanager_bin(), "--config.file=" + dir.path() + "/out/alertmanager/alertmanager.yml",
       "--storage.path=" + dir.path() + "/am",
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
      dir.path() + "/alertmanager.log");
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/-/ready").status == 200; }, seconds(30)))
      << am.log();

  // The held-back alerts first: their groups flush (and are muted) before the open one's.
  auto posted = http_request(port, "POST", "/api/v2/alerts",
                             json::array({alert("A", "holiday"), alert("B", "closed")}).dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  std::this_thread::sleep_for(seconds(2));
  posted = http_request(port, "POST", "/api/v2/alerts", json::array({alert("C", "open")}).dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto seen = webhook.calendars();
        return std::find(seen.begin(), seen.end(), "open") != seen.end();
      },
      seconds(30)))
      << "the alert of the open calendar never arrived\n"
      << am.log();
  // Two more group intervals for anything held back to show up if it were not muted.
  std::this_thread::sleep_for(seconds(3));
  for (const auto& calendar : webhook.calendars()) EXPECT_EQ(calendar, "open") << am.log();

  // Alertmanager did receive and route them (active, receiver hook): muted, not lost.
  const auto held = json::parse(
      http_get(port, "/api/v2/alerts?filter=" + url_encode("service=\"calendar_am\"")).body,
      nullptr, false);
  ASSERT_TRUE(held.is_array());
  EXPECT_EQ(held.size(), 3u) << held.dump();
  for (const auto& a : held) EXPECT_EQ(a["receivers"][0]["name"], "hook") << a.dump();
}

}  // namespace
}  // namespace orderwatch::testing
