#include "orderwatch/tracking/service.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

// fork() in a multithreaded process is not supported well by ASan and TSan (their runtimes
// keep threads and locks of their own): sanitizer builds encode snapshots under the lock.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ORDERWATCH_NO_FORK_SAVE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer) || \
    __has_feature(memory_sanitizer)
#define ORDERWATCH_NO_FORK_SAVE 1
#endif
#endif

#include "trend.h"

namespace orderwatch::tracking {

namespace {

std::vector<std::string> status_names(const sla::Config& config) {
  std::vector<std::string> names;
  for (const auto& st : config.statuses) names.push_back(st.name);
  return names;
}

std::string errno_string(int err) { return std::strerror(err); }

// Writes all of `data` to a pipe, ignoring failures (the reader treats a short message as a
// child that failed).
void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The forked child of save_forked(): the only thread of a copy of the process taken under the
// service lock, so the tracker is exactly the state at the fork. It must not take any lock
// another thread of the parent may have held at that instant (the logger's, the service's):
// it only encodes (malloc is fork-safe in glibc), writes the file and reports on `fd` --
// 'O' + the 8-byte file size, or 'E' + the error text -- for the parent to log.
[[noreturn]] void save_in_child(const OrderTracker& tracker, const std::string& path,
                                std::uint64_t stream_seq, std::int64_t written_ms, int fd) {
  // Sockets and files of the parent stay open in this copy until it exits; close them, so a
  // connection the parent closes meanwhile really closes.
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
  char status = 'E';
  std::string message;
  try {
    std::string image;
    tracker.save_state(image, stream_seq, written_ms);
    seal_snapshot(image);
    write_file_atomically(path, image);
    const std::uint64_t bytes = image.size();
    message.assign(reinterpret_cast<const char*>(&bytes), sizeof bytes);
    status = 'O';
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown error in the snapshot writer process";
  }
  write_all(fd, &status, 1);
  write_all(fd, message.data(), message.size());
  ::_exit(status == 'O' ? 0 : 1);
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
  if (journal_.active) journal_event(event, now_ms);
  return tracker_->apply(event, now_ms);
}

bool TrackerService::reject(events::RejectReason reason, std::int64_t now_ms,
                            std::optional<std::uint64_t> stream_seq,
                            std::optional<std::uint64_t> generation, bool behind) {
  std::lock_guard lock(mu_);
  if (generation && *generation != generation_) return false;
  if (stream_seq) stream_seq_ = *stream_seq;
  behind_ = behind;
  if (journal_.active) journal_reject(reason, now_ms);
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
  if (service_->journal_.active) service_->journal_event(event, now_ms);
  return service_->tracker_->apply(event, now_ms);
}

void TrackerService::Batch::apply_all(std::span<const events::Event> events, std::int64_t now_ms,
                                      std::span<ApplyResult> out,
                                      std::optional<std::uint64_t> stream_seq, bool behind) {
  if (stream_seq) service_->stream_seq_ = *stream_seq;
  service_->behind_ = behind;
  if (service_->journal_.active) {
    for (const events::Event& e : events) service_->journal_event(e, now_ms);
  }
  service_->tracker_->apply_batch(events, now_ms, out);
}

void TrackerService::Batch::reject(events::RejectReason reason, std::int64_t now_ms,
                                   std::optional<std::uint64_t> stream_seq, bool behind) {
  if (stream_seq) service_->stream_seq_ = *stream_seq;
  service_->behind_ = behind;
  if (service_->journal_.active) service_->journal_reject(reason, now_ms);
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
std::int64_t TrackerService::tick_read_locked() {
  const std::int64_t now = clock_();
  if (journal_.active) journal_tick(now);
  tracker_->tick(now, behind_);
  if (trend_->due(now)) trend_->record(now, tracker_->status_counts());
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
  out.order = tracker_->find(id);
  if (out.order) out.dimension_labels = tracker_->dimension_labels();
  return out;
}

OverduePage TrackerService::overdue(const OverdueQuery& query) {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_read_locked();
  OverduePage page = tracker_->overdue(query);
  page.now_ms = now;
  return page;
}

TrackerSummary TrackerService::summary() {
  std::lock_guard lock(mu_);
  const std::int64_t now = tick_read_locked();
  TrackerSummary s = tracker_->summary();
  s.now_ms = now;
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
  return trend_->view(tick_read_locked());
}

void TrackerService::reserve(std::size_t orders) {
  std::lock_guard lock(mu_);
  tracker_->reserve(orders);
}

std::uint64_t TrackerService::stream_seq() {
  std::lock_guard lock(mu_);
  return stream_seq_;
}

bool fork_save_supported() {
#ifdef ORDERWATCH_NO_FORK_SAVE
  return false;
#else
  return true;
#endif
}

SnapshotMeta TrackerService::save_snapshot(const std::string& path, SaveTimings* timings) {
  std::lock_guard save_lock(save_mu_);
  const std::int64_t start = steady_us();
  SnapshotMeta meta;
  SaveTimings t;
  try {
    const SaveMode mode = save_mode_.load(std::memory_order_relaxed);
    if (mode == SaveMode::kInLock || !fork_save_supported() || !save_forked(path, meta, t)) {
      save_in_lock(path, meta, t);
    }
  } catch (...) {
    ++stats_.snapshot_failures;
    throw;
  }
  t.total_us = steady_us() - start;
  stats_.snapshot_success_ms = clock_();
  stats_.snapshot_duration_us = t.total_us;
  stats_.snapshot_bytes = meta.bytes;
  if (timings != nullptr) *timings = std::move(t);
  return meta;
}

void TrackerService::save_in_lock(const std::string& path, SnapshotMeta& meta, SaveTimings& t) {
  std::string image;
  {
    std::lock_guard lock(mu_);
    const std::int64_t locked = steady_us();
    meta.written_ms = clock_();
    meta.stream_seq = stream_seq_;
    meta.orders = tracker_->tracked();
    tracker_->save_state(image, stream_seq_, meta.written_ms);
    t.lock_hold_us = steady_us() - locked;
  }
  t.forked = false;
  seal_snapshot(image);
  meta.bytes = image.size();
  write_file_atomically(path, image);
}

bool TrackerService::save_forked(const std::string& path, SnapshotMeta& meta, SaveTimings& t) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    t.fork_error = "pipe: " + errno_string(errno);
    return false;
  }
  pid_t pid = -1;
  int fork_errno = 0;
  {
    std::lock_guard lock(mu_);
    const std::int64_t locked = steady_us();
    meta.written_ms = clock_();
    meta.stream_seq = stream_seq_;
    meta.orders = tracker_->tracked();
    pid = ::fork();
    if (pid == 0) save_in_child(*tracker_, path, meta.stream_seq, meta.written_ms, fds[1]);
    fork_errno = errno;
    t.lock_hold_us = steady_us() - locked;
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    t.fork_error = "fork: " + errno_string(fork_errno);
    return false;
  }
  t.forked = true;
  // The child's report, until it exits (EOF), then its exit status.
  std::string report;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      report.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  pid_t waited = -1;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  const bool reported_ok = report.size() == 1 + sizeof(std::uint64_t) && report[0] == 'O';
  // ECHILD: SIGCHLD is ignored and the child was reaped for us; its report says how it went.
  const bool exited_ok =
      waited < 0 ? errno == ECHILD : WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (reported_ok && exited_ok) {
    std::memcpy(&meta.bytes, report.data() + 1, sizeof meta.bytes);
    return true;
  }
  if (!report.empty() && report[0] == 'E') throw std::runtime_error(report.substr(1));
  std::string why = "snapshot writer process " + std::to_string(pid);
  if (waited > 0 && WIFSIGNALED(status)) {
    why += " killed by signal " + std::to_string(WTERMSIG(status));
  } else if (waited > 0 && WIFEXITED(status)) {
    why += " exited with status " + std::to_string(WEXITSTATUS(status)) + " without a report";
  } else {
    why += " ended without a report";
  }
  throw std::runtime_error(why + " (" + path + " left as it was)");
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
  if (journal_.active) journal_.diverged = true;  // a reload building aside cannot replay this
  return report;
}

void TrackerService::journal_event(const events::Event& event, std::int64_t now_ms) {
  Journal::Entry e;
  e.kind = Journal::Kind::kEvent;
  e.code = event.status;
  e.time_ms = event.time_ms;
  e.now_ms = now_ms;
  auto keep = [&](std::string_view text, std::uint32_t& at, std::uint32_t& len) {
    at = static_cast<std::uint32_t>(journal_.bytes.size());
    len = static_cast<std::uint32_t>(text.size());
    journal_.bytes.append(text);
  };
  keep(event.id, e.id_at, e.id_len);
  for (std::size_t i = 0; i < sla::kMaxDimensions; ++i) {
    if (!event.has_dim[i]) continue;
    e.has_dims = static_cast<std::uint8_t>(e.has_dims | (1u << i));
    keep(event.dims[i], e.dim_at[i], e.dim_len[i]);
  }
  // Offsets are 32-bit: a journal that large (GiBs of ids) is given up on.
  if (journal_.bytes.size() > (std::uint64_t{1} << 31)) journal_.diverged = true;
  journal_.entries.push_back(e);
}

void TrackerService::journal_reject(events::RejectReason reason, std::int64_t now_ms) {
  Journal::Entry e;
  e.kind = Journal::Kind::kReject;
  e.code = static_cast<std::uint8_t>(reason);
  e.now_ms = now_ms;
  journal_.entries.push_back(e);
}

void TrackerService::journal_tick(std::int64_t now_ms) {
  Journal::Entry e;
  e.kind = Journal::Kind::kTick;
  e.behind = behind_;
  e.now_ms = now_ms;
  journal_.entries.push_back(e);
}

namespace {

// How a journaled event (decoded under the old config) is handed to the new tracker: its
// status by name, its dimension values by event field -- what the snapshot image does with
// the orders. -1: the status is gone or changed terminal (the image would drop such orders;
// an event cannot say the same), or the dimension is new.
struct ReplayMap {
  ReplayMap(const sla::Config& from, const sla::Config& to) {
    for (const auto& st : from.statuses) {
      const int s = to.status_index(st.name);
      status.push_back(
          s >= 0 && to.statuses[static_cast<std::size_t>(s)].terminal == st.terminal ? s : -1);
    }
    dim.assign(sla::kMaxDimensions, -1);
    for (std::size_t i = 0; i < to.event.dimensions.size(); ++i) {
      for (std::size_t j = 0; j < from.event.dimensions.size(); ++j) {
        if (from.event.dimensions[j].field == to.event.dimensions[i].field) {
          dim[i] = static_cast<int>(j);
        }
      }
    }
  }
  std::vector<int> status;  // [old status]
  std::vector<int> dim;     // [new dimension] -> old dimension
};

// Replays `entries` onto `to`; false at the first event it cannot (ReplayMap).
template <typename Journal>
bool replay(const Journal& j, OrderTracker& to, const ReplayMap& map) {
  using Kind = typename Journal::Kind;
  for (const auto& e : j.entries) {
    if (e.kind == Kind::kTick) {
      to.tick(e.now_ms, e.behind);
    } else if (e.kind == Kind::kReject) {
      to.reject(static_cast<events::RejectReason>(e.code), e.now_ms);
    } else {
      const int s = e.code < map.status.size() ? map.status[e.code] : -1;
      if (s < 0) return false;
      events::Event ev;
      ev.id = std::string_view(j.bytes).substr(e.id_at, e.id_len);
      ev.status = static_cast<std::uint8_t>(s);
      ev.time_ms = e.time_ms;
      for (std::size_t i = 0; i < sla::kMaxDimensions; ++i) {
        const int from = map.dim[i];
        if (from < 0 || (e.has_dims & (1u << from)) == 0) continue;
        const auto f = static_cast<std::size_t>(from);
        ev.dims[i] = std::string_view(j.bytes).substr(e.dim_at[f], e.dim_len[f]);
        ev.has_dim[i] = true;
      }
      to.apply(ev, e.now_ms);
    }
  }
  return true;
}

// The forked child of reload_aside(): encodes the state as of the fork into `fd` (the image,
// sealed) and exits; as save_in_child, it takes no lock.
[[noreturn]] void image_in_child(const OrderTracker& tracker, std::uint64_t stream_seq,
                                 std::int64_t written_ms, int fd) {
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
  int code = 1;
  try {
    std::string image;
    tracker.save_state(image, stream_seq, written_ms);
    seal_snapshot(image);
    write_all(fd, image.data(), image.size());
    code = 0;
  } catch (...) {
  }
  ::_exit(code);
}

// Entries left for the last round, replayed under the lock at the swap; and how many rounds
// outside the lock before the rest is replayed under it whatever its size (the ingest rate
// outrunning the replay).
constexpr std::size_t kReplayAtSwap = 20'000;
constexpr int kMaxRounds = 16;

}  // namespace

RestoreReport TrackerService::reload(const sla::Config& config, ReloadTimings* timings,
                                     ReloadMode mode) {
  std::lock_guard reload_lock(reload_mu_);
  const std::int64_t start = steady_us();
  auto next = std::make_shared<const sla::Config>(config);
  RestoreReport report;
  ReloadTimings t;
  if (mode == ReloadMode::kInLock || !reload_aside(next, report, t)) {
    reload_in_lock(next, report, t);
  }
  stats_.config_reload_ok = true;
  stats_.config_reload_success_ms = clock_();
  t.total_us = steady_us() - start;
  if (timings != nullptr) *timings = std::move(t);
  return report;
}

void TrackerService::reload_in_lock(const std::shared_ptr<const sla::Config>& next,
                                    RestoreReport& report, ReloadTimings& t) {
  auto fresh = std::make_unique<OrderTracker>(*next);
  {
    // Held for the whole swap: an event applied to the old tracker after the image was taken
    // would be lost. Decoding with the new config starts when the generation changes.
    std::lock_guard lock(mu_);
    const std::int64_t locked = steady_us();
    std::string image;
    tracker_->save_state(image, stream_seq_, clock_());
    seal_snapshot(image);
    report = fresh->load_state(image, "reload of " + next->source_path);
    fresh->carry_counters_from(*tracker_);
    fresh->take_recovered_from(*tracker_);
    fresh->tick(clock_(), behind_);  // the clock read under the lock, as tick_locked()
    std::swap(tracker_, fresh);
    trend_->relabel(status_names(*next));
    config_ = next;
    generation_.fetch_add(1, std::memory_order_release);
    t.lock_hold_us = std::max(t.lock_hold_us, steady_us() - locked);
  }
  t.aside = false;
}  // the old tracker is freed here, outside the lock

bool TrackerService::reload_aside(const std::shared_ptr<const sla::Config>& next,
                                  RestoreReport& report, ReloadTimings& t) {
  // 1. Under the lock: the state as of now (a fork, or the image encoded in place), and the
  // journal starts.
  std::shared_ptr<const sla::Config> old_config;
  std::string image;
  int fds[2] = {-1, -1};
  bool forked = fork_save_supported() && ::pipe2(fds, O_CLOEXEC) == 0;
  pid_t pid = -1;
  {
    std::lock_guard lock(mu_);
    const std::int64_t locked = steady_us();
    old_config = config_;
    const std::int64_t written_ms = clock_();
    if (forked) {
      pid = ::fork();
      if (pid == 0) image_in_child(*tracker_, stream_seq_, written_ms, fds[1]);
      if (pid < 0) {
        forked = false;
        ::close(fds[0]);
        ::close(fds[1]);
      }
    }
    if (!forked) {
      tracker_->save_state(image, stream_seq_, written_ms);
      seal_snapshot(image);
    }
    journal_ = Journal{};
    journal_.active = true;
    t.lock_hold_us = std::max(t.lock_hold_us, steady_us() - locked);
  }
  t.forked = forked;
  auto give_up = [&](std::string why) {
    std::lock_guard lock(mu_);
    journal_ = Journal{};
    t.fallback = std::move(why);
    return false;
  };
  if (forked) {
    ::close(fds[1]);
    // Read straight into the image (reload may run on an HTTP worker's small stack).
    std::size_t used = 0;
    image.resize(std::size_t{1} << 20);
    for (;;) {
      if (used == image.size()) image.resize(image.size() * 2);
      const ssize_t n = ::read(fds[0], image.data() + used, image.size() - used);
      if (n > 0) {
        used += static_cast<std::size_t>(n);
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    image.resize(used);
    ::close(fds[0]);
    int status = 0;
    pid_t waited = -1;
    do {
      waited = ::waitpid(pid, &status, 0);
    } while (waited < 0 && errno == EINTR);
    const bool ok = waited < 0 ? errno == ECHILD : WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok || image.empty()) return give_up("the image process failed");
  }

  // 2. Outside it: the image into a tracker built from the new config (as load_state does for
  // a start-up snapshot), then the journal replayed in rounds while it keeps growing.
  auto fresh = std::make_unique<OrderTracker>(*next);
  try {
    report = fresh->load_state(image, "reload of " + next->source_path);
  } catch (...) {
    give_up("load failed");
    throw;
  }
  std::string().swap(image);
  try {
    return catch_up_and_swap(std::move(fresh), old_config, next, t);
  } catch (...) {  // out of memory replaying: the journal must not grow on
    give_up("the replay failed");
    throw;
  }
}

bool TrackerService::catch_up_and_swap(std::unique_ptr<OrderTracker> fresh,
                                       const std::shared_ptr<const sla::Config>& old_config,
                                       const std::shared_ptr<const sla::Config>& next,
                                       ReloadTimings& t) {
  auto give_up = [&](std::string why) {
    std::lock_guard lock(mu_);
    journal_ = Journal{};
    t.fallback = std::move(why);
    return false;
  };
  const OrderTracker::Counters loaded = fresh->counters();
  const ReplayMap map(*old_config, *next);
  const std::string incompatible =
      "an event arrived during the reload with a status the new config removed or made "
      "(non-)terminal";
  for (int round = 0;; ++round) {
    std::unique_lock lock(mu_);
    if (journal_.diverged || config_ != old_config || !journal_.active) {
      lock.unlock();
      return give_up(
          "the state changed in a way the journal cannot replay (an operator action, a "
          "snapshot load)");
    }
    if (journal_.entries.size() <= kReplayAtSwap || round >= kMaxRounds) {
      // 3. Under the lock: the rest of the journal, the counters, the swap.
      const std::int64_t locked = steady_us();
      t.at_swap = journal_.entries.size();
      t.replayed += t.at_swap;
      if (!replay(journal_, *fresh, map)) {
        lock.unlock();
        return give_up(incompatible);
      }
      journal_ = Journal{};
      fresh->restore_counters(loaded);
      fresh->carry_counters_from(*tracker_);
      fresh->take_recovered_from(*tracker_);  // the old ring holds what replay added again
      fresh->tick(clock_(), behind_);         // the clock read under the lock, as tick_locked()
      std::swap(tracker_, fresh);
      trend_->relabel(status_names(*next));
      config_ = next;
      generation_.fetch_add(1, std::memory_order_release);
      t.lock_hold_us = std::max(t.lock_hold_us, steady_us() - locked);
      break;
    }
    Journal taken = std::move(journal_);
    journal_ = Journal{};
    journal_.active = true;
    lock.unlock();
    t.replayed += taken.entries.size();
    if (!replay(taken, *fresh, map)) return give_up(incompatible);
  }
  t.aside = true;
  return true;  // the old tracker is freed here, outside the lock
}

}  // namespace orderwatch::tracking
