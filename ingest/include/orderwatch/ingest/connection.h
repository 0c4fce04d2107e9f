// NATS connection options from the config's `nats` section, in one place for every client
// of the project (serve's NatsSource and `orderwatch publish`): server URL(s), a timeout,
// reconnecting forever, user/password, token, credentials and TLS (on when a CA or a client
// certificate is configured). Secrets are read from their *_file settings. Pure setup code,
// thread-safe.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>

#include "orderwatch/sla/config.h"

namespace orderwatch::ingest {

struct NatsOptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
using NatsOptionsPtr = std::unique_ptr<natsOptions, NatsOptionsDeleter>;

// Options for `url`; the caller adds callbacks and tuning. Throws std::runtime_error on an
// unreadable secret file or unusable TLS files, naming the setting.
NatsOptionsPtr make_nats_options(const sla::NatsConfig& nats, const std::string& url);

// Reads a secret file (trailing newlines and spaces trimmed). Throws std::runtime_error.
std::string read_secret(const std::string& path, const char* what);

// The URL list with any user:password@ replaced by ***@, for logs.
std::string redact_url(const std::string& url);

// Throws std::runtime_error("<what>: <status text> (<last error>)") unless s is NATS_OK.
void check_nats(natsStatus s, const std::string& what);

}  // namespace orderwatch::ingest
