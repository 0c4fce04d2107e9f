// TrackerService: the thread-safe face of the order state (docs/design.md, "tracking: the
// service, reloads and snapshots"). Ownership: owns the OrderTracker, the config it was built
// from (a shared_ptr swapped by reload(): readers keep the one they got), the config
// generation, the stream position, the behind flag and ServiceStats. Threading: every call is
// thread-safe; one mutex guards the state. Cost under the lock: O(1) per event (one step per
// ingest batch), O(series) per snapshot or summary, O(log orders + page) per drill-down page;
// saving a snapshot or reloading holds it only for a fork() (or, without fork, an O(orders)
// encode). Events decoded with an older config generation are refused (apply()/reject() return
// nullopt/false, changing nothing) and the caller decodes again.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

// Wall clock in Unix ms; injectable for tests.
using Clock = std::function<std::int64_t()>;
std::int64_t system_now_ms();

// One order for GET /api/v1/orders/{id}, with the clock and labels it was read with.
struct FoundOrder {
  std::int64_t now_ms = 0;        // the wall clock when it was read
  std::int64_t watermark_ms = 0;  // as of which its age and deadline are judged (judge_at())
  std::vector<std::string> dimension_labels;
  std::optional<OrderView> order;
};

// The self-metrics this service owns (snapshot files and config reloads): lock-free atomics
// written by the main thread, read by scrapes.
struct ServiceStats {
  std::atomic<bool> config_reload_ok{true};
  std::atomic<std::int64_t> config_reload_success_ms{0};
  std::atomic<std::int64_t> snapshot_success_ms{0};   // 0 = none written yet
  std::atomic<std::int64_t> snapshot_duration_us{0};  // last successful write, end to end
  std::atomic<std::uint64_t> snapshot_bytes{0};       // size of the last one written
  std::atomic<std::uint64_t> snapshot_failures{0};
};

// A config and the generation number it has in this service (1 for the first).
struct ConfigView {
  std::shared_ptr<const sla::Config> config;
  std::uint64_t generation = 0;
};

// What a save_snapshot() call did, beyond SnapshotMeta: for logs and benchmarks.
struct SaveTimings {
  std::int64_t lock_hold_us = 0;  // under the service lock: the fork, or the in-memory encode
  std::int64_t total_us = 0;      // encode + checksum + write + fsync + rename (+ child exit)
  bool forked = false;            // written by a forked child (else: encoded under the lock)
  std::string fork_error;         // why a fork was wanted but not done (then: in-lock encode)
};

// How save_snapshot() encodes: kAuto forks a child when this build can (not under ASan or
// TSan, which do not support fork in a multithreaded process well) and falls back to kInLock
// when fork fails; kFork is kAuto that the tests name; kInLock never forks.
enum class SaveMode : std::uint8_t { kAuto, kFork, kInLock };
// False in sanitizer builds: kAuto and kFork then encode under the lock.
bool fork_save_supported();

// How reload() swaps: kAuto builds aside (and falls back to kInLock when it has to);
// kInLock holds the lock for the whole swap.
enum class ReloadMode : std::uint8_t { kAuto, kInLock };

// What a reload() call did: for logs and benchmarks.
struct ReloadTimings {
  std::int64_t lock_hold_us = 0;  // the longest hold of the service lock
  std::int64_t total_us = 0;
  bool aside = false;          // built aside and swapped (else: all under the lock)
  bool forked = false;         // the image came from a forked child (else: encoded in-lock)
  std::uint64_t replayed = 0;  // journal entries replayed onto the new tracker
  std::uint64_t at_swap = 0;   // of which under the lock, at the swap
  std::string fallback;        // why an aside reload ran under the lock after all
};

