// Log records are logfmt (one line each, values quoted and escaped as Prometheus's tools do),
// and rate-limited lines carry the count they held back.
#include "orderwatch/log/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orderwatch::log {
namespace {

constexpr std::int64_t kT = 1'796'115'600'000;  // 2026-12-01T09:00:00.000Z

TEST(Logfmt, WritesTsLevelComponentMsg) {
  EXPECT_EQ(format_line(kT, Level::kInfo, "nats", "connected to nats://127.0.0.1:4222"),
            "ts=2026-12-01T09:00:00.000Z level=info component=nats "
            "msg=\"connected to nats://127.0.0.1:4222\"");
  EXPECT_EQ(format_line(kT + 7, Level::kError, "snapshot", "refused"),
            "ts=2026-12-01T09:00:00.007Z level=error component=snapshot msg=refused");
  EXPECT_EQ(format_line(0, Level::kWarn, "x", "", {{"suppressed", "3"}, {"path", "a b"}}),
            "ts=1970-01-01T00:00:00.000Z level=warn component=x msg=\"\" suppressed=3 "
            "path=\"a b\"");
  EXPECT_EQ(format_line(-1, Level::kDebug, "x", "y"),
            "ts=1969-12-31T23:59:59.999Z level=debug component=x msg=y");
}

TEST(Logfmt, QuotesAndEscapesSoARecordIsOneLine) {
  auto value = [](std::string_view v) {
    std::string out;
    append_value(out, v);
    return out;
  };
  EXPECT_EQ(value("plain"), "plain");
  EXPECT_EQ(value("orders.status.>"), "orders.status.>");
  EXPECT_EQ(value(""), "\"\"");
  EXPECT_EQ(value("a b"), "\"a b\"");
  EXPECT_EQ(value("k=v"), "\"k=v\"");
  EXPECT_EQ(value(R"({"orderId":"a"})"), R"("{\"orderId\":\"a\"}")");
  EXPECT_EQ(value("back\\slash"), R"("back\\slash")");
  EXPECT_EQ(value("two\nlines\r\tend"), R"("two\nlines\r\tend")");
  EXPECT_EQ(value(std::string_view("nul\0x\x7f", 6)), R"("nul\u0000x\u007f")");
  EXPECT_EQ(value("\x1b[31m"), R"("\u001b[31m")");
  EXPECT_EQ(value("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes through
  const std::string line = format_line(kT, Level::kError, "reload", "bad:\nline 1\nline 2");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"(msg="bad:\nline 1\nline 2")"), std::string::npos);
}

TEST(Logfmt, LevelsFilterAndRateLimitCountsWhatItHeldBack) {
  std::vector<std::string> lines;
  set_sink([&](std::string_view l) { lines.emplace_back(l); });
  set_level(Level::kWarn);
  info("x", "hidden");
  warn("x", "shown");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" level=warn component=x msg=shown"), std::string::npos) << lines[0];

  lines.clear();
  RateLimited limited(10'000);
  limited.warn(1'000, "decode", "bad event");
  limited.warn(2'000, "decode", "bad event");
  limited.warn(10'999, "decode", "bad event");
  limited.warn(11'000, "decode", "bad event");
  limited.warn(11'001, "decode", "bad event");
  limited.warn(21'000, "decode", "bad event");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].ends_with(" msg=\"bad event\"")) << lines[0];
  EXPECT_TRUE(lines[1].ends_with(" msg=\"bad event\" suppressed=2")) << lines[1];
  EXPECT_TRUE(lines[2].ends_with(" msg=\"bad event\" suppressed=1")) << lines[2];
  set_level(Level::kInfo);
  set_sink({});
}

TEST(Logfmt, ParsesLevels) {
  Level l{};
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(parse_level("error", l));
  EXPECT_EQ(l, Level::kError);
  EXPECT_FALSE(parse_level("ERROR", l));
  EXPECT_FALSE(parse_level("", l));
}

}  // namespace
}  // namespace orderwatch::log
