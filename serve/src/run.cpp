// run() (serve.h), the entry point of `orderwatch serve` called by the CLI: tunes malloc,
// starts a Server, turns SIGINT/SIGTERM into shutdown and SIGHUP into reload, and drives the
// main loop.
#include <malloc.h>
#include <nats/nats.h>
#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>

#include "orderwatch/log/log.h"
#include "orderwatch/serve/serve.h"

namespace orderwatch::serve {

namespace {

constexpr int64_t kNatsCloseWaitMs = 5000;

// One malloc arena with a generous top pad, unless the operator set these in the environment
// (MALLOC_ARENA_MAX, MALLOC_TOP_PAD_, MALLOC_TRIM_THRESHOLD_, or the same in GLIBC_TUNABLES).
// Why: docs/design.md, web and serve.
bool operator_set(const char* env, const char* tunable) {
  if (std::getenv(env) != nullptr) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::strstr(tunables, tunable) != nullptr;
}

void tune_malloc() {
  if (!operator_set("MALLOC_ARENA_MAX", "glibc.malloc.arena_max")) mallopt(M_ARENA_MAX, 1);
  if (!operator_set("MALLOC_TOP_PAD_", "glibc.malloc.top_pad")) mallopt(M_TOP_PAD, 16 << 20);
  if (!operator_set("MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold")) {
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
  }
}

}  // namespace

int run(const Options& options) {
  tune_malloc();  // before any thread starts
  // Signals are taken synchronously by the main thread; block them before any thread starts
  // so NATS and HTTP threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int exit_code = kExitOk;
  try {
    Server server(options);
    // Main loop: advance the deadline index every second (breach counters stay accurate
    // between scrapes), write a snapshot every interval, reload on SIGHUP, until
    // SIGINT/SIGTERM.
    while (server.status() == kExitOk) {
      timespec timeout{1, 0};
      const int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) {
        log::info("serve", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                               "; shutting down");
        break;
      }
      if (sig == SIGHUP) server.reload("SIGHUP");
      server.step();
    }
    const int before = server.status();
    exit_code = server.shutdown();
    if (before != kExitOk) exit_code = before;
  } catch (const StartError& e) {
    if (!e.message.empty()) std::cerr << e.message << "\n";
    exit_code = e.exit_code;
  }
  // Every connection and subscription is destroyed by now: wait for the client library's own
  // threads (message garbage collector, timers, callbacks) to finish, so none runs on while
  // the process exits (exit-time destructors, LeakSanitizer's final check).
  if (nats_CloseAndWait(kNatsCloseWaitMs) == NATS_TIMEOUT) {  // else done, or never opened
    log::warn("serve", "the NATS client's threads did not end within " +
                           std::to_string(kNatsCloseWaitMs / 1000) + " s; exiting anyway");
  }
  return exit_code;
}

}  // namespace orderwatch::serve
