// Private to TrackerService's files (service.cpp: events, ticks and queries;
// service_snapshot.cpp: snapshot files, the forked writer; service_reload.cpp: the reload built
// aside and its journal): helpers they share.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/tracking/tracker.h"

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

namespace orderwatch::tracking::detail {

inline std::vector<std::string> status_names(const sla::Config& config) {
  std::vector<std::string> names;
  for (const auto& st : config.statuses) names.push_back(st.name);
  return names;
}

inline std::string errno_string(int err) { return std::strerror(err); }

// Writes all of `data` to a pipe, ignoring failures (the reader treats a short message as a
// child that failed).
inline void write_all(int fd, const char* data, std::size_t size) {
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

inline std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace orderwatch::tracking::detail
