// RetiredSubscriptions (subscriptions.h): unsubscribe, a round trip, then destroy, so no
// subscription is freed under libnats' read loop. Used by the JetStream consumer's binder (pull
// inbox, start-up re-read) and NatsSource (core subscription).
#include "subscriptions.h"

namespace orderwatch::ingest::detail {

namespace {
constexpr int kRoundTripMs = 2000;  // bounds a shutdown against a server that does not answer
}

RetiredSubscriptions::~RetiredSubscriptions() { destroy_parked(); }

void RetiredSubscriptions::retire(natsConnection* conn, natsSubscription* sub) {
  if (sub == nullptr) return;
  // Fails harmlessly when the subscription is closed already (drained, connection closed).
  natsSubscription_Unsubscribe(sub);
  parked_.push_back(sub);
  if (conn != nullptr && natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED &&
      natsConnection_FlushTimeout(conn, kRoundTripMs) == NATS_OK) {
    // The read loop handled the PONG: it is done with every lookup made before, including
    // those of subscriptions parked while disconnected (the reconnect joined that read loop).
    destroy_parked();
  }
}

void RetiredSubscriptions::destroy_parked() {
  for (natsSubscription* sub : parked_) natsSubscription_Destroy(sub);
  parked_.clear();
}

}  // namespace orderwatch::ingest::detail
