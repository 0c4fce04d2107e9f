// JetStream resume arithmetic: what a restart re-reads from the stream (plan_resume), what each
// applied event records as the state's resume point (resume_point), and the ack subject of a
// pulled message (parse_ack_subject). Pure functions, thread-safe, no allocation; used by the
// JetStream consumer (ingest/src/jetstream_consumer.h) and its unit tests. Why these rules keep
// every acknowledged event: docs/design.md, "ingest: from NATS to the pipeline".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace orderwatch::ingest {

// What to re-read from the stream before consuming from the durable consumer.
struct ResumePlan {
  std::uint64_t replay_from = 0;  // first stream sequence to re-read; 0 = no replay
  std::uint64_t replay_to = 0;    // last one, inclusive
  // Stream sequences the resume needed that the stream no longer holds (aged out or purged).
  // Counted over sequences, so messages of other subjects in the same range count too.
  std::uint64_t lost = 0;
  // Where a newly created durable consumer starts: 0 = the whole stream, else this sequence.
  std::uint64_t durable_start = 0;
};

// covered: the state's stream sequence (tracking::TrackerService::stream_seq(); 0 = the state
// holds no stream position, e.g. no snapshot: rebuild from everything the stream holds).
// stream_first/stream_last: the stream's state (first > last when empty).
// durable_delivered: the durable consumer's last delivered stream sequence, or nullopt when
// the consumer does not exist yet.
ResumePlan plan_resume(std::uint64_t covered, std::uint64_t stream_first, std::uint64_t stream_last,
                       std::optional<std::uint64_t> durable_delivered);

// The stream position an event of stream sequence `seq` records with its effects, on every path
// that applies one (the pull loop, the start-up re-read, a held reject's retry): min(seq, the
// consumer's ack floor last read, the oldest held reject's sequence - 1).
// Inline: it runs for every pulled message.
inline std::uint64_t resume_point(std::uint64_t seq, std::uint64_t ack_floor,
                                  std::optional<std::uint64_t> oldest_held) {
  std::uint64_t at = seq < ack_floor ? seq : ack_floor;
  if (oldest_held && *oldest_held - 1 < at) at = *oldest_held - 1;
  return at;
}

// Stream sequence, delivery count and pending count (the consumer's messages not yet delivered
// after this one: 0 = it is the last one there is) of a pulled message, from its ack subject
// ($JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>, or
// the form with domain and account hash after ACK). False when it is not one.
bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& delivered,
                       std::uint64_t& pending);
// The same, with the consumer sequence (`consumer_seq`: the delivery's number; every delivery,
// a redelivery too, takes the next one).
bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& consumer_seq,
                       std::uint64_t& delivered, std::uint64_t& pending);

}  // namespace orderwatch::ingest
