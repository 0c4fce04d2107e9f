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
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "orderwatch/events/decoder.h"
#include "orderwatch/log/log.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::ingest {

// One message of a batch handed to IngestPipeline::handle_batch: its payload (valid for the
// call), the stream sequence to record with it (JetStream) and whether more messages are known
// to wait behind it; `accepted` is the result (false: rejected, counted by `reason`).
struct IngestMessage {
  std::string_view payload;
  std::optional<std::uint64_t> stream_seq;
  bool behind = false;
  bool accepted = false;
  events::RejectReason reason{};  // set when !accepted
};

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

  // Decodes and applies a batch in order, under one acquisition of the service lock and with
  // one clock reading: what handle() does per message, without its per-message hand-over.
  // Decoded outside the service lock, as handle().
  void handle_batch(std::span<IngestMessage> batch);

  tracking::TrackerService& service() { return service_; }

 private:
  tracking::TrackerService& service_;
  std::mutex mu_;
  std::unique_ptr<events::EventDecoder> decoder_;  // built from config generation generation_
  std::uint64_t generation_ = 0;
  log::RateLimited bad_input_log_{10'000};

  void log_reject(std::int64_t now, events::RejectReason reason, std::string_view payload);
  std::size_t handle_chunk(std::span<IngestMessage> batch, std::size_t start, std::int64_t now);
  bool keep(std::string_view& view);

  // handle_batch's buffers, reused (no allocation per event once warm).
  static constexpr std::size_t kArenaBytes = 64 * 1024;
  std::vector<char> arena_ = std::vector<char>(kArenaBytes);
  std::size_t arena_used_ = 0;
  std::vector<events::Event> decoded_;
  std::vector<tracking::ApplyResult> results_;
  std::vector<std::pair<std::size_t, events::RejectReason>> rejects_;
};

}  // namespace orderwatch::ingest
