// JetStreamPublisher: publish()'s JetStream sender. Owns a JetStream context on the caller's
// connection and the messages of the current batch; a batch counts as sent once every message
// in it is acknowledged, and what failed or timed out is resent with its Nats-Msg-Id.
// Threading: add()/flush() on one thread; the client's error callback runs on a client thread
// and only touches the state under mu_.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace orderwatch::loadgen {

class JetStreamPublisher {
 public:
  // `diagnostics` receives one warning the first time a batch is not confirmed.
  JetStreamPublisher(natsConnection* conn, std::ostream& diagnostics);
  ~JetStreamPublisher();
  JetStreamPublisher(const JetStreamPublisher&) = delete;
  JetStreamPublisher& operator=(const JetStreamPublisher&) = delete;

  bool ok() const { return js_ != nullptr; }
  std::uint64_t retries() const { return retries_; }

  // Queues one event with a message id unique to this run.
  void add(const std::string& subject, const std::string& payload);
  std::size_t pending() const { return batch_.size(); }

  // Sends the batch and waits until all of it is stored; false only when `stop` is set.
  bool flush(const std::atomic<bool>& stop);

 private:
  static void on_error(jsCtx*, jsPubAckErr* pae, void* self);
  void send_async(std::vector<natsMsg*>& todo);
  void collect_unacknowledged();
  void warn_once(std::size_t unconfirmed);

  std::ostream& diagnostics_;
  jsCtx* js_ = nullptr;
  std::string run_id_;
  std::uint64_t next_id_ = 0;
  std::vector<natsMsg*> batch_;
  std::mutex mu_;
  std::vector<natsMsg*> failed_;  // guarded by mu_ (the error handler runs on a client thread)
  std::string last_error_;        // guarded by mu_
  std::uint64_t retries_ = 0;
};

}  // namespace orderwatch::loadgen
