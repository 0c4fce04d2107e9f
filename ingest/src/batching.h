// How both consumer threads (NatsSource's core thread, the JetStream pull loop) batch around
// the NATS client: a short nap when the queue runs dry, and handled messages destroyed a few
// thousand at a time. Owned by one consumer thread each; not thread-safe.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <thread>
#include <vector>

namespace orderwatch::ingest::detail {

// When a batch came up short the queue is empty: a short nap lets the next batch gather instead
// of a wake-up per message (at most this much added latency).
inline constexpr int kIdleNapUs = 500;
inline void idle_nap() { std::this_thread::sleep_for(std::chrono::microseconds(kIdleNapUs)); }

// Handled messages, destroyed kKeep at a time: natsMsg_Destroy hands each message to the client
// library's collector thread and wakes it whenever it sleeps, so destroying them as each batch
// ended woke it (a futex wake-up and a context switch) many times per batch. Owns what it holds.
class SpentMessages {
 public:
  static constexpr std::size_t kKeep = 4096;
  SpentMessages() { msgs_.reserve(kKeep + 256); }
  ~SpentMessages() { destroy(); }
  SpentMessages(const SpentMessages&) = delete;
  SpentMessages& operator=(const SpentMessages&) = delete;

  void retire(natsMsg* msg) {
    msgs_.push_back(msg);
    if (msgs_.size() >= kKeep) destroy();
  }
  void retire(std::span<natsMsg* const> msgs) {
    msgs_.insert(msgs_.end(), msgs.begin(), msgs.end());
    if (msgs_.size() >= kKeep) destroy();
  }
  // Destroys what is held now (the stream is quiet, or the thread ends).
  void destroy() {
    for (natsMsg* msg : msgs_) natsMsg_Destroy(msg);
    msgs_.clear();
  }

 private:
  std::vector<natsMsg*> msgs_;
};

}  // namespace orderwatch::ingest::detail