// The trend of the last hour (TrackerService::trend(), kept by tracking/src/trend.h): sample
// times, and per status (config order) the in-flight and overdue counts at each of them;
// -1 where the status was not configured at that time.
struct TrendView {
  std::int64_t interval_ms = 0;        // between samples
  std::int64_t window_ms = 0;          // how far back samples are kept
  std::int64_t now_ms = 0;             // W when the view was taken (judge_at(); samples too)
  std::vector<std::int64_t> times_ms;  // oldest first
  struct Status {
    std::string name;
    std::vector<std::int64_t> in_flight, overdue;  // aligned with times_ms
  };
  std::vector<Status> statuses;
};

class TrendRing;

// What an operator action did (service_actions.cpp).
enum class OrderAction : std::uint8_t { kAcknowledge, kForget, kRedrive };
struct ActionOutcome {
  std::int64_t now_ms = 0;        // the wall clock of the action (the audit's time)
  std::int64_t watermark_ms = 0;  // W the action was judged at (judge_at())
  Acknowledgement ack;            // acknowledge: as placed (at W, until W + its length)
  std::vector<std::string> dimension_labels;
  std::vector<OrderView> orders;  // the orders acted on (views as before a forget)
  std::uint64_t matched = 0;      // batch: orders the filter selects (all, not just this cap)
  std::string error;              // batch: refused filter; single: "full" when kMaxAcks held
};

// One step of ingest, as the service applies it: rejects to count and events to apply in
// order (OrderTracker::apply_batch; results: one per event), read with one clock reading.
// stream_seq and behind are those of the step's last message: once applied, the state covers
// them all (stream_seq unset: core NATS, the position is left as it was).
struct IngestStep {
  std::span<const events::Event> events{};
  std::span<ApplyResult> results{};
  std::span<const events::RejectReason> rejects{};
  std::int64_t now_ms = 0;
  std::optional<std::uint64_t> stream_seq{};
  bool behind = false;
};

class TrackerService {
 public:
  TrackerService(const sla::Config& config, Clock clock);
  ~TrackerService();

  // The current config (swapped by reload(); keep the pointer while using it).
  std::shared_ptr<const sla::Config> config() const;
  ConfigView config_view() const;
  // The current generation without taking the lock (a hint: apply() checks under the lock).
  std::uint64_t config_generation() const { return generation_.load(std::memory_order_acquire); }
  std::int64_t now_ms() const { return clock_(); }
  ServiceStats& stats() { return stats_; }

  // now_ms: the wall clock the caller read once for this event (decode used it too).
  // stream_seq: when set, recorded as the stream position covered by the state, under the same
  // lock acquisition, so a snapshot never records a sequence whose event is not in it.
  // generation: the config generation the event was decoded with; when set and a reload came
  // in between, nothing changes and nullopt (apply) / false (reject) is returned, and the
  // caller decodes again. Unset: the current config (in-process callers that never reload).
  // behind: more messages are known to wait behind this one (JetStream pending > 0, the
  // start-up re-read, a client queue that is not empty); recorded as set_behind() does.
  std::optional<ApplyResult> apply(const events::Event& event, std::int64_t now_ms,
                                   std::optional<std::uint64_t> stream_seq = std::nullopt,
                                   std::optional<std::uint64_t> generation = std::nullopt,
                                   bool behind = false);
  bool reject(events::RejectReason reason, std::int64_t now_ms,
              std::optional<std::uint64_t> stream_seq = std::nullopt,
              std::optional<std::uint64_t> generation = std::nullopt, bool behind = false);
  // Holds the service lock for a run of ingest steps (the ingest path): begin_batch() takes
  // the lock and keeps it until the Batch is destroyed; it comes back without the lock (false)
  // when `generation` is no longer current, and the caller decodes again with the new config.
  // Keep batches short (a few hundred events): scrapes wait for them.
  class Batch {
   public:
    explicit operator bool() const { return lock_.owns_lock(); }
    // What apply()/reject() do, for a whole chunk, without the generation check (done once).
    void apply(const IngestStep& step) { service_->apply_locked(step); }

