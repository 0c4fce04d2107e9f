// TombstoneSet (tombstones.h): recently finished ids by keyed hash, with FIFO expiry. Called by
// the tracker's event path (a finished id's late events) and tick (expiry), and by persistence.
#include "tombstones.h"

namespace orderwatch::tracking {

namespace {
constexpr unsigned kInitialBits = 8;
}

TombstoneSet::TombstoneSet() : slots_(std::size_t{1} << kInitialBits), bits_(kInitialBits) {}

std::size_t TombstoneSet::locate(std::uint64_t k) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t pos = home(k);
  while (slots_[pos].hash != 0 && slots_[pos].hash != k) pos = (pos + 1) & mask;
  return pos;
}

void TombstoneSet::grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  ++bits_;
  slots_.assign(std::size_t{1} << bits_, Slot{});
  for (const Slot& s : old) {
    if (s.hash != 0) slots_[locate(s.hash)] = s;
  }
}

void TombstoneSet::add(std::uint64_t hash, std::uint8_t status, std::int64_t expires_ms,
                       std::int64_t wall_expires_ms) {
  const std::uint64_t k = key(hash);
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  std::size_t pos = locate(k);
  if (slots_[pos].hash == 0) ++size_;
  slots_[pos] = Slot{k, expires_ms, status};
  fifo_.push_back(Pending{k, expires_ms, wall_expires_ms});
}

std::optional<std::uint8_t> TombstoneSet::find(std::uint64_t hash) const {
  const Slot& s = slots_[locate(key(hash))];
  if (s.hash == 0) return std::nullopt;
  return s.status;
}

std::size_t TombstoneSet::probe_length(std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t k = key(hash);
  std::size_t visited = 1;
  for (std::size_t pos = home(k); slots_[pos].hash != 0 && slots_[pos].hash != k;
       pos = (pos + 1) & mask)
    ++visited;
  return visited;
}

void TombstoneSet::erase_at(std::size_t pos) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = pos;
  for (std::size_t next = (hole + 1) & mask;; next = (next + 1) & mask) {
    const Slot& s = slots_[next];
    if (s.hash == 0) break;
    const std::size_t h = home(s.hash);
    if (((next - h) & mask) >= ((next - hole) & mask)) {
      slots_[hole] = s;
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  --size_;
}

void TombstoneSet::expire(std::int64_t now_ms, std::int64_t wall_ms, std::int64_t ttl_ms) {
  const std::int64_t latest = now_ms + ttl_ms;
  const std::int64_t wall_latest = wall_ms + ttl_ms;
  while (!fifo_.empty()) {
    const Pending p = fifo_.front();
    const bool ahead = p.expires_ms > latest || p.wall_expires_ms > wall_latest;
    if (!ahead && (p.expires_ms > now_ms || p.wall_expires_ms > wall_ms)) break;
    fifo_.pop_front();
    const std::size_t pos = locate(p.hash);
    // The id may have been tombstoned again later with a later expiry; only the entry whose
    // expiry matches this queue element is live.
    if (slots_[pos].hash != p.hash || slots_[pos].expires_ms != p.expires_ms) continue;
    if (p.expires_ms <= now_ms && p.wall_expires_ms <= wall_ms) {
      erase_at(pos);
    } else {  // from a clock that was ahead: a fresh ttl from now
      const Pending fresh{p.hash, std::min(p.expires_ms, latest),
                          std::min(p.wall_expires_ms, wall_latest)};
      slots_[pos].expires_ms = fresh.expires_ms;
      fifo_.push_back(fresh);
    }
  }
}

std::size_t TombstoneSet::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + fifo_.size() * sizeof(Pending);
}

}  // namespace orderwatch::tracking
