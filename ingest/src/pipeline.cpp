#include "orderwatch/ingest/pipeline.h"

#include <cstring>
#include <string>

namespace orderwatch::ingest {

IngestPipeline::IngestPipeline(tracking::TrackerService& service) : service_(service) {}

std::optional<events::RejectReason> IngestPipeline::process(std::string_view payload,
                                                            std::optional<std::uint64_t> stream_seq,
                                                            bool behind) {
  const std::int64_t now = service_.now_ms();  // one clock read per event
  std::optional<events::RejectReason> reason;
  {
    std::lock_guard lock(mu_);
    for (;;) {
      if (decoder_ == nullptr || generation_ != service_.config_generation()) {
        const tracking::ConfigView view = service_.config_view();
        decoder_ = std::make_unique<events::EventDecoder>(*view.config);
        generation_ = view.generation;
      }
      events::Event event;
      reason = decoder_->decode(payload, now, event);
      if (!reason) {
        if (service_.apply(event, now, stream_seq, generation_, behind)) return std::nullopt;
        continue;  // reloaded between decode and apply: decode again
      }
      if (service_.reject(*reason, now, stream_seq, generation_, behind)) break;
    }
  }
  log_reject(now, *reason, payload);
  return reason;
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

void IngestPipeline::handle_batch(std::span<IngestMessage> batch) {
  if (batch.empty()) return;
  const std::int64_t now = service_.now_ms();  // one clock read per batch
  std::lock_guard lock(mu_);
  for (std::size_t start = 0; start < batch.size();) start = handle_chunk(batch, start, now);
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

// Decodes batch[start..] until the end or until the arena (the copies of ids and dimension
// values the decoder's views point at) is full, then applies what was decoded under one lock
// acquisition. Returns where the next chunk starts.
std::size_t IngestPipeline::handle_chunk(std::span<IngestMessage> batch, std::size_t start,
                                         std::int64_t now) {
  for (;;) {
    if (decoder_ == nullptr || generation_ != service_.config_generation()) {
      const tracking::ConfigView view = service_.config_view();
      decoder_ = std::make_unique<events::EventDecoder>(*view.config);
      generation_ = view.generation;
    }
    decoded_.clear();
    rejects_.clear();
    arena_used_ = 0;
    std::size_t end = start;
    for (; end < batch.size(); ++end) {
      events::Event event;
      const std::optional<events::RejectReason> reason =
          decoder_->decode(batch[end].payload, now, event);
      batch[end].accepted = !reason;
      if (reason) batch[end].reason = *reason;
      if (reason) {
        rejects_.emplace_back(end, *reason);
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
      // An event larger than the whole arena (ids and values are bounded far below it) is
      // applied alone, its views still in the decoder's buffer.
      decoded_.push_back(event);
      if (!fits) {
        ++end;
        break;
      }
    }
    {
      tracking::TrackerService::Batch applier = service_.begin_batch(generation_);
      if (!applier) continue;  // reloaded since the decoder was built: decode again
      results_.resize(decoded_.size());
      for (const auto& [at, reason] : rejects_) {
        applier.reject(reason, now, batch[at].stream_seq, batch[at].behind);
      }
      const IngestMessage& last = batch[end - 1];
      applier.apply_all(decoded_, now, results_, last.stream_seq, last.behind);
    }
    // Outside the service lock; the log is rate-limited anyway, so one sample per chunk.
    if (!rejects_.empty()) {
      log_reject(now, rejects_.front().second, batch[rejects_.front().first].payload);
    }
    return end;
  }
}

}  // namespace orderwatch::ingest
