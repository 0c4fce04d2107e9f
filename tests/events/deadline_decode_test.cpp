// The milestones' deadline fields in EventDecoder: present in each time format, absent or
// null, bad (the event still decoded, the slot's bad bit set), nested paths, slots shared by
// milestones with the same field, and a CloudEvent's data.
#include <gtest/gtest.h>

#include <string>

#include "orderwatch/events/decoder.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::events {
namespace {

constexpr std::int64_t kT = 1714564800000;  // 2024-05-01T12:00:00Z
constexpr std::int64_t kNow = kT + 60'000;
constexpr std::int64_t kHour = 3'600'000;

std::string config_yaml(const std::string& event_section, const std::string& field2) {
  return "version: 1\n"
         "service: shop\n"
         "nats: {subject: orders.>}\n" +
         event_section +
         "statuses:\n"
         "  - {name: Placed, sla: 15m}\n"
         "  - {name: OnHold}\n"
         "  - {name: Shipped, sla: 48h}\n"
         "  - {name: Delivered, terminal: true}\n"
         "milestones:\n"
         "  - {name: delivery_promise, from: [Placed], until: [Delivered], deadline_field: "
         "promisedBy}\n"
         "  - {name: shipped_in_24h, from: [Placed], until: [Shipped], sla: 24h}\n"
         "  - {name: shipped_promise, from: [Placed], until: [Shipped], deadline_field: "
         "promisedBy}\n"
         "  - {name: pickup, from: [Placed], until: [Shipped], deadline_field: " +
         field2 + "}\n";
}

// promisedBy (slot 0, read by two milestones) and pickup.by (slot 1).
class DeadlineDecodeTest : public ::testing::Test {
 protected:
  sla::Config config = sla::load_string(config_yaml("", "pickup.by"));
  EventDecoder decoder{config};
  Event event;

