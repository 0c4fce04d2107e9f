// The page's inline SVG charts: well-formed XML without scripts or style attributes, line
// points exactly where the samples map, bars equal to the age histogram's buckets with the
// tiers marked at their thresholds, text escaped; and the page drawing them per status.
#include "charts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "orderwatch/sla/loader.h"
#include "orderwatch/web/drilldown.h"

namespace orderwatch::web::charts {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kNow = 1'700'000'000'000;

// A small XML checker: every element closed in order, attribute values quoted, no stray '<'
// or '&' in text. Returns "" when well-formed, else what is wrong.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  std::size_t i = 0;
  const std::regex entity("^&(amp|lt|gt|quot|#39|rarr);");
  while (i < s.size()) {
    if (s[i] == '&') {
      std::smatch m;
      const std::string rest = s.substr(i, 8);
      if (!std::regex_search(rest, m, entity)) return "bare & at " + std::to_string(i);
      i += m.length(0);
      continue;
    }
    if (s[i] != '<') {
      if (s[i] == '>') return "bare > at " + std::to_string(i);
      ++i;
      continue;
    }
    const std::size_t end = s.find('>', i);
    if (end == std::string::npos) return "unclosed tag at " + std::to_string(i);
    std::string tag = s.substr(i + 1, end - i - 1);
    // Quotes must balance inside a tag (a '>' inside a value would have been escaped).
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) return "unbalanced quotes: " + tag;
    if (tag.find('<') != std::string::npos) return "'<' inside a tag: " + tag;
    if (tag.starts_with("/")) {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = end + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

std::vector<std::pair<double, double>> points_of(const std::string& svg, const std::string& line) {
  std::vector<std::pair<double, double>> out;
  const std::regex poly("<polyline data-line=\"" + line + "\"[^>]* points=\"([^\"]*)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), poly), end; it != end; ++it) {
    std::istringstream in((*it)[1].str());
    std::string pair;
    while (in >> pair) {
      const auto comma = pair.find(',');
      out.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
    }
  }
  return out;
}

std::string num_pair(double x, double y) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f,%.1f", x, y);
  return buf;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TrendChart sample_trend() {
  TrendChart c;
  c.title = "Authorized: last 1h";
  c.start_ms = kNow - 60 * kMin;
  c.end_ms = kNow;
  c.max_gap_ms = 40 * kS;
  for (int i = 0; i < 8; ++i) c.times_ms.push_back(kNow - (7 - i) * 15 * kS);
  c.lines.push_back({"in flight", "#3366cc", {10, 12, 15, 15, 14, 18, 20, 19}, true});
  c.lines.push_back({"overdue", "#d62728", {0, 1, 3, 5, 5, 7, 9, 11}});
  return c;
}

TEST(TrendSvg, WellFormedWithoutScriptsOrStyles) {
  const std::string svg = trend_svg(sample_trend());
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg;
  EXPECT_TRUE(svg.ends_with("</svg>"));
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("style="), std::string::npos);  // the CSP allows no more than attributes
  EXPECT_EQ(svg.find("href"), std::string::npos);    // nothing loaded
  EXPECT_EQ(svg, trend_svg(sample_trend()));         // byte-stable
}

TEST(TrendSvg, PointsAreWhereTheSamplesMap) {
  const TrendChart c = sample_trend();
  const std::string svg = trend_svg(c);
  EXPECT_NE(svg.find("data-ymax=\"20\""), std::string::npos) << svg;  // max 20: the axis top
  for (std::size_t l = 0; l < c.lines.size(); ++l) {
    const auto pts = points_of(svg, c.lines[l].name);
    ASSERT_EQ(pts.size(), c.times_ms.size()) << c.lines[l].name;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double x = kPlotLeft + static_cast<double>(c.times_ms[i] - c.start_ms) /
                                       static_cast<double>(c.end_ms - c.start_ms) *
                                       (kPlotRight - kPlotLeft);
      const double y =
          kPlotBottom - static_cast<double>(c.lines[l].values[i]) / 20.0 * (kPlotBottom - kPlotTop);
      EXPECT_NEAR(pts[i].first, x, 0.051) << i;
      EXPECT_NEAR(pts[i].second, y, 0.051) << i;
    }
  }
  // The area under the in-flight line: its points, then down to 0 at the last and first time.
  const std::regex area("<polygon data-area=\"in flight\"[^>]* points=\"([^\"]*)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, area)) << svg;
  std::istringstream in(m[1].str());
  std::vector<std::string> corners{std::istream_iterator<std::string>(in), {}};
  ASSERT_EQ(corners.size(), c.times_ms.size() + 2);
  EXPECT_EQ(corners.back(), num_pair(kPlotLeft + static_cast<double>(c.times_ms[0] - c.start_ms) /
                                                     static_cast<double>(c.end_ms - c.start_ms) *
                                                     (kPlotRight - kPlotLeft),
                                     kPlotBottom));
  EXPECT_EQ(svg.find("<polygon data-area=\"overdue\""), std::string::npos);
  // The latest value is in the legend.
  EXPECT_NE(svg.find(">in flight: 19</text>"), std::string::npos);
  EXPECT_NE(svg.find(">overdue: 11</text>"), std::string::npos);
}

TEST(TrendSvg, GapsAndMissingValuesBreakTheLine) {
  TrendChart c = sample_trend();
  for (int i = 0; i < 5; ++i) c.times_ms[i] -= 60 * kS;  // a stall of a minute after [4]
  c.lines[1].values[1] = -1;                             // the status was not configured then
  const std::string svg = trend_svg(c);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, "<polyline data-line=\"in flight\""), 2u) << svg;
  EXPECT_EQ(points_of(svg, "in flight").size(), 8u);
  // overdue: [0] alone (a circle), [2..4], [5..7].
  EXPECT_EQ(count(svg, "<polyline data-line=\"overdue\""), 2u) << svg;
  EXPECT_EQ(count(svg, "<circle data-line=\"overdue\""), 1u) << svg;
  EXPECT_EQ(points_of(svg, "overdue").size(), 6u);
  // No samples at all: an empty chart that says so.
  TrendChart empty = sample_trend();
  empty.times_ms.clear();
  const std::string none = trend_svg(empty);
  EXPECT_EQ(xml_problem(none), "");
  EXPECT_NE(none.find("in flight: no data"), std::string::npos);
}

