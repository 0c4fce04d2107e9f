// plan_resume: what a restart re-reads from the stream before the durable consumer takes
// over, and what it reports lost; resume_point: what each applied event records. Sequences are
// small so each case reads as a picture of the stream: [first..last] held, the state covers S, the
// consumer delivered D.
#include <gtest/gtest.h>

#include "orderwatch/ingest/jetstream.h"

namespace orderwatch::ingest {
namespace {

TEST(ResumePlan, ReReadsWhatTheConsumerDeliveredAfterTheState) {
  // Snapshot at 100, consumer delivered (and maybe acknowledged) up to 250.
  const ResumePlan p = plan_resume(100, 1, 400, 250);
  EXPECT_EQ(p.replay_from, 101u);
  EXPECT_EQ(p.replay_to, 250u);
  EXPECT_EQ(p.lost, 0u);
}

TEST(ResumePlan, NothingToReReadWhenTheStateIsAheadOfTheConsumer) {
  // The consumer redelivers 201..300 itself: duplicates of the state, harmless.
  EXPECT_EQ(plan_resume(300, 1, 400, 200).replay_from, 0u);
  EXPECT_EQ(plan_resume(300, 1, 400, 300).replay_from, 0u);
  EXPECT_EQ(plan_resume(300, 1, 400, 300).lost, 0u);
}

TEST(ResumePlan, WithoutAStreamPositionRebuildsFromTheWholeStream) {
  // No snapshot (covered 0): everything the stream holds up to what was delivered; the part
  // that aged out is not a loss of this run (no state ever claimed it).
  const ResumePlan p = plan_resume(0, 50, 400, 300);
  EXPECT_EQ(p.replay_from, 50u);
  EXPECT_EQ(p.replay_to, 300u);
  EXPECT_EQ(p.lost, 0u);
}

TEST(ResumePlan, ANewConsumerStartsRightAfterTheState) {
  const ResumePlan p = plan_resume(100, 1, 400, std::nullopt);
  EXPECT_EQ(p.replay_from, 0u);
  EXPECT_EQ(p.durable_start, 101u);
  EXPECT_EQ(p.lost, 0u);
  // No state: the whole stream.
  EXPECT_EQ(plan_resume(0, 1, 400, std::nullopt).durable_start, 0u);
  EXPECT_EQ(plan_resume(0, 0, 0, std::nullopt).durable_start, 0u);
}

TEST(ResumePlan, AGapIsCountedWhenTheStreamNoLongerHoldsWhatTheStateNeeds) {
  // State at 100, stream now starts at 151: 101..150 are gone.
  ResumePlan p = plan_resume(100, 151, 400, 250);
  EXPECT_EQ(p.lost, 50u);
  EXPECT_EQ(p.replay_from, 151u);
  EXPECT_EQ(p.replay_to, 250u);
  // Gone past what the consumer had delivered: only the delivered part counts; the
  // consumer itself skips to what the stream holds.
  p = plan_resume(100, 301, 400, 250);
  EXPECT_EQ(p.lost, 150u);
  EXPECT_EQ(p.replay_from, 0u);
  // A new consumer after a gap.
  p = plan_resume(100, 151, 400, std::nullopt);
  EXPECT_EQ(p.lost, 50u);
  EXPECT_EQ(p.durable_start, 101u);
}

TEST(ResumePlan, EmptyOrPurgedStream) {
  // Purged: first = last + 1. The consumer had delivered 250; 101..250 are gone.
  ResumePlan p = plan_resume(100, 401, 400, 250);
  EXPECT_EQ(p.lost, 150u);
  EXPECT_EQ(p.replay_from, 0u);
  // Brand-new empty stream, no state.
  p = plan_resume(0, 0, 0, 0);
  EXPECT_EQ(p.replay_from, 0u);
  EXPECT_EQ(p.lost, 0u);
}

TEST(ResumePlan, AStateAheadOfTheStreamMeansTheStreamWasRecreated) {
  // The state covers 5000 but the stream ends at 400: its sequences restarted. Rebuild from
  // what it holds rather than waiting for sequence 5001.
  ResumePlan p = plan_resume(5000, 1, 400, std::nullopt);
  EXPECT_EQ(p.durable_start, 0u);
  p = plan_resume(5000, 1, 400, 300);
  EXPECT_EQ(p.replay_from, 1u);
  EXPECT_EQ(p.replay_to, 300u);
  EXPECT_EQ(p.lost, 0u);
}

TEST(ResumePlan, ReplayNeverRunsPastTheStreamEnd) {
  // Delivered beyond the last held message (trailing messages deleted).
  const ResumePlan p = plan_resume(100, 1, 200, 250);
  EXPECT_EQ(p.replay_from, 101u);
  EXPECT_EQ(p.replay_to, 200u);
}

// The resume point every applied event records: min(its sequence, the ack floor, the oldest
// held reject - 1). The start-up re-read used to compute its own (without the ack floor): the
// case where the two disagreed is an event re-read above the consumer's ack floor.
TEST(ResumePoint, NeverPassesTheAckFloor) {
  // Delivered up to 250 before a crash, acknowledged up to 200: re-reading 230 records 200,
  // so a snapshot taken now still has 201..250 re-read on the next start.
  EXPECT_EQ(resume_point(230, 200, std::nullopt), 200u);
  EXPECT_EQ(resume_point(150, 200, std::nullopt), 150u);  // below the floor: its own sequence
}

TEST(ResumePoint, StaysBelowTheOldestHeldReject) {
  EXPECT_EQ(resume_point(230, 300, 120), 119u);
  EXPECT_EQ(resume_point(230, 100, 120), 100u);  // the floor is lower still
  EXPECT_EQ(resume_point(110, 300, 120), 110u);
}

}  // namespace
}  // namespace orderwatch::ingest

