// TrackerService: snapshot files -- the forked writer (the lock held for fork() only), its
// in-lock fallback, and loading a file. Called by serve (the snapshot timer, shutdown, start).
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

using detail::ChildExit;
using detail::errno_string;
using detail::read_all;
using detail::steady_us;
using detail::wait_child;
using detail::write_all;

namespace {

// The forked child of save_forked(): the only thread of a copy of the process taken under the
// service lock, so the tracker is exactly the state at the fork. It must not take any lock
// another thread of the parent may have held at that instant (the logger's, the service's):
// it only encodes (malloc is fork-safe in glibc), writes the file and reports on `fd` --
// 'O' + the 8-byte file size, or 'E' + the error text -- for the parent to log.
[[noreturn]] void save_in_child(const OrderTracker& tracker, const TrendRing& trend,
                                const std::string& path, std::uint64_t stream_seq,
                                std::int64_t written_ms, int fd) {
  // Sockets and files of the parent stay open in this copy until it exits; close them, so a
  // connection the parent closes meanwhile really closes.
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0U, 0);
  char status = 'E';
  std::string message;
  try {
    std::string image;
    tracker.save_state(image, stream_seq, written_ms, &trend);
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

}  // namespace

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
    tracker_->save_state(image, stream_seq_, meta.written_ms, trend_.get());
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
    if (pid == 0) save_in_child(*tracker_, *trend_, path, meta.stream_seq, meta.written_ms, fds[1]);
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
  read_all(fds[0], report);
  ::close(fds[0]);
  const ChildExit child = wait_child(pid);
  const bool reported_ok = report.size() == 1 + sizeof(std::uint64_t) && report[0] == 'O';
  if (reported_ok && child.ok) {
    std::memcpy(&meta.bytes, report.data() + 1, sizeof meta.bytes);
    return true;
  }
  if (!report.empty() && report[0] == 'E') throw std::runtime_error(report.substr(1));
  std::string why = "snapshot writer process " + std::to_string(pid);
  if (child.waited > 0 && WIFSIGNALED(child.status)) {
    why += " killed by signal " + std::to_string(WTERMSIG(child.status));
  } else if (child.waited > 0 && WIFEXITED(child.status)) {
    why += " exited with status " + std::to_string(WEXITSTATUS(child.status)) + " without a report";
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
  auto trend = std::make_unique<TrendRing>(detail::status_names(*config));
  RestoreReport report;
  try {
    report = fresh->load_state(image, path, trend.get());
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
  if (trend_->size() == 0) trend_ = std::move(trend);  // a running trend is not replaced
  stream_seq_ = report.meta.stream_seq;
  if (journal_.active) journal_.diverged = true;  // a reload building aside cannot replay this
  return report;
}

}  // namespace orderwatch::tracking
