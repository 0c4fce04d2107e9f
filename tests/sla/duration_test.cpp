#include <gtest/gtest.h>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {
namespace {

TEST(Duration, ParsesEveryDocumentedForm) {
  EXPECT_EQ(parse_duration("90s"), Duration(90'000));
  EXPECT_EQ(parse_duration("15m"), Duration(900'000));
  EXPECT_EQ(parse_duration("2h"), Duration(7'200'000));
  EXPECT_EQ(parse_duration("7d"), Duration(604'800'000));
  EXPECT_EQ(parse_duration("1w"), Duration(604'800'000));
  EXPECT_EQ(parse_duration("1h30m"), Duration(5'400'000));
  EXPECT_EQ(parse_duration("500ms"), Duration(500));
  EXPECT_EQ(parse_duration("1m30s250ms"), Duration(90'250));
  EXPECT_EQ(parse_duration("0"), Duration(0));
}

TEST(Duration, RejectsBadText) {
  for (const char* bad : {"", "1hr", "h", "15", "-5m", "1.5h", "30m1h", "1h1h", "2 h", "1e3s",
                          "99999999999999999999d"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsCanonically) {
  EXPECT_EQ(format_duration(Duration(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(Duration(604'800'000)), "7d");
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(1500)), "1s500ms");
  EXPECT_EQ(format_duration(Duration(90'061'000)), "1d1h1m1s");
  for (const char* text : {"15m", "2h", "1h30m", "3d", "45s"}) {
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
  }
}

}  // namespace
}  // namespace orderwatch::sla