TEST(TrendSvg, TextIsEscaped) {
  TrendChart c = sample_trend();
  c.title = "<script>\"x\" & 'y'</script>";
  c.lines[0].name = "a<b";
  c.lines[0].color = "\"><script>";
  const std::string svg = trend_svg(c);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("data-line=\"a&lt;b\""), std::string::npos);
}

AgeChart sample_ages() {
  AgeChart c;
  c.title = "Authorized: current ages";
  c.bounds_ms = {1 * kS, 30 * kS, 1 * kMin, 2 * kMin, 5 * kMin, 10 * kMin, 60 * kMin};
  c.counts = {0, 4, 2, 3, 1, 0, 0, 0};  // + the +Inf bucket
  c.tiers = {{1 * kMin, "warning"}, {5 * kMin, "page"}};
  return c;
}

TEST(AgeSvg, BarsAreTheBucketsAndTheTiersAreMarked) {
  const std::string svg = age_svg(sample_ages());
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(svg.find("style="), std::string::npos);
  // Shown: up to the bucket after the last tier (5m -> 10m), so 6 bars; empty ones drawn flat.
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 6u) << svg;
  const std::regex bar(
      "<rect class=\"bar\" data-le=\"([^\"]+)\" data-count=\"(\\d+)\"[^>]* "
      "y=\"([^\"]+)\" width=\"[^\"]+\" height=\"([^\"]+)\" fill=\"([^\"]+)\"");
  std::vector<std::string> les, fills;
  std::vector<std::uint64_t> counts;
  for (std::sregex_iterator it(svg.begin(), svg.end(), bar), end; it != end; ++it) {
    les.push_back((*it)[1]);
    counts.push_back(std::stoull((*it)[2]));
    fills.push_back((*it)[5]);
    // Height proportional to the count on an axis topped at 4.
    EXPECT_NEAR(std::stod((*it)[4]), static_cast<double>(counts.back()) / 4.0 * 130.0, 0.051);
  }
  EXPECT_EQ(les,
            (std::vector<std::string>{"1000", "30000", "60000", "120000", "300000", "600000"}));
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{0, 4, 2, 3, 1, 0}));
  // Past the SLA (lower bound >= 1m): drawn as overdue.
  EXPECT_EQ(fills, (std::vector<std::string>{"#3366cc", "#3366cc", "#3366cc", "#d62728", "#d62728",
                                             "#d62728"}));
  // A marker per tier, at the right edge of the bar its threshold bounds (bars are 30 wide
  // from x = 46).
  const std::regex tier(
      "<line class=\"tier\" data-severity=\"([a-z]+)\" data-after=\"(\\d+)\" "
      "x1=\"([^\"]+)\"");
  std::vector<std::string> tiers;
  for (std::sregex_iterator it(svg.begin(), svg.end(), tier), end; it != end; ++it) {
    tiers.push_back((*it)[1].str() + "@" + (*it)[2].str() + "@" + (*it)[3].str());
  }
  EXPECT_EQ(tiers, (std::vector<std::string>{"warning@60000@136.0", "page@300000@196.0"}));
  EXPECT_NE(svg.find(">warning 1m</text>"), std::string::npos);
  EXPECT_NE(svg.find(">page 5m</text>"), std::string::npos);
}

