// HeldRejects: an AckAll consumer's curable rejects (a status deployed before the SLA file, a
// clock ahead, a limit to raise). The server forgets them with their batch's +ACK, so they are
// kept here by stream sequence and retried on the NAK schedule until max_deliver, then
// dead-lettered. Owns the held messages; used on the consumer thread only. Cost: a std::map
// of at most max_ack_pending entries; retry_due() is called between batches.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <map>
#include <optional>

#include "jetstream_util.h"

namespace orderwatch::ingest::detail {

class HeldRejects {
 public:
  explicit HeldRejects(ConsumerContext& ctx) : ctx_(ctx) {}
  ~HeldRejects() { clear(); }
  HeldRejects(const HeldRejects&) = delete;
  HeldRejects& operator=(const HeldRejects&) = delete;

  bool contains(std::uint64_t seq) const { return held_.contains(seq); }
  std::optional<std::uint64_t> oldest() const {
    return held_.empty() ? std::nullopt : std::optional(held_.begin()->first);
  }
  // Whether a reject of stream sequence `seq` may be held (at most max_ack_pending are; one
  // held already may always be held again).
  bool has_room(std::uint64_t seq) const;
  // Takes `msg` (held, or destroyed when `seq` is held already) and counts a NAK.
  void hold(natsMsg* msg, std::uint64_t seq, std::uint64_t deliveries);
  // Re-applies those whose delay is over, each as a batch of one, recording resume_point().
  void retry_due();
  // Destroys them all (acknowledged: a restart re-reads them, as the resume point is below).
  void clear();

 private:
  struct Held {
    natsMsg* msg = nullptr;
    std::uint64_t deliveries = 0;  // attempts so far
    std::int64_t due_ms = 0;
  };
  // One retry: false when it stays held.
  bool retry(std::uint64_t seq, Held& h, std::int64_t now);

  ConsumerContext& ctx_;
  std::map<std::uint64_t, Held> held_;
};

}  // namespace orderwatch::ingest::detail
