// Private to TrackerService's files (service.cpp: events, ticks and queries;
// service_snapshot.cpp: snapshot files, the forked writer; service_reload.cpp: the reload built
// aside and its journal): helpers they share.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// Reads a pipe until EOF (or an error other than EINTR), appending to `out`. Reads straight into
// it, no buffer on the stack (a reload may run on an HTTP worker's small stack).
inline void read_all(int fd, std::string& out) {
  constexpr std::size_t kChunk = 64 * 1024;
  std::size_t used = out.size();
  for (;;) {
    if (out.size() - used < kChunk) out.resize(std::max(out.size() * 2, used + kChunk));
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n > 0) {
      used += static_cast<std::size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  out.resize(used);
}

// How a forked child ended. waited < 0 with ok: SIGCHLD is ignored and the child was reaped
// for us (ECHILD); what it wrote to its pipe says how it went.
struct ChildExit {
  pid_t waited = -1;
  int status = 0;
  bool ok = false;  // exited with status 0, or reaped for us
};

inline ChildExit wait_child(pid_t pid) {
  ChildExit e;
  do {
    e.waited = ::waitpid(pid, &e.status, 0);
  } while (e.waited < 0 && errno == EINTR);
  e.ok = e.waited < 0 ? errno == ECHILD : WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0;
  return e;
}

inline std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace orderwatch::tracking::detail