TEST(AgeSvg, OrdersPastTheLastBoundAndEscaping) {
  AgeChart c = sample_ages();
  c.counts.back() = 2;  // older than 1h: the +Inf bar is shown
  c.tiers[0].severity = "<warn&>";
  c.title = "A&B";
  const std::string svg = age_svg(c);
  EXPECT_EQ(xml_problem(svg), "") << svg;
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 8u);
  EXPECT_NE(svg.find("data-le=\"+Inf\" data-count=\"2\""), std::string::npos);
  EXPECT_NE(svg.find("&gt;1h</text>"), std::string::npos);
  EXPECT_NE(svg.find("data-severity=\"&lt;warn&amp;&gt;\""), std::string::npos);
  EXPECT_NE(svg.find("<title>A&amp;B</title>"), std::string::npos);
  EXPECT_EQ(svg.find("<warn"), std::string::npos);
}

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}  # W follows the wall clock as soon as no event arrives (Watermark)
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Held}
  - {name: Delivered, terminal: true}
)";

class PageCharts : public ::testing::Test {
 protected:
  PageCharts()
      : config_(sla::load_string(kConfig)),
        service_(config_, [this] { return now_; }),
        api_(service_, "shop") {}
  void apply(const std::string& id, std::uint8_t status, std::int64_t t) {
    tracking::Event e;
    e.id = id;
    e.status = status;
    e.time_ms = t;
    // Arrived just before the next tick: the source is idle by then, so W is the wall clock
    // and the trend (sampled on W's axis) gets a sample every 15 s of it.
    ASSERT_EQ(service_.apply(e, now_ - 1), tracking::ApplyResult::kApplied);
  }
  std::string page(const std::string& query = "") {
    auto r = api_.page(HttpRequest{"GET", "/", query, "", ""});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  sla::Config config_;
  std::int64_t now_ = kNow;
  tracking::TrackerService service_;
  DrilldownApi api_;
};

TEST_F(PageCharts, EveryStatusGetsItsTrendAndAges) {
  apply("a1", 1, now_ - 150 * kS);
  apply("a2", 1, now_ - 70 * kS);
  apply("a3", 1, now_ - 20 * kS);
  for (int i = 0; i < 4; ++i) {  // a minute of samples
    service_.tick();
    now_ += 15 * kS;
  }
  const std::string html = page();
  const auto from = html.find("<h2>Trend"), to = html.find("</div>\n<h2", from) + 6;
  ASSERT_LT(from, to);
  EXPECT_EQ(xml_problem(html.substr(from, to - from)), "");
  // Placed, Authorized and Held; not Delivered (terminal).
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart trend\""), 3u);
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ages\""), 3u);
  EXPECT_NE(html.find("id=\"charts-Authorized\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"charts-Delivered\""), std::string::npos);
  // Authorized's ages: a3 (20 s+1 m ... ) -- the bars hold all three orders, as /metrics does.
  const auto at = html.find("id=\"charts-Authorized\"");
  const std::string authorized = html.substr(at, html.find("</div>", at) - at);
  std::uint64_t bars = 0;
  const std::regex bar("data-count=\"(\\d+)\"");
  for (std::sregex_iterator it(authorized.begin(), authorized.end(), bar), end; it != end; ++it)
    bars += std::stoull((*it)[1]);
  EXPECT_EQ(bars, 3u);
  EXPECT_EQ(count(authorized, "<line class=\"tier\""), 2u);
  // 5 samples (the page's own tick took the fifth), on both lines.
  EXPECT_EQ(points_of(authorized, "in flight").size(), 5u) << authorized;
  EXPECT_EQ(points_of(authorized, "overdue \\(unacknowledged\\)").size(), 5u) << authorized;
  // Held has no SLA: no overdue line, no tier.
  const auto held = html.find("id=\"charts-Held\"");
  const std::string h = html.substr(held, html.find("</div>", held) - held);
  EXPECT_EQ(h.find("overdue"), std::string::npos);
  EXPECT_EQ(h.find("class=\"tier\""), std::string::npos);
  EXPECT_NE(h.find(">no orders in this status</text>"), std::string::npos);
  EXPECT_EQ(authorized.find("no orders"), std::string::npos);

  // Filtered to a status: only its charts.
  const std::string one = page("status=Authorized");
  EXPECT_EQ(count(one, "class=\"chart trend\""), 1u);
  EXPECT_NE(one.find("id=\"charts-Authorized\""), std::string::npos);
}

