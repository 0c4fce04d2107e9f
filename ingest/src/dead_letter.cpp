// Rejected messages: the curable verdict, the NAK schedule and dead-letter republishing, used
// by NatsSource's core thread and the JetStream consumer's parts (ack policies, held rejects).
#include "dead_letter.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace orderwatch::ingest::detail {

bool curable(events::RejectReason reason) {
  using R = events::RejectReason;
  switch (reason) {
    case R::kUnknownStatus:  // a status added to the SLA file
    case R::kFutureTime:     // a clock corrected, here or at the producer
    case R::kTooLarge:       // event.max_payload_bytes raised
      return true;
    default:  // malformed, missing_field, bad_time, id_too_long: no reload makes them an event
      return false;
  }
}

namespace {

struct MsgPtr {
  natsMsg* msg = nullptr;
  ~MsgPtr() { natsMsg_Destroy(msg); }
};

bool copy_headers(natsMsg* from, natsMsg* to) {
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(from, &keys, &count) != NATS_OK) return true;  // none
  bool ok = true;
  for (int i = 0; i < count && ok; ++i) {
    const char** values = nullptr;
    int n = 0;
    if (natsMsgHeader_Values(from, keys[i], &values, &n) != NATS_OK) continue;
    for (int j = 0; j < n && ok; ++j) ok = natsMsgHeader_Add(to, keys[i], values[j]) == NATS_OK;
    free(static_cast<void*>(values));
  }
  free(static_cast<void*>(keys));
  return ok;
}

}  // namespace

bool publish_dead_letter(natsConnection* conn, const std::string& subject, natsMsg* original,
                         events::RejectReason reason) {
  MsgPtr out;
  if (natsMsg_Create(&out.msg, subject.c_str(), nullptr, natsMsg_GetData(original),
                     natsMsg_GetDataLength(original)) != NATS_OK) {
    return false;
  }
  if (!copy_headers(original, out.msg)) return false;
  const std::string why(events::to_string(reason));
  const char* from = natsMsg_GetSubject(original);
  if (natsMsgHeader_Set(out.msg, kRejectReasonHeader, why.c_str()) != NATS_OK ||
      natsMsgHeader_Set(out.msg, kOriginalSubjectHeader, from != nullptr ? from : "") != NATS_OK) {
    return false;
  }
  return natsConnection_PublishMsg(conn, out.msg) == NATS_OK;
}

std::int64_t nak_delay_ms(std::int64_t base_ms, std::uint64_t deliveries) {
  const auto n = static_cast<std::int64_t>(std::clamp<std::uint64_t>(deliveries, 1, 1'000));
  return std::min<std::int64_t>(std::max<std::int64_t>(base_ms, 1) * n, 300'000);
}

void DeadLetterPublisher::publish(natsConnection* conn, natsMsg* msg, events::RejectReason reason) {
  const auto config = pipeline_.config();
  const std::string& subject = config->event.dead_letter_subject;
  if (subject.empty()) return;
  if (publish_dead_letter(conn, subject, msg, reason)) {
    ++stats_.dead_lettered;
  } else {
    ++stats_.dead_letter_failures;
    log_.warn(pipeline_.now_ms(), component_, "cannot publish a reject on " + subject);
  }
}

}  // namespace orderwatch::ingest::detail
