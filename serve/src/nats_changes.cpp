// The nats.* keys a reload changed and the warning that names them (nats_changes.h), called by
// Server::reload. Every field of sla::NatsConfig is listed once below, with the key it is
// reported under; that one list is both the comparison and the names in the warning.
#include "nats_changes.h"

#include <cstddef>
#include <tuple>
#include <utility>

namespace orderwatch::serve {

namespace {

// A nats.* key and the fields it covers (references into one NatsConfig).
template <class... Fields>
std::pair<const char*, std::tuple<const Fields&...>> keyed(const char* key,
                                                           const Fields&... fields) {
  return {key, std::tie(fields...)};
}

// Every field of `c` under the key a reload reports it by, in the warning's order. The
// structured binding names all of NatsConfig's fields, so a field added there stops this
// compiling until it is given a key here; JetStreamConfig is compared whole (its operator==).
auto keyed_fields(const sla::NatsConfig& c) {
  const auto& [url, subject, queue_group, jetstream, user, password_file, token_file,
               credentials_file, tls_ca_file, tls_cert_file, tls_key_file, pending_messages_limit,
               pending_bytes_limit] = c;
  return std::tuple{keyed("nats.url", url),
                    keyed("nats.subject", subject),
                    keyed("nats.queue_group", queue_group),
                    keyed("nats.user", user),
                    keyed("nats.password_file", password_file),
                    keyed("nats.token_file", token_file),
                    keyed("nats.credentials_file", credentials_file),
                    keyed("nats.tls", tls_ca_file, tls_cert_file, tls_key_file),
                    keyed("nats.pending_messages_limit", pending_messages_limit),
                    keyed("nats.pending_bytes_limit", pending_bytes_limit),
                    keyed("nats.jetstream", jetstream)};
}

// Appends the key of every entry of `was` whose fields differ from the same entry of `now`.
template <class Entries, std::size_t... I>
void add_changed(const Entries& was, const Entries& now, std::index_sequence<I...>,
                 std::vector<std::string>& out) {
  auto note = [&out](const auto& w, const auto& n) {
    if (w.second != n.second) out.emplace_back(w.first);
  };
  (note(std::get<I>(was), std::get<I>(now)), ...);
}

}  // namespace

std::vector<std::string> changed_nats(const sla::NatsConfig& running, const sla::NatsConfig& next) {
  std::vector<std::string> out;
  if (running == next) return out;
  const auto was = keyed_fields(running);
  const auto now = keyed_fields(next);
  add_changed(was, now, std::make_index_sequence<std::tuple_size_v<decltype(was)>>{}, out);
  return out;
}

std::string nats_unchanged_note(const std::vector<std::string>& changed,
                                const sla::NatsConfig& running) {
  std::string keys;
  for (const auto& k : changed) keys += (keys.empty() ? "" : ", ") + k;
  std::string mode = running.jetstream ? "JetStream stream " + running.jetstream->stream +
                                             ", durable " + running.jetstream->durable
                                       : std::string("core NATS");
  if (!running.jetstream && !running.queue_group.empty()) {
    mode += ", queue group " + running.queue_group;
  }
  return "changed nats settings (" + keys +
         ") apply at the next restart; until then the running ones stay in effect: subject " +
         running.subject + " (" + mode + ")";
}

}  // namespace orderwatch::serve
