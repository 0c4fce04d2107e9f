// TrendRing (trend.h): per-status in-flight and overdue samples over the last hour for the
// drill-down page's charts. Recorded and read by TrackerService under its lock.
#include "trend.h"

#include <algorithm>

#include "snapshot_codec.h"

namespace orderwatch::tracking {

TrendRing::TrendRing(std::vector<std::string> statuses, std::int64_t interval_ms,
                     std::size_t capacity)
    : interval_ms_(std::max<std::int64_t>(interval_ms, 1)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      statuses_(std::move(statuses)),
      times_(capacity_, 0),
      in_flight_(statuses_.size() * capacity_, kMissing),
      overdue_(statuses_.size() * capacity_, kMissing) {}

void TrendRing::record(std::int64_t now_ms, const std::vector<StatusCounts>& counts) {
  if (size_ > 0 && now_ms < last_ms_) size_ = 0;  // the clock stepped back: start over
  std::size_t slot;
  if (size_ < capacity_) {
    slot = at(size_);
    ++size_;
  } else {
    slot = head_;
    head_ = (head_ + 1) % capacity_;
  }
  times_[slot] = now_ms;
  for (std::size_t s = 0; s < statuses_.size(); ++s) {
    const bool known = s < counts.size();
    in_flight_[s * capacity_ + slot] = known ? counts[s].in_flight : kMissing;
    overdue_[s * capacity_ + slot] = known ? counts[s].overdue : kMissing;
  }
  last_ms_ = now_ms;
  // The next boundary strictly after now (floor division: times before 1970 work too).
  const std::int64_t q = now_ms / interval_ms_ - (now_ms % interval_ms_ < 0 ? 1 : 0);
  next_ms_ = (q + 1) * interval_ms_;
}

void TrendRing::relabel(const std::vector<std::string>& statuses) {
  std::vector<std::int64_t> in_flight(statuses.size() * capacity_, kMissing);
  std::vector<std::int64_t> overdue(statuses.size() * capacity_, kMissing);
  for (std::size_t s = 0; s < statuses.size(); ++s) {
    const auto old = std::find(statuses_.begin(), statuses_.end(), statuses[s]);
    if (old == statuses_.end()) continue;
    const auto o = static_cast<std::size_t>(old - statuses_.begin());
    std::copy_n(in_flight_.begin() + static_cast<std::ptrdiff_t>(o * capacity_), capacity_,
                in_flight.begin() + static_cast<std::ptrdiff_t>(s * capacity_));
    std::copy_n(overdue_.begin() + static_cast<std::ptrdiff_t>(o * capacity_), capacity_,
                overdue.begin() + static_cast<std::ptrdiff_t>(s * capacity_));
  }
  statuses_ = statuses;
  in_flight_ = std::move(in_flight);
  overdue_ = std::move(overdue);
}

TrendView TrendRing::view(std::int64_t now_ms) const {
  TrendView v;
  v.interval_ms = interval_ms_;
  v.window_ms = interval_ms_ * static_cast<std::int64_t>(capacity_);
  v.now_ms = now_ms;
  std::size_t first = 0;
  while (first < size_ && times_[at(first)] <= now_ms - v.window_ms) ++first;
  for (std::size_t i = first; i < size_; ++i) v.times_ms.push_back(times_[at(i)]);
  for (std::size_t s = 0; s < statuses_.size(); ++s) {
    TrendView::Status st;
    st.name = statuses_[s];
    for (std::size_t i = first; i < size_; ++i) {
      st.in_flight.push_back(in_flight_[s * capacity_ + at(i)]);
      st.overdue.push_back(overdue_[s * capacity_ + at(i)]);
    }
    v.statuses.push_back(std::move(st));
  }
  return v;
}

std::size_t TrendRing::memory_bytes() const {
  return (times_.capacity() + in_flight_.capacity() + overdue_.capacity()) * sizeof(std::int64_t);
}

void TrendRing::save(snapshot_codec::Writer& w) const {
  w.varint(statuses_.size());
  for (const auto& name : statuses_) w.string(name);
  w.varint(size_);
  for (std::size_t i = 0; i < size_; ++i) {
    w.svarint(times_[at(i)]);
    for (std::size_t s = 0; s < statuses_.size(); ++s) {
      w.svarint(in_flight_[s * capacity_ + at(i)]);
      w.svarint(overdue_[s * capacity_ + at(i)]);
    }
  }
}

void TrendRing::load(snapshot_codec::Reader& r) {
  std::vector<std::string> names(r.count("trend status count"));
  for (auto& name : names) name.assign(r.string("trend status"));
  TrendRing saved(names, interval_ms_, capacity_);
  const std::uint64_t samples = r.count("trend sample count", 1 + 2 * names.size());
  std::vector<StatusCounts> counts(names.size());
  for (std::uint64_t i = 0; i < samples; ++i) {
    const std::int64_t t = r.svarint("trend sample time");
    for (auto& c : counts) {
      c.in_flight = r.svarint("trend in flight");
      c.overdue = r.svarint("trend overdue");
    }
    saved.record(t, counts);
  }
  saved.relabel(statuses_);
  *this = std::move(saved);
}

void TrendRing::skip(snapshot_codec::Reader& r) {
  TrendRing none({}, kIntervalMs, 1);
  none.load(r);
}

}  // namespace orderwatch::tracking
