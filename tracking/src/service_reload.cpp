// TrackerService: a config reload -- built aside from a forked image while a journal records
// what the old tracker is given, replayed before the swap; or, where it cannot be, in the lock.
// Called by serve's reloader (SIGHUP, POST /-/reload); the journal is fed by apply_locked.
#include "orderwatch/tracking/service.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "service_internal.h"
#include "trend.h"

namespace orderwatch::tracking {

using detail::read_all;
using detail::status_names;
using detail::steady_us;
using detail::wait_child;
using detail::write_all;

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
  e.has_deadline = event.has_deadline;
  e.deadline_ms = event.deadline_ms;
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
    // Deadline slots by the path they read (a milestone's deadline_field).
    deadline.assign(sla::kMaxMilestoneDeadlines, -1);
    for (const auto& nm : to.milestones) {
      for (const auto& om : from.milestones) {
        if (nm.has_deadline_field() && om.deadline_field == nm.deadline_field) {
          deadline[nm.deadline_slot] = om.deadline_slot;
        }
      }
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
  std::vector<int> status;    // [old status]
  std::vector<int> dim;       // [new dimension] -> old dimension
  std::vector<int> deadline;  // [new deadline slot] -> old slot
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
      for (std::size_t k = 0; k < map.deadline.size(); ++k) {
        const int from = map.deadline[k];
        if (from < 0 || (e.has_deadline & (1u << from)) == 0) continue;
        ev.deadline_ms[k] = e.deadline_ms[static_cast<std::size_t>(from)];
        ev.has_deadline = static_cast<std::uint8_t>(ev.has_deadline | (1u << k));
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
    swap_in_locked(fresh, next);
    t.lock_hold_us = std::max(t.lock_hold_us, steady_us() - locked);
  }
  t.aside = false;
}  // the old tracker is freed here, outside the lock

// The last step of both ways of reloading, mu_ held: the new tracker takes the old one's
// counters and recovered ring (the old ring already holds what a replay added again), one tick
// with the clock read under the lock (as tick_locked()), then the swap; `fresh` is left
// holding the old tracker, to be freed outside the lock.
void TrackerService::swap_in_locked(std::unique_ptr<OrderTracker>& fresh,
                                    const std::shared_ptr<const sla::Config>& next) {
  fresh->carry_counters_from(*tracker_);
  fresh->take_recovered_from(*tracker_);
  fresh->tick(clock_(), behind_);
  std::swap(tracker_, fresh);
  trend_->relabel(status_names(*next));
  config_ = next;
  generation_.fetch_add(1, std::memory_order_release);
}

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
    image.clear();
    read_all(fds[0], image);
    ::close(fds[0]);
    const bool ok = wait_child(pid).ok;
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
      swap_in_locked(fresh, next);
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
