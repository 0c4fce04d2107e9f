#include "orderwatch/ingest/pipeline.h"

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
  std::string sample(payload.substr(0, 200));
  for (char& c : sample) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  bad_input_log_.warn(
      now, "decode", "rejected event (" + std::string(events::to_string(*reason)) + "): " + sample);
  return reason;
}

}  // namespace orderwatch::ingest
