#include <nats/nats.h>
#include <signal.h>

#include <ctime>
#include <iostream>

#include "orderwatch/log/log.h"
#include "orderwatch/serve/serve.h"

namespace orderwatch::serve {

int run(const Options& options) {
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
  nats_Close();
  return exit_code;
}

}  // namespace orderwatch::serve
