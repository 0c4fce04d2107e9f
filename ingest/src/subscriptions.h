// RetiredSubscriptions: ending a subscription the connection's read loop may still be delivering
// to, without freeing it under the read loop. libnats before 3.6.1 (Debian 12 ships 3.4.1) looks
// a subscription up and then uses it without holding a reference (nats.c issue #637, fixed by
// commit 0a7dd28 in v3.6.1): natsSubscription_Destroy while a message for it is being processed
// frees it under the read loop, which then locks freed memory (SIGSEGV in natsConn_processMsg,
// or glibc's "corrupted double-linked list" abort). A pull inbox gets messages until the
// server's requests run out, so unbinding or stopping with requests in flight hit this.
// Ownership: owns the subscriptions retired to it. Threading: one thread at a time (the owner's).
// Cost: one round trip to the server per retire(); nothing otherwise.
#pragma once

#include <nats/nats.h>

#include <vector>

namespace orderwatch::ingest::detail {

class RetiredSubscriptions {
 public:
  RetiredSubscriptions() = default;
  // Destroys what is parked: the owner destroys this only after the connection was closed
  // (natsConnection_Close joins the read loop), or when nothing was parked.
  ~RetiredSubscriptions();
  RetiredSubscriptions(const RetiredSubscriptions&) = delete;
  RetiredSubscriptions& operator=(const RetiredSubscriptions&) = delete;

  // Takes `sub`: unsubscribes it (no lookup by the read loop finds it any more), then one round
  // trip to the server (the read loop handles the PONG after any message it looked the
  // subscription up for, and what was published before goes out: acks, NAKs), then destroys it
  // and anything parked before. Without the round trip (disconnected, closed, timed out) it is
  // parked until a later round trip succeeds or this object is destroyed.
  void retire(natsConnection* conn, natsSubscription* sub);
  std::size_t parked() const { return parked_.size(); }

 private:
  void destroy_parked();
  std::vector<natsSubscription*> parked_;
};

}  // namespace orderwatch::ingest::detail
