// TrackerService's events, ticks and queries: the lock, the one apply step every event and
// reject goes through (apply_locked), the behind flag and the stream position. Called by
// ingest (IngestPipeline), the ticker and scrape/HTTP threads; snapshot files and reloads are
// in service_snapshot.cpp and service_reload.cpp, operator actions in service_actions.cpp.
#include "orderwatch/tracking/service.h"

#include <chrono>

#include "service_internal.h"
#include "trend.h"

namespace orderwatch::tracking {

using detail::status_names;

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TrackerService::TrackerService(const sla::Config& config, Clock clock)
    : config_(std::make_shared<const sla::Config>(config)),
      clock_(std::move(clock)),
      tracker_(std::make_unique<OrderTracker>(*config_)),
      trend_(std::make_unique<TrendRing>(status_names(*config_))) {
  stats_.config_reload_success_ms = clock_();
  behind_ = config_->nats.jetstream.has_value();
  tracker_->tick(clock_(), behind_);  // idle counts from here (Watermark)
}

TrackerService::~TrackerService() = default;

std::shared_ptr<const sla::Config> TrackerService::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

ConfigView TrackerService::config_view() const {
  std::lock_guard lock(mu_);
  return {config_, generation_.load()};
}

std::optional<ApplyResult> TrackerService::apply(const events::Event& event, std::int64_t now_ms,
                                                 std::optional<std::uint64_t> stream_seq,
                                                 std::optional<std::uint64_t> generation,
                                                 bool behind) {
  std::lock_guard lock(mu_);
  if (generation && *generation != generation_) return std::nullopt;
  ApplyResult result{};
  apply_locked({.events = {&event, 1},
                .results = {&result, 1},
                .now_ms = now_ms,
                .stream_seq = stream_seq,
                .behind = behind});
  return result;
}

bool TrackerService::reject(events::RejectReason reason, std::int64_t now_ms,
                            std::optional<std::uint64_t> stream_seq,
                            std::optional<std::uint64_t> generation, bool behind) {
  std::lock_guard lock(mu_);
  if (generation && *generation != generation_) return false;
  apply_locked(
      {.rejects = {&reason, 1}, .now_ms = now_ms, .stream_seq = stream_seq, .behind = behind});
  return true;
}

TrackerService::Batch TrackerService::begin_batch(std::uint64_t generation) {
  std::unique_lock lock(mu_);
  if (generation != generation_) lock.unlock();
  return Batch(*this, std::move(lock));
}

void TrackerService::apply_locked(const IngestStep& step) {
  if (step.stream_seq) stream_seq_ = *step.stream_seq;
  behind_ = step.behind;
  if (journal_.active) {
    for (const events::RejectReason reason : step.rejects) journal_reject(reason, step.now_ms);
    for (const events::Event& e : step.events) journal_event(e, step.now_ms);
  }
  for (const events::RejectReason reason : step.rejects) tracker_->reject(reason, step.now_ms);
  if (!step.events.empty()) tracker_->apply_batch(step.events, step.now_ms, step.results);
}

void TrackerService::set_behind(bool behind) {
  std::lock_guard lock(mu_);
  behind_ = behind;
}

bool TrackerService::behind() const {
  std::lock_guard lock(mu_);
  return behind_;
}

// The clock is read under the lock: two threads ticking with clock readings taken before it
// could otherwise hand the tracker an older one after a newer one -- which it must take for
// a wall clock that stepped back (tracker.h), moving W backwards for nothing.
std::int64_t TrackerService::tick_read_locked() {
  const std::int64_t now = clock_();
  if (journal_.active) journal_tick(now);
  tracker_->tick(now, behind_);
  // Sampled on W's time axis, as the counts are judged: a replay draws the hour it replays.
  const std::int64_t judged = tracker_->judge_at(now);
  if (trend_->due(judged)) trend_->record(judged, tracker_->status_counts());
  return now;
}

std::int64_t TrackerService::tick_locked() {
  if (journal_.active) journal_.diverged = true;  // an operator action follows
  return tick_read_locked();
}

void TrackerService::tick() {
  std::lock_guard lock(mu_);
  tick_read_locked();
}

std::shared_ptr<const sla::Config> TrackerService::snapshot(TrackerSnapshot& out) {
  std::lock_guard lock(mu_);
  tick_read_locked();
  tracker_->snapshot(out);
  return config_;
}

std::size_t TrackerService::tracked() {
  std::lock_guard lock(mu_);
  return tracker_->tracked();
}

FoundOrder TrackerService::find(std::string_view id) {
  FoundOrder out;
  std::lock_guard lock(mu_);
  out.now_ms = tick_read_locked();
  out.watermark_ms = tracker_->judge_at(out.now_ms);
  out.order = tracker_->find(id);
  if (out.order) out.dimension_labels = tracker_->dimension_labels();
  return out;
}

OverduePage TrackerService::overdue(const OverdueQuery& query) {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_read_locked();
  OverduePage page = tracker_->overdue(query);
  page.now_ms = now;
  page.watermark_ms = tracker_->judge_at(now);
  return page;
}

TrackerSummary TrackerService::summary() {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_read_locked();
  TrackerSummary s = tracker_->summary();
  s.now_ms = now;
  s.watermark_ms = tracker_->judge_at(now);
  return s;
}

RecoveredList TrackerService::recovered(std::string_view status, std::size_t limit) {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_read_locked();
  RecoveredList r = tracker_->recovered(status, limit);
  r.now_ms = now;
  return r;
}

TrendView TrackerService::trend() {
  std::lock_guard lock(mu_);
  return trend_->view(tracker_->judge_at(tick_read_locked()));
}

void TrackerService::reserve(std::size_t orders) {
  std::lock_guard lock(mu_);
  tracker_->reserve(orders);
}

std::uint64_t TrackerService::stream_seq() {
  std::lock_guard lock(mu_);
  return stream_seq_;
}

}  // namespace orderwatch::tracking