TEST_F(PageCharts, TheSummarySaysHowOverRepresentedAValueIs) {
  const char* dims = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms, dimensions: [{field: region, max_values: 10}]}
statuses:
  - {name: Authorized, sla: 60s}
  - {name: Delivered, terminal: true}
)";
  const auto config = sla::load_string(dims);
  tracking::TrackerService service(config, [] { return kNow; });
  DrilldownApi api(service, "shop");
  auto add = [&](const std::string& id, std::int64_t age, const char* region) {
    tracking::Event e;
    e.id = id;
    e.status = 0;
    e.time_ms = kNow - age;
    e.dims[0] = region;
    e.has_dim[0] = true;
    // Arrived just before the summary's tick: the source is idle by then (idle_timeout 1ms).
    ASSERT_EQ(service.apply(e, kNow - 1), tracking::ApplyResult::kApplied);
  };
  // 5 in flight: eu-west 1 of them, but 4 of the 5 overdue... in a 4-overdue status.
  add("e1", 100 * kS, "eu-west");
  add("u1", 90 * kS, "us-east");
  add("u2", 80 * kS, "us-east");
  add("u3", 70 * kS, "us-east");
  add("u4", 1 * kS, "us-east");
  const auto r = api.summary(HttpRequest{"GET", "/api/v1/summary", "", "", ""});
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["statuses"][0]["over_representation"], nlohmann::json::parse(R"({"region":[
    {"value":"us-east","overdue":3,"in_flight":4,"share_of_overdue":0.75,"share_of_in_flight":0.8},
    {"value":"eu-west","overdue":1,"in_flight":1,"share_of_overdue":0.25,"share_of_in_flight":0.2}]})"))
      << r.body;
  const auto html = api.page(HttpRequest{"GET", "/", "", "", ""}).body;
  EXPECT_NE(html.find("us-east (3) <span class=\"share\">75 % of overdue, 80 % of in flight"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("eu-west (1) <span class=\"share\">25 % of overdue, 20 % of in flight"),
            std::string::npos);
}

}  // namespace
}  // namespace orderwatch::web::charts
