// JetStreamPublisher: the batches, acknowledgements and resends of `orderwatch publish
// --jetstream`. Used only by publish() (publish.cpp); the retry design is in docs/design.md,
// "cli and loadgen".
#include "jetstream_publisher.h"

#include <chrono>
#include <random>
#include <thread>

namespace orderwatch::loadgen {

JetStreamPublisher::JetStreamPublisher(natsConnection* conn, std::ostream& diagnostics)
    : diagnostics_(diagnostics) {
  jsOptions o;
  jsOptions_Init(&o);
  o.PublishAsync.ErrHandler = &JetStreamPublisher::on_error;
  o.PublishAsync.ErrHandlerClosure = this;
  natsConnection_JetStream(&js_, conn, &o);
  std::random_device rd;
  run_id_ = std::to_string((static_cast<std::uint64_t>(rd()) << 32) | rd());
}

JetStreamPublisher::~JetStreamPublisher() {
  for (natsMsg* m : batch_) natsMsg_Destroy(m);
  for (natsMsg* m : failed_) natsMsg_Destroy(m);
  jsCtx_Destroy(js_);
}

void JetStreamPublisher::add(const std::string& subject, const std::string& payload) {
  natsMsg* m = nullptr;
  natsMsg_Create(&m, subject.c_str(), nullptr, payload.data(), static_cast<int>(payload.size()));
  // Unique per run: a second run with the same seed must not be dropped as duplicates.
  natsMsgHeader_Set(m, "Nats-Msg-Id", (run_id_ + "-" + std::to_string(next_id_++)).c_str());
  batch_.push_back(m);
}

bool JetStreamPublisher::flush(const std::atomic<bool>& stop) {
  std::vector<natsMsg*> todo;
  todo.swap(batch_);
  while (!todo.empty()) {
    send_async(todo);
    collect_unacknowledged();
    {
      std::lock_guard lock(mu_);
      todo.swap(failed_);
    }
    if (todo.empty()) break;
    warn_once(todo.size());
    retries_ += todo.size();
    if (stop.load()) {
      for (natsMsg* m : todo) natsMsg_Destroy(m);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

// Hands every message to the client (which then owns it); one it refuses stays ours, to resend.
void JetStreamPublisher::send_async(std::vector<natsMsg*>& todo) {
  for (natsMsg*& m : todo) {
    if (js_PublishMsgAsync(js_, &m, nullptr) != NATS_OK) {
      std::lock_guard lock(mu_);
      failed_.push_back(m);  // still ours
    }
    m = nullptr;
  }
  todo.clear();
}

// Waits up to 5 s for the acknowledgements; what is still pending then is taken back.
void JetStreamPublisher::collect_unacknowledged() {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 5000;
  if (js_PublishAsyncComplete(js_, &po) == NATS_OK) return;
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, js_) != NATS_OK) return;
  std::lock_guard lock(mu_);
  for (int i = 0; i < pending.Count; ++i) {
    failed_.push_back(pending.Msgs[i]);
    pending.Msgs[i] = nullptr;
  }
  natsMsgList_Destroy(&pending);
}

void JetStreamPublisher::warn_once(std::size_t unconfirmed) {
  if (retries_ != 0) return;
  std::lock_guard lock(mu_);
  diagnostics_ << "orderwatch publish: " << unconfirmed << " events not confirmed ("
               << (last_error_.empty() ? "no acknowledgement in 5s" : last_error_)
               << "); resending until stored (Ctrl-C to stop)\n";
}

void JetStreamPublisher::on_error(jsCtx*, jsPubAckErr* pae, void* self) {
  auto* p = static_cast<JetStreamPublisher*>(self);
  std::lock_guard lock(p->mu_);
  p->last_error_ = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
  p->failed_.push_back(pae->Msg);
  pae->Msg = nullptr;  // keep it: the library then does not destroy it
}

}  // namespace orderwatch::loadgen
