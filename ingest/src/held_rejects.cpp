// HeldRejects: the store of an AckAll consumer's curable rejects and their retries on the NAK
// schedule. Filled by the AckAll policy and the start-up re-read; retried by the pull loop
// between batches; read by every resume point (its oldest entry bounds it).
#include "held_rejects.h"

#include <algorithm>
#include <span>
#include <string_view>

#include "orderwatch/ingest/jetstream.h"

namespace orderwatch::ingest::detail {

bool HeldRejects::has_room(std::uint64_t seq) const {
  const auto cap = static_cast<std::size_t>(std::max<std::int64_t>(ctx_.config.max_ack_pending, 1));
  return held_.size() < cap || held_.contains(seq);
}

void HeldRejects::hold(natsMsg* msg, std::uint64_t seq, std::uint64_t deliveries) {
  auto [it, added] = held_.try_emplace(seq);
  if (!added) {
    natsMsg_Destroy(msg);  // held already (a redelivery after a lost ack): keep the first
    return;
  }
  it->second.msg = msg;
  it->second.deliveries = deliveries;
  it->second.due_ms =
      ctx_.pipeline.now_ms() + nak_delay_ms(ctx_.config.nak_delay.count(), deliveries);
  ++ctx_.stats.jetstream_nacked;
}

void HeldRejects::retry_due() {
  const std::int64_t now = ctx_.pipeline.now_ms();
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.due_ms > now || retry(it->first, it->second, now)) {
      ++it;
    } else {
      natsMsg_Destroy(it->second.msg);
      it = held_.erase(it);
    }
  }
}

bool HeldRejects::retry(std::uint64_t seq, Held& h, std::int64_t now) {
  ++h.deliveries;
  IngestMessage one{std::string_view(natsMsg_GetData(h.msg),
                                     static_cast<std::size_t>(natsMsg_GetDataLength(h.msg))),
                    resume_point(seq, ctx_.ack_floor, oldest()), false};
  try {
    ctx_.pipeline.handle_batch({&one, 1});
  } catch (...) {
    h.due_ms = now + kNakDelayMs;  // transient: again later
    return true;
  }
  if (one.accepted) return false;
  if (curable(one.reason) && static_cast<std::int64_t>(h.deliveries) < ctx_.config.max_deliver) {
    h.due_ms = now + nak_delay_ms(ctx_.config.nak_delay.count(), h.deliveries);
    ++ctx_.stats.jetstream_nacked;
    return true;
  }
  ctx_.dead_letters.publish(ctx_.conn, h.msg, one.reason);
  ++ctx_.stats.jetstream_terminated;
  return false;
}

void HeldRejects::clear() {
  for (auto& [seq, h] : held_) natsMsg_Destroy(h.msg);
  held_.clear();
}

}  // namespace orderwatch::ingest::detail
