#include "orderwatch/tracking/service.h"

#include <chrono>

#include "trend.h"

namespace orderwatch::tracking {

namespace {

std::vector<std::string> status_names(const sla::Config& config) {
  std::vector<std::string> names;
  for (const auto& st : config.statuses) names.push_back(st.name);
  return names;
}

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

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
  if (!behind_) tracker_->tick(clock_());  // caught up from the start: W is the wall clock
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
  if (stream_seq) stream_seq_ = *stream_seq;
  behind_ = behind;
  return tracker_->apply(event, now_ms);
}

bool TrackerService::reject(events::RejectReason reason, std::int64_t now_ms,
                            std::optional<std::uint64_t> stream_seq,
                            std::optional<std::uint64_t> generation, bool behind) {
  std::lock_guard lock(mu_);
  if (generation && *generation != generation_) return false;
  if (stream_seq) stream_seq_ = *stream_seq;
  behind_ = behind;
  tracker_->reject(reason, now_ms);
  return true;
}

TrackerService::Batch TrackerService::begin_batch(std::uint64_t generation) {
  std::unique_lock lock(mu_);
  if (generation != generation_) lock.unlock();
  return Batch(*this, std::move(lock));
}

ApplyResult TrackerService::Batch::apply(const events::Event& event, std::int64_t now_ms,
                                         std::optional<std::uint64_t> stream_seq, bool behind) {
  if (stream_seq) service_->stream_seq_ = *stream_seq;
  service_->behind_ = behind;
  return service_->tracker_->apply(event, now_ms);
}

void TrackerService::Batch::apply_all(std::span<const events::Event> events, std::int64_t now_ms,
                                      std::span<ApplyResult> out,
                                      std::optional<std::uint64_t> stream_seq, bool behind) {
  if (stream_seq) service_->stream_seq_ = *stream_seq;
  service_->behind_ = behind;
  service_->tracker_->apply_batch(events, now_ms, out);
}

void TrackerService::Batch::reject(events::RejectReason reason, std::int64_t now_ms,
                                   std::optional<std::uint64_t> stream_seq, bool behind) {
  if (stream_seq) service_->stream_seq_ = *stream_seq;
  service_->behind_ = behind;
  service_->tracker_->reject(reason, now_ms);
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
std::int64_t TrackerService::tick_locked() {
  const std::int64_t now = clock_();
  tracker_->tick(now, behind_);
  if (trend_->due(now)) trend_->record(now, tracker_->status_counts());
  return now;
}

void TrackerService::tick() {
  std::lock_guard lock(mu_);
  tick_locked();
}

std::shared_ptr<const sla::Config> TrackerService::snapshot(TrackerSnapshot& out) {
  std::lock_guard lock(mu_);
  tick_locked();
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
  out.now_ms = tick_locked();
  out.order = tracker_->find(id);
  if (out.order) out.dimension_labels = tracker_->dimension_labels();
  return out;
}

OverduePage TrackerService::overdue(const OverdueQuery& query) {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_locked();
  OverduePage page = tracker_->overdue(query);
  page.now_ms = now;
  return page;
}

TrackerSummary TrackerService::summary() {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_locked();
  TrackerSummary s = tracker_->summary();
  s.now_ms = now;
  return s;
}

RecoveredList TrackerService::recovered(std::string_view status, std::size_t limit) {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_locked();
  RecoveredList r = tracker_->recovered(status, limit);
  r.now_ms = now;
  return r;
}

TrendView TrackerService::trend() {
  std::lock_guard lock(mu_);
  return trend_->view(tick_locked());
}

void TrackerService::reserve(std::size_t orders) {
  std::lock_guard lock(mu_);
  tracker_->reserve(orders);
}

std::uint64_t TrackerService::stream_seq() {
  std::lock_guard lock(mu_);
  return stream_seq_;
}

SnapshotMeta TrackerService::save_snapshot(const std::string& path, SaveTimings* timings) {
  std::lock_guard save_lock(save_mu_);
  const std::int64_t start = steady_us();
  std::string image;
  SnapshotMeta meta;
  std::int64_t hold_us = 0;
  {
    std::lock_guard lock(mu_);
    const std::int64_t locked = steady_us();
    meta.written_ms = clock_();
    meta.stream_seq = stream_seq_;
    meta.orders = tracker_->tracked();
    tracker_->save_state(image, stream_seq_, meta.written_ms);
    hold_us = steady_us() - locked;
  }
  seal_snapshot(image);
  meta.bytes = image.size();
  try {
    write_file_atomically(path, image);
  } catch (...) {
    ++stats_.snapshot_failures;
    throw;
  }
  const std::int64_t total_us = steady_us() - start;
  stats_.snapshot_success_ms = clock_();
  stats_.snapshot_duration_us = total_us;
  stats_.snapshot_bytes = meta.bytes;
  if (timings != nullptr) *timings = {hold_us, total_us};
  return meta;
}

RestoreReport TrackerService::load_snapshot(const std::string& path) {
  const std::string image = read_snapshot_file(path);
  const std::shared_ptr<const sla::Config> config = this->config();
  // Built aside and swapped in only when complete: a refused snapshot changes nothing.
  auto fresh = std::make_unique<OrderTracker>(*config);
  RestoreReport report;
  try {
    report = fresh->load_state(image, path);
  } catch (const std::bad_alloc&) {
    throw SnapshotError(path + ": not enough memory to load " + std::to_string(image.size()) +
                        " bytes of snapshot");
  }
  std::lock_guard lock(mu_);
  if (config_ != config) {
    throw SnapshotError(path + ": the config was reloaded while the snapshot loaded; retry");
  }
  fresh->take_recovered_from(*tracker_);
  tracker_ = std::move(fresh);
  stream_seq_ = report.meta.stream_seq;
  return report;
}

RestoreReport TrackerService::reload(const sla::Config& config) {
  auto next = std::make_shared<const sla::Config>(config);
  auto fresh = std::make_unique<OrderTracker>(*next);
  RestoreReport report;
  {
    // Held for the whole swap: an event applied to the old tracker after the image was taken
    // would be lost. Decoding with the new config starts when the generation changes.
    std::lock_guard lock(mu_);
    std::string image;
    tracker_->save_state(image, stream_seq_, clock_());
    seal_snapshot(image);
    report = fresh->load_state(image, "reload of " + config.source_path);
    fresh->carry_counters_from(*tracker_);
    fresh->take_recovered_from(*tracker_);
    fresh->tick(clock_(), behind_);  // the clock read under the lock, as tick_locked()
    std::swap(tracker_, fresh);
    trend_->relabel(status_names(*next));
    config_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }
  stats_.config_reload_ok = true;
  stats_.config_reload_success_ms = clock_();
  return report;  // the old tracker is freed here, outside the lock
}

}  // namespace orderwatch::tracking