  std::optional<RejectReason> decode(const std::string& fields) {
    return decoder.decode(
        R"({"orderId":"o1","status":"Placed","timestamp":"2024-05-01T12:00:00Z")" + fields + "}",
        kNow, event);
  }
};

TEST_F(DeadlineDecodeTest, MilestonesWithTheSameFieldShareOneSlot) {
  EXPECT_EQ(config.milestones[0].deadline_slot, 0);
  EXPECT_EQ(config.milestones[2].deadline_slot, 0);
  EXPECT_EQ(config.milestones[3].deadline_slot, 1);
  ASSERT_EQ(decode(R"(,"promisedBy":"2024-05-02T18:00:00Z")"), std::nullopt);
  EXPECT_EQ(event.has_deadline, 0b01);  // one slot for both milestones reading promisedBy
  EXPECT_EQ(event.deadline_ms[0], kT + 30 * kHour);
  EXPECT_EQ(event.bad_deadline, 0);
}

TEST_F(DeadlineDecodeTest, ReadsEveryTimeFormatTheTimestampAccepts) {
  const struct {
    const char* value;
    std::int64_t ms;
  } cases[] = {
      {R"("2024-05-01T18:00:00Z")", kT + 6 * kHour},
      {R"("2024-05-01T20:00:00.250+02:00")", kT + 6 * kHour + 250},
      {"1714586400", kT + 6 * kHour},           // epoch seconds
      {"1714586400500", kT + 6 * kHour + 500},  // epoch milliseconds
      {"1714586400.25", kT + 6 * kHour + 250},
      {R"("1714586400")", kT + 6 * kHour},  // numeric text
  };
  for (const auto& c : cases) {
    ASSERT_EQ(decode(std::string(R"(,"promisedBy":)") + c.value), std::nullopt) << c.value;
    EXPECT_TRUE(event.has_deadline_in(0)) << c.value;
    EXPECT_EQ(event.deadline_ms[0], c.ms) << c.value;
    EXPECT_EQ(event.bad_deadline, 0) << c.value;
  }
}

TEST_F(DeadlineDecodeTest, NestedPathAndAbsentFields) {
  ASSERT_EQ(decode(R"(,"pickup":{"by":"2024-05-01T13:00:00Z"})"), std::nullopt);
  EXPECT_EQ(event.has_deadline, 0b10);
  EXPECT_EQ(event.deadline_ms[1], kT + kHour);
  // Absent, null, or under a parent that is no object: no deadline and nothing bad.
  for (const char* fields :
       {"", R"(,"promisedBy":null)", R"(,"pickup":"soon")", R"(,"pickup":{"at":1714586400})"}) {
    ASSERT_EQ(decode(fields), std::nullopt) << fields;
    EXPECT_EQ(event.has_deadline, 0) << fields;
    EXPECT_EQ(event.bad_deadline, 0) << fields;
  }
}

TEST_F(DeadlineDecodeTest, BadValuesMarkTheSlotAndStillDecodeTheEvent) {
  for (const char* value : {R"("soon")", "true", "{}", "[1]", R"("")", "0",
                            R"("2024-05-01T18:00:00")", R"("10000-01-01T00:00:00Z")"}) {
    ASSERT_EQ(decode(std::string(R"(,"promisedBy":)") + value +
                     R"(,"pickup":{"by":"2024-05-01T13:00:00Z"})"),
              std::nullopt)
        << value;
    EXPECT_EQ(event.id, "o1");
    EXPECT_EQ(event.time_ms, kT);
    EXPECT_EQ(event.bad_deadline, 0b01) << value;
    EXPECT_EQ(event.has_deadline, 0b10) << value;  // the other slot is unaffected
  }
  // The event's own rejects come first: a bad deadline does not change them.
  EXPECT_EQ(decoder.decode(R"({"orderId":"o1","status":"Lost","timestamp":1714564800,)"
                           R"("promisedBy":"soon"})",
                           kNow, event),
            RejectReason::kUnknownStatus);
}

TEST_F(DeadlineDecodeTest, ADeadlineIsNotBoundByTheClock) {
  // Far ahead (past max_future_skew) and long gone (past retention.max_age) are still times.
  ASSERT_EQ(
      decode(R"(,"promisedBy":"2030-01-01T00:00:00Z","pickup":{"by":"2001-01-01T00:00:00Z"})"),
      std::nullopt);
  EXPECT_EQ(event.has_deadline, 0b11);
  EXPECT_EQ(event.deadline_ms[0], 1893456000000);
  EXPECT_EQ(event.deadline_ms[1], 978307200000);
}

TEST(DeadlineDecode, NoMilestoneNoDeadlineRead) {
  const sla::Config config = sla::load_string(
      "service: shop\nnats: {subject: o.>}\nstatuses: [{name: Placed, sla: 1h}]\n");
  EventDecoder decoder(config);
  Event event;
  ASSERT_EQ(decoder.decode(R"({"orderId":"o","status":"Placed","timestamp":1714564800,)"
                           R"("promisedBy":"soon"})",
                           kNow, event),
            std::nullopt);
  EXPECT_EQ(event.has_deadline, 0);
  EXPECT_EQ(event.bad_deadline, 0);
}

TEST(DeadlineDecode, FindsTheFieldInACloudEventsData) {
  const sla::Config config =
      sla::load_string(config_yaml("event: {format: cloudevents}\n", "data.promisedBy"));
  EventDecoder decoder(config);
  Event event;
  ASSERT_EQ(decoder.decode(R"({"specversion":"1.0","type":"order.status","source":"/c",)"
                           R"("id":"e1","time":"2024-05-01T12:00:00Z","promisedBy":"x",)"
                           R"("data":{"orderId":"o","status":"Placed",)"
                           R"("promisedBy":"2024-05-01T18:00:00+00:00"}})",
                           kNow, event),
            std::nullopt);
  // Slot 0 reads the envelope's promisedBy (a path from the root, like every field): bad.
  EXPECT_EQ(event.bad_deadline, 0b01);
  ASSERT_TRUE(event.has_deadline_in(1));
  EXPECT_EQ(event.deadline_ms[1], kT + 6 * kHour);
}

TEST(DeadlineDecode, BadDeadlineIsAReasonOfItsOwn) {
  EXPECT_EQ(to_string(RejectReason::kBadDeadline), "bad_deadline");
}

}  // namespace
}  // namespace orderwatch::events