   private:
    friend class TrackerService;
    Batch(TrackerService& service, std::unique_lock<std::mutex> lock)
        : service_(&service), lock_(std::move(lock)) {}
    TrackerService* service_;
    std::unique_lock<std::mutex> lock_;
  };
  Batch begin_batch(std::uint64_t generation);
  // Where ingest stands between events: behind (a backlog is known to wait, or the source
  // cannot see the stream: an idle source does not turn W to the wall clock) or not.
  void set_behind(bool behind);
  bool behind() const;
  void tick();
  // Ticks to now, then copies every count; returns the config the counts belong to.
  std::shared_ptr<const sla::Config> snapshot(TrackerSnapshot& out);
  std::size_t tracked();

  // Drill-down queries. Each ticks to now first, so answers agree with a scrape taken at the
  // same moment; status and severity names are resolved under the same lock as the query.
  // Ages and deadlines are judged as of watermark_ms (W, as /metrics judges them), now_ms is
  // the wall clock of the answer.
  FoundOrder find(std::string_view id);
  OverduePage overdue(const OverdueQuery& query);
  TrackerSummary summary();
  // What recovered (OrderTracker::recovered), ticked first like the other queries.
  RecoveredList recovered(std::string_view status, std::size_t limit);
  // The samples the ticks took (one per 15 s of W, the last hour of W): a copy,
  // O(statuses x samples). Times are W's (judge_at()), so a replay draws the hour it replays.
  TrendView trend();
  void reserve(std::size_t orders);

  // Operator actions on one order (ticks first). Nothing acted on (orders empty) when the id is
  // not held. Redrive changes no count: the order is returned for the caller to publish, and
  // the request is remembered for what recovered (OrderTracker::note_redrive).
  // milestone: acknowledge that milestone's clock of the order (not its stay); an unknown name
  // is refused in `error`, a clock not running or paused acts on nothing. An acknowledgement
  // is placed at W (OrderTracker::judge_at) for its length ack.until_ms - ack.at_ms, so it
  // expires when W passes (ActionOutcome::ack says where it was placed).
  ActionOutcome act(OrderAction action, std::string_view id, const Acknowledgement& ack,
                    std::string_view milestone = {});
  // The same on the overdue orders `query` selects, oldest first, at most query.limit of them;
  // dry_run: only counted and listed. One lock for the selection and the action. With
  // query.milestone, acknowledge acts on the listed clocks, forget and redrive on their orders.
  ActionOutcome act_on_overdue(OrderAction action, const OverdueQuery& query,
                               const Acknowledgement& ack, bool dry_run);
  // The caller could not publish these redrive requests: what recovered will not claim them.
  void redrives_not_published(std::span<const OrderView> orders);

  // The last stream sequence whose effects are in the tracker (0 = none / core NATS).
  std::uint64_t stream_seq();

  // Writes the state to `path` atomically (see write_file_atomically) and updates ServiceStats
  // (a failure counts in snapshot_failures). Throws std::runtime_error on I/O errors, also
  // those of a forked child (reported through a pipe) and a child that died.
  SnapshotMeta save_snapshot(const std::string& path, SaveTimings* timings = nullptr);
  void set_save_mode(SaveMode mode) { save_mode_.store(mode, std::memory_order_relaxed); }
  // Replaces the (normally still empty) state with the snapshot at `path`, including the
  // stream sequence. Throws SnapshotError; on failure nothing changes.
  RestoreReport load_snapshot(const std::string& path);

  // Swaps in a new config: the live state goes through a snapshot image into a tracker built
  // from `config` (statuses and dimensions matched by name; new SLAs and tiers apply at once,
  // overdue counts are recomputed), counters are carried over (OrderTracker::
  // carry_counters_from), the generation advances and the config_reload stats are set.
  RestoreReport reload(const sla::Config& config, ReloadTimings* timings = nullptr,
                       ReloadMode mode = ReloadMode::kAuto);

