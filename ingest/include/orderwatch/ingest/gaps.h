// GapLog: when core-NATS ingest may have lost events. Core NATS delivers at most once: what
// is published while orderwatch is disconnected, or what the client drops as a slow consumer
// (pending limits exceeded), never reaches it. A gap is an interval during which at least one
// such cause was active; it is counted once, by the cause that opened it, when it begins (a
// second disconnect report, a second drop report or another cause while it is open extend the
// same gap). The last gap's start and end are kept (end 0 while it is open).
// JetStream mode records nothing: the stream keeps what was published meanwhile.
// Threading: begin/end from the NATS client's callback threads and the core consumer thread,
// view() from scrapes and HTTP threads; transitions under a small mutex (rare), active() is
// a lock-free read for the consumer thread's per-batch check. Cost: O(1).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace orderwatch::ingest {

enum class GapCause : std::uint8_t {
  kDisconnect,    // the connection to the server was lost (until reconnected)
  kSlowConsumer,  // the client dropped messages (until the consumer emptied its queue)
  kCount
};
inline constexpr std::size_t kGapCauses = static_cast<std::size_t>(GapCause::kCount);
// The `cause` label values of orderwatch_ingest_gaps_total, by GapCause.
inline constexpr std::array<std::string_view, kGapCauses> kGapCauseNames = {"disconnect",
                                                                            "slow_consumer"};

// A consistent copy of a GapLog.
struct GapView {
  std::array<std::uint64_t, kGapCauses> gaps{};  // gaps opened, by the cause that opened them
  std::int64_t last_start_ms = 0;                // 0 before any gap
  std::int64_t last_end_ms = 0;                  // 0 before any gap and while the last is open

  std::uint64_t total() const {
    std::uint64_t n = 0;
    for (const auto g : gaps) n += g;
    return n;
  }
  bool open() const { return last_start_ms != 0 && last_end_ms == 0; }
};

class GapLog {
 public:
  // `cause` began at now_ms: opens (and counts) a gap unless one is open already.
  void begin(GapCause cause, std::int64_t now_ms);
  // `cause` ended at now_ms (ignored when it was not active): the gap closes when no cause
  // is left active.
  void end(GapCause cause, std::int64_t now_ms);
  // Whether `cause` is active now (relaxed read, no lock).
  bool active(GapCause cause) const {
    return active_[static_cast<std::size_t>(cause)].load(std::memory_order_relaxed);
  }
  GapView view() const;

 private:
  mutable std::mutex mu_;
  GapView view_;                                        // guarded by mu_
  std::array<std::atomic<bool>, kGapCauses> active_{};  // written under mu_
};

}  // namespace orderwatch::ingest
