// Constants and helpers shared by the JetStream consumer's files.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>

#include "orderwatch/sla/config.h"

namespace orderwatch::ingest::detail {

inline constexpr int kFetchWaitMs = 500;  // a stop is noticed within this
inline constexpr int kMaxBatch = 4096;    // messages per fetch, also bounded by max_ack_pending
inline constexpr int kIdleNapUs = 500;    // when the queue runs dry during a catch-up
inline constexpr int kInfoPollMs = 1000;  // lag and ack floor refresh
inline constexpr int kRetryMs = 2000;     // between attempts to bind while the stream is missing
inline constexpr std::int64_t kNakDelayMs = 1000;

inline std::int64_t to_ns(sla::Duration d) {
  return static_cast<std::int64_t>(d.count()) * 1'000'000;
}

inline std::string status_text(natsStatus s, jsErrCode err) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') text += std::string(" (") + last + ")";
  if (err != 0) text += " [JetStream error " + std::to_string(static_cast<int>(err)) + "]";
  return text;
}

}  // namespace orderwatch::ingest::detail