 private:
  // The one way events and rejects reach the tracker; mu_ held. Records the stream position
  // and whether more messages wait, hands the step to the reload journal when one is open,
  // then counts the rejects and applies the events.
  void apply_locked(const IngestStep& step);
  // Reads the clock and ticks; mu_ held. Returns the clock reading. tick_locked() is what the
  // operator actions (service_actions.cpp) call before they change the state beyond the tick:
  // a reload building aside cannot replay that and swaps under the lock instead. The reads in
  // this file call tick_read_locked().
  std::int64_t tick_locked();
  std::int64_t tick_read_locked();

  // What the old tracker is handed while a reload builds the new one aside; mu_ held.
  struct Journal {
    enum class Kind : std::uint8_t { kEvent, kReject, kTick };
    struct Entry {
      Kind kind = Kind::kTick;
      std::uint8_t code = 0;  // status (old config) or reject reason
      bool behind = false;
      std::uint8_t has_dims = 0;  // bit i: dims[i] present
      std::int64_t time_ms = 0;
      std::int64_t now_ms = 0;
      std::uint32_t id_at = 0, id_len = 0;  // into bytes
      std::array<std::uint32_t, sla::kMaxDimensions> dim_at{}, dim_len{};
      std::uint8_t has_deadline = 0;  // as events::Event's, under the old config's slots
      std::array<std::int64_t, sla::kMaxMilestoneDeadlines> deadline_ms{};
    };
    bool active = false;
    bool diverged = false;  // something happened that the journal cannot replay
    std::vector<Entry> entries;
    std::string bytes;  // ids and dimension values
  };
  void journal_event(const events::Event& event, std::int64_t now_ms);
  void journal_reject(events::RejectReason reason, std::int64_t now_ms);
  void journal_tick(std::int64_t now_ms);
  // reload()'s two ways; reload_mu_ held. reload_aside returns false (nothing changed) when
  // it has to give up before the swap; why in t.fallback.
  bool reload_aside(const std::shared_ptr<const sla::Config>& next, RestoreReport& report,
                    ReloadTimings& t);
  // reload_aside's rounds of replay and the swap (the image is loaded into `fresh`).
  bool catch_up_and_swap(std::unique_ptr<OrderTracker> fresh,
                         const std::shared_ptr<const sla::Config>& old_config,
                         const std::shared_ptr<const sla::Config>& next, ReloadTimings& t);
  void reload_in_lock(const std::shared_ptr<const sla::Config>& next, RestoreReport& report,
                      ReloadTimings& t);
  // Both ways' last step, mu_ held: counters and recovered ring handed over, the swap.
  void swap_in_locked(std::unique_ptr<OrderTracker>& fresh,
                      const std::shared_ptr<const sla::Config>& next);
  // save_snapshot's two ways; save_mu_ held. The forked one returns false (fork_error set,
  // nothing done) when fork() itself fails.
  bool save_forked(const std::string& path, SnapshotMeta& meta, SaveTimings& t);
  void save_in_lock(const std::string& path, SnapshotMeta& meta, SaveTimings& t);

  std::shared_ptr<const sla::Config> config_;
  std::atomic<std::uint64_t> generation_{1};  // written under mu_
  std::uint64_t stream_seq_ = 0;
  bool behind_ = false;
  Clock clock_;
  mutable std::mutex mu_;
  std::unique_ptr<OrderTracker> tracker_;
  std::unique_ptr<TrendRing> trend_;  // sampled by tick_read_locked(); not in snapshots
  std::mutex save_mu_;  // one snapshot file write at a time (they share the temp file)
  std::atomic<SaveMode> save_mode_{SaveMode::kAuto};
  std::mutex reload_mu_;  // one reload at a time
  Journal journal_;       // mu_
  ServiceStats stats_;
};

}  // namespace orderwatch::tracking