TEST(AckSubject, GivesStreamSequenceDeliveryCountAndPending) {
  using orderwatch::ingest::parse_ack_subject;
  std::uint64_t seq = 0, delivered = 0, pending = 0;
  ASSERT_TRUE(parse_ack_subject("$JS.ACK.ORDERS.orderwatch.3.1234.77.1700000000000000000.5", seq,
                                delivered, pending));
  EXPECT_EQ(seq, 1234u);
  EXPECT_EQ(delivered, 3u);
  EXPECT_EQ(pending, 5u);
  // With domain and account hash (and a trailing random token).
  ASSERT_TRUE(
      parse_ack_subject("$JS.ACK.hub.ACCHASH.ORDERS.orderwatch.1.99.98.1700000000000000000.42.xyz",
                        seq, delivered, pending));
  EXPECT_EQ(seq, 99u);
  EXPECT_EQ(delivered, 1u);
  EXPECT_EQ(pending, 42u);
  ASSERT_TRUE(parse_ack_subject("$JS.ACK.ORDERS.orderwatch.1.7.7.1700000000000000000.0", seq,
                                delivered, pending));
  EXPECT_EQ(pending, 0u);  // the last message there is
  for (const char* bad :
       {"", "_INBOX.abc", "$JS.ACK.ORDERS.orderwatch.x.1.1.1.1", "$JS.ACK.ORDERS.orderwatch.1.2.3",
        "$JS.API.ORDERS.c.1.2.3.4.5", "$JS.ACK.ORDERS.orderwatch.1.2.3.4.many",
        "$JS.ACK.ORDERS.orderwatch..7.7.1.0", "$JS.ACK.ORDERS.orderwatch.1.7.7.1.",
        "$JS.ACKORDERS.orderwatch.1.7.7.1.0.x", "$JS.ACK.a.b.c.d.e.f.1.2.3.4.5.6.7.8.9.0"}) {
    EXPECT_FALSE(parse_ack_subject(bad, seq, delivered, pending)) << bad;
  }
}
