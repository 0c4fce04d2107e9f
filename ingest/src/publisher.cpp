// NatsPublisher: the exporter's own connection for the few messages it publishes (redrive
// requests), connected on first use and flushed per publish. Created by serve for redrives.
#include "orderwatch/ingest/publisher.h"

#include <nats/nats.h>

#include "orderwatch/ingest/connection.h"

namespace orderwatch::ingest {

NatsPublisher::NatsPublisher(sla::NatsConfig nats, std::string url)
    : nats_(std::move(nats)), url_(url.empty() ? nats_.url : std::move(url)) {}

NatsPublisher::~NatsPublisher() {
  if (conn_ != nullptr) natsConnection_Destroy(conn_);
}

std::string NatsPublisher::publish(const std::string& subject, const std::string& body) {
  std::lock_guard lock(mu_);
  try {
    if (conn_ == nullptr) {
      NatsOptionsPtr opts = make_nats_options(nats_, url_);
      natsOptions_SetAllowReconnect(opts.get(), false);  // a failure is reported, then retried
      check_nats(natsConnection_Connect(&conn_, opts.get()), "connect " + redact_url(url_));
    }
    natsStatus s =
        natsConnection_Publish(conn_, subject.c_str(), body.data(), static_cast<int>(body.size()));
    if (s == NATS_OK) s = natsConnection_FlushTimeout(conn_, 2000);
    if (s != NATS_OK) {
      natsConnection_Destroy(conn_);
      conn_ = nullptr;
      return std::string("publish on ") + subject + ": " + natsStatus_GetText(s);
    }
    return "";
  } catch (const std::exception& e) {
    if (conn_ != nullptr) natsConnection_Destroy(conn_);
    conn_ = nullptr;
    return e.what();
  }
}

}  // namespace orderwatch::ingest
