// IngestPipeline: the one owner of decode -> apply; every source hands it raw payloads and talks
// to the service only through it (docs/design.md, "ingest: from NATS to the pipeline").
// Ownership: references the TrackerService (which outlives it); owns the decoder and the
// reused batch buffers. Threading: handle()/handle_batch() may be called from any thread and
// are serialised (one decoder); the forwarding calls (now_ms, config, stream_seq, set_behind)
// are the service's own thread-safe calls. Cost: no allocation per event once warm; one
// service lock acquisition and one clock reading per batch (per arena-full of ids).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
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

  // Decodes and applies a batch in order, under one acquisition of the service lock and with
  // one clock reading; decoded outside the service lock, and again when a reload came in
  // between. Rejects are counted by reason and logged (rate-limited, one sample per chunk); an
  // event with a bad milestone deadline (Event::bad_deadline) is accepted and applied, and
  // counted once as a bad_deadline reject as well.
  // Throws only on allocation failure (a new decoder): then nothing of the chunk was applied.
  void handle_batch(std::span<IngestMessage> batch);
  // A batch of one. stream_seq: JetStream only, the resume point recorded with the event's
  // effects. behind: more messages are known to wait (the watermark follows event times).
  // Returns false when the payload was rejected (counted by reason).
  bool handle(std::string_view payload, std::optional<std::uint64_t> stream_seq = std::nullopt,
              bool behind = false);

  // What sources need of the service, and nothing more.
  std::int64_t now_ms() const { return service_.now_ms(); }
  std::shared_ptr<const sla::Config> config() const { return service_.config(); }
  // The stream position the state covers (TrackerService::stream_seq).
  std::uint64_t stream_seq() { return service_.stream_seq(); }
  // Where the source stands between batches (TrackerService::set_behind).
  void set_behind(bool behind) { service_.set_behind(behind); }

 private:
  tracking::TrackerService& service_;
  std::mutex mu_;
  std::unique_ptr<events::EventDecoder> decoder_;  // built from config generation generation_
  std::uint64_t generation_ = 0;
  log::RateLimited bad_input_log_{10'000};

  void refresh_decoder();
  std::size_t decode_chunk(std::span<IngestMessage> batch, std::size_t start, std::int64_t now);
  std::size_t handle_chunk(std::span<IngestMessage> batch, std::size_t start, std::int64_t now);
  void log_reject(std::int64_t now, events::RejectReason reason, std::string_view payload);
  bool keep(std::string_view& view);

  // handle_batch's buffers, reused (no allocation per event once warm).
  static constexpr std::size_t kArenaBytes = 64 * 1024;
  std::vector<char> arena_ = std::vector<char>(kArenaBytes);
  std::size_t arena_used_ = 0;
  std::vector<events::Event> decoded_;
  std::vector<tracking::ApplyResult> results_;
  std::vector<events::RejectReason> rejects_;
  std::size_t first_reject_ = 0;  // index in the batch of the chunk's first reject
};

}  // namespace orderwatch::ingest
