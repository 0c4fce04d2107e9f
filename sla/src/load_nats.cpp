// The Loader's nats section: server URLs, the subject, credentials, TLS and JetStream.
// Called by Loader::load (loader.cpp) for the `nats:` key.
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>

#include "loader_impl.h"

namespace orderwatch::sla::detail {

void Loader::read_nats(const YAML::Node& node, NatsConfig& nats) {
  const std::string path = "nats";
  if (!is_map(node, path)) return;
  keys(node, path,
       {"url", "subject", "queue_group", "jetstream", "user", "password_file", "token_file",
        "credentials_file", "tls", "pending_messages_limit", "pending_bytes_limit", "password",
        "token"});
  if (auto v = node["url"]) {
    nats.url = scalar(v, "nats.url");
    std::stringstream urls(nats.url);
    std::string one;
    while (std::getline(urls, one, ',')) {
      if (!one.starts_with("nats://") && !one.starts_with("tls://")) {
        add(v, "nats.url", quote(one) + " must start with nats:// or tls://");
      }
    }
  }
  if (auto v = node["subject"]) {
    nats.subject = scalar(v, "nats.subject");
    if (!nats.subject.empty() && !valid_subject(nats.subject))
      add(v, "nats.subject", quote(nats.subject) + " is not a valid NATS subject");
  } else {
    add(node, path, "missing required key \"subject\"");
  }
  // A queue group hands each message to one member: an order's Placed to one instance and its
  // Authorized to another, so both track it wrongly (stuck forever in Placed on the first).
  // Per-order state needs every event of an order in one instance: partition the subject.
  if (auto q = node["queue_group"]; q && !scalar(q, "nats.queue_group").empty()) {
    add(q, "nats.queue_group",
        "queue groups split an order's events between instances, which then count it wrongly; "
        "to share the load, partition the subject by order id on the server (subject mapping "
        "with partition()) and give each instance its own partition subject (see the README, "
        "Scale-out)");
  }
  set_string(node, "user", path, nats.user);
  set_string(node, "password_file", path, nats.password_file);
  set_string(node, "token_file", path, nats.token_file);
  set_string(node, "credentials_file", path, nats.credentials_file);
  for (const char* secret : {"password", "token"}) {
    if (auto v = node[secret])
      add(v, join(path, secret),
          std::string("secrets are not accepted inline; use ") + secret + "_file");
  }
  if (auto v = node["pending_messages_limit"]) {
    auto n = integer(v, "nats.pending_messages_limit");
    if (n && (*n < 1 || *n > 100'000'000))
      add(v, "nats.pending_messages_limit", "must be between 1 and 100000000");
    else if (n)
      nats.pending_messages_limit = static_cast<std::uint32_t>(*n);
  }
  if (auto v = node["pending_bytes_limit"]) {
    // The client takes an int: at most 2 GiB - 1.
    auto n = integer(v, "nats.pending_bytes_limit");
    if (n && (*n < (1 << 20) || *n > 2147483647))
      add(v, "nats.pending_bytes_limit", "must be between 1048576 and 2147483647");
    else if (n)
      nats.pending_bytes_limit = static_cast<std::uint32_t>(*n);
  }
  if (auto tls = node["tls"]) read_nats_tls(tls, nats);
  if (auto js = node["jetstream"]) read_jetstream(js, nats);
}

void Loader::read_nats_tls(const YAML::Node& tls, NatsConfig& nats) {
  if (!is_map(tls, "nats.tls")) return;
  keys(tls, "nats.tls", {"ca_file", "cert_file", "key_file"});
  set_string(tls, "ca_file", "nats.tls", nats.tls_ca_file);
  set_string(tls, "cert_file", "nats.tls", nats.tls_cert_file);
  set_string(tls, "key_file", "nats.tls", nats.tls_key_file);
  if (nats.tls_cert_file.empty() != nats.tls_key_file.empty())
    add(tls, "nats.tls", "cert_file and key_file go together");
}

void Loader::read_jetstream(const YAML::Node& js, NatsConfig& nats) {
  const std::string p = "nats.jetstream";
  if (!is_map(js, p)) return;
  keys(js, p, {"stream", "durable", "ack_wait", "max_ack_pending", "max_deliver", "nak_delay"});
  JetStreamConfig cfg;
  for (auto [key, out] : {std::pair{"stream", &cfg.stream}, {"durable", &cfg.durable}}) {
    if (auto v = js[key]) {
      *out = scalar(v, join(p, key));
    } else {
      add(js, p, std::string("missing required key \"") + key + "\"");
    }
  }
  set_duration(js, "ack_wait", p, cfg.ack_wait);
  set_duration(js, "nak_delay", p, cfg.nak_delay);
  for (auto [key, out] :
       {std::pair{"max_ack_pending", &cfg.max_ack_pending}, {"max_deliver", &cfg.max_deliver}}) {
    if (auto v = js[key]) {
      auto n = integer(v, join(p, key));
      if (n && *n < 1) add(v, join(p, key), "must be at least 1");
      if (n) *out = *n;
    }
  }
  nats.jetstream = cfg;
}

}  // namespace orderwatch::sla::detail
