// IngestPipeline: the one owner of decode -> apply. Both sources (the core subscription's
// callback and the JetStream consumer thread) hand it raw payloads; it decodes with a decoder
// built from the service's current config generation, applies under the service lock, and
// decodes again when a reload came in between (the event's status index may mean another
// status now). Rejects are counted by reason in the tracker and logged rate-limited with a
// sample of the payload. The stream sequence to record with an event's effects is explicit
// (JetStream) or absent (core NATS).
//
// Thread-safety: handle() may be called from any thread; calls are serialised (one decoder).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "orderwatch/events/decoder.h"
#include "orderwatch/log/log.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::ingest {

class IngestPipeline {
 public:
  explicit IngestPipeline(tracking::TrackerService& service);
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  // Decodes and applies one payload. stream_seq: JetStream only, the resume point recorded
  // with the event's effects (see jetstream.h). behind: more messages are known to wait behind
  // this one (the watermark follows event times, not the wall clock; TrackerService::apply).
  // Returns false when the payload was rejected (counted by reason).
  bool handle(std::string_view payload, std::optional<std::uint64_t> stream_seq = std::nullopt,
              bool behind = false) {
    return !process(payload, stream_seq, behind);
  }
  // The same, naming why a payload was rejected (nullopt: applied, duplicate or stale).
  std::optional<events::RejectReason> process(std::string_view payload,
                                              std::optional<std::uint64_t> stream_seq, bool behind);

  tracking::TrackerService& service() { return service_; }

 private:
  tracking::TrackerService& service_;
  std::mutex mu_;
  std::unique_ptr<events::EventDecoder> decoder_;  // built from config generation generation_
  std::uint64_t generation_ = 0;
  log::RateLimited bad_input_log_{10'000};
};

}  // namespace orderwatch::ingest
