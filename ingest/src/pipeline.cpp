// IngestPipeline: decode -> apply for every source (NatsSource's core thread, the JetStream
// pull loop, its held-reject retries and start-up re-read, in-process tests). One decode loop
// (decode_chunk) feeds one service step per chunk (TrackerService::Batch::apply).
#include "orderwatch/ingest/pipeline.h"

#include <cstring>
#include <string>

namespace orderwatch::ingest {

IngestPipeline::IngestPipeline(tracking::TrackerService& service) : service_(service) {}

bool IngestPipeline::handle(std::string_view payload, std::optional<std::uint64_t> stream_seq,
                            bool behind) {
  IngestMessage one{payload, stream_seq, behind};
  handle_batch({&one, 1});
  return one.accepted;
}

void IngestPipeline::handle_batch(std::span<IngestMessage> batch) {
  if (batch.empty()) return;
  const std::int64_t now = service_.now_ms();  // one clock read per batch
  std::lock_guard lock(mu_);
  for (std::size_t start = 0; start < batch.size();) start = handle_chunk(batch, start, now);
}

void IngestPipeline::log_reject(std::int64_t now, events::RejectReason reason,
                                std::string_view payload) {
  std::string sample(payload.substr(0, 200));
  for (char& c : sample) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  bad_input_log_.warn(now, "decode",
                      "rejected event (" + std::string(events::to_string(reason)) + "): " + sample);
}

// A decoder built from the service's current config generation (after a reload, a status
// index may mean another status).
void IngestPipeline::refresh_decoder() {
  if (decoder_ != nullptr && generation_ == service_.config_generation()) return;
  const tracking::ConfigView view = service_.config_view();
  decoder_ = std::make_unique<events::EventDecoder>(*view.config);
  generation_ = view.generation;
}

// Copies a view into the arena; false when it does not fit (the chunk ends before it).
bool IngestPipeline::keep(std::string_view& view) {
  if (view.size() > arena_.size() - arena_used_) return false;
  char* at = arena_.data() + arena_used_;
  if (!view.empty()) std::memcpy(at, view.data(), view.size());
  view = std::string_view(at, view.size());
  arena_used_ += view.size();
  return true;
}

// Decodes batch[start..] into decoded_ and rejects_ until the end or until the arena (the
// copies of ids and dimension values the decoder's views point at) is full. Returns where the
// chunk ends.
std::size_t IngestPipeline::decode_chunk(std::span<IngestMessage> batch, std::size_t start,
                                         std::int64_t now) {
  decoded_.clear();
  rejects_.clear();
  arena_used_ = 0;
  std::size_t end = start;
  for (; end < batch.size(); ++end) {
    events::Event event;
    const std::optional<events::RejectReason> reason =
        decoder_->decode(batch[end].payload, now, event);
    batch[end].accepted = !reason;
    if (reason) {
      batch[end].reason = *reason;
      if (rejects_.empty()) first_reject_ = end;
      rejects_.push_back(*reason);
      continue;
    }
    const std::size_t mark = arena_used_;
    bool fits = keep(event.id);
    for (std::size_t d = 0; fits && d < events::kMaxDimensions; ++d) {
      if (event.has_dim[d]) fits = keep(event.dims[d]);
    }
    if (!fits && end > start) {
      arena_used_ = mark;
      break;  // decoded again at the start of the next chunk, with an empty arena
    }
    // A bad milestone deadline is counted as a reject, yet the event is applied.
    if (event.bad_deadline != 0) {
      if (rejects_.empty()) first_reject_ = end;
      rejects_.push_back(events::RejectReason::kBadDeadline);
    }
    // An event larger than the whole arena (ids and values are bounded far below it) is
    // applied alone, its views still in the decoder's buffer.
    decoded_.push_back(event);
    if (!fits) return end + 1;
  }
  return end;
}

// Decodes a chunk, then applies it as one service step (one lock acquisition); decodes again
// when a reload came in between. Returns where the next chunk starts.
std::size_t IngestPipeline::handle_chunk(std::span<IngestMessage> batch, std::size_t start,
                                         std::int64_t now) {
  for (;;) {
    refresh_decoder();
    const std::size_t end = decode_chunk(batch, start, now);
    {
      tracking::TrackerService::Batch applier = service_.begin_batch(generation_);
      if (!applier) continue;  // reloaded since the decoder was built: decode again
      results_.resize(decoded_.size());
      const IngestMessage& last = batch[end - 1];
      applier.apply({.events = decoded_,
                     .results = results_,
                     .rejects = rejects_,
                     .now_ms = now,
                     .stream_seq = last.stream_seq,
                     .behind = last.behind});
    }
    // Outside the service lock; the log is rate-limited anyway, so one sample per chunk.
    if (!rejects_.empty()) log_reject(now, rejects_.front(), batch[first_reject_].payload);
    return end;
  }
}

}  // namespace orderwatch::ingest
