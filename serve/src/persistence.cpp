// Snapshot files for serve (persistence.h): loading at start-up, writing periodically and at
// shutdown, with the log lines an operator reads; also serve's clock and time texts. Called by
// Server (server.cpp).
#include "persistence.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "orderwatch/log/log.h"

namespace orderwatch::serve {

namespace {

std::string micros_text(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6fs", static_cast<double>(us) / 1e6);
  return buf;
}

}  // namespace

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string seconds_text(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

bool load_snapshot(tracking::TrackerService& service, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    log::info("snapshot", "no snapshot at " + path + " yet; starting empty");
    return true;
  }
  const std::int64_t start = steady_ms();
  try {
    const tracking::RestoreReport r = service.load_snapshot(path);
    const std::int64_t age_ms = service.now_ms() - r.meta.written_ms;
    log::info("snapshot", "loaded " + path + ": " + std::to_string(r.meta.orders) + " orders, " +
                              std::to_string(r.meta.tombstones) + " tombstones, stream seq " +
                              std::to_string(r.meta.stream_seq) + ", written " +
                              seconds_text(age_ms) + " ago by " + r.writer + ", " +
                              std::to_string(r.meta.bytes) + " bytes in " +
                              seconds_text(steady_ms() - start));
    if (r.orders_dropped > 0 || r.tombstones_dropped > 0 || r.dimensions_dropped > 0) {
      log::warn("snapshot", "dropped " + std::to_string(r.orders_dropped) + " orders and " +
                                std::to_string(r.tombstones_dropped) +
                                " tombstones whose status is gone or terminal now (" +
                                r.dropped_statuses + "), " + std::to_string(r.dimensions_dropped) +
                                " dimensions no longer configured");
    }
    return true;
  } catch (const std::exception& e) {  // SnapshotError, or anything unforeseen: never abort
    log::error("snapshot", std::string(e.what()) +
                               "; refusing to start (the file is left as it is: move it "
                               "aside to start without it)");
    return false;
  }
}

bool save_snapshot(tracking::TrackerService& service, const std::string& path, const char* why) {
  try {
    tracking::SaveTimings t;
    const tracking::SnapshotMeta m = service.save_snapshot(path, &t);
    if (!t.fork_error.empty()) {
      log::warn("snapshot", std::string(why) + ": " + t.fork_error +
                                "; encoded under the tracker lock instead");
    }
    log::info("snapshot", std::string(why) + ": wrote " + std::to_string(m.orders) +
                              " orders, stream seq " + std::to_string(m.stream_seq) + ", " +
                              std::to_string(m.bytes) + " bytes in " + micros_text(t.total_us) +
                              " (lock held " + micros_text(t.lock_hold_us) +
                              (t.forked ? ", written by a forked writer)" : ")"));
    return true;
  } catch (const std::exception& e) {
    log::error("snapshot", std::string(why) + ": " + e.what());
    return false;
  }
}

}  // namespace orderwatch::serve
