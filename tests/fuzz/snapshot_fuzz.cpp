// Fuzz target for the snapshot reader (OrderTracker::load_state). Built like decode_fuzz: with
// ORDERWATCH_FUZZ=ON under clang it links libFuzzer, otherwise it replays the committed corpus.
//
// The first byte chooses how the rest is fed: 0 mod 5 raw (the container checks: magic,
// version, length, checksum), else wrapped in a valid header of format version 1 to 4 and
// a correct CRC, so the body parser itself is exercised. Promises checked on every input: a
// refused image throws SnapshotError and nothing else; an accepted one holds what its report
// says and saves and loads again to the same counts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"

namespace {

using namespace orderwatch::tracking;

const orderwatch::sla::Config& config() {
  static const orderwatch::sla::Config c = orderwatch::sla::load_string(R"(
service: fuzz
nats: {subject: o.>}
event:
  dimensions: [{field: region, max_values: 3}, {field: channel, max_values: 2}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Delivered, terminal: true}
retention: {tombstone_ttl: 60s}
)");
  return c;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned mode = data[0] % 5;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string image;
  if (mode == 0) {
    image.assign(rest);
  } else {
    begin_snapshot(image);
    image[8] = static_cast<char>(mode);  // format version 1..4 (little-endian u32)
    image.append(rest);
    seal_snapshot(image);
  }
  OrderTracker tracker(config());
  RestoreReport report;
  try {
    report = tracker.load_state(image, "fuzz.snap");
  } catch (const SnapshotError&) {
    return 0;
  }
  check(tracker.tracked() == report.meta.orders);
  TrackerSnapshot s;
  tracker.snapshot(s);
  check(s.tombstones <= report.meta.tombstones);  // the same id twice is one tombstone
  std::string again;
  tracker.save_state(again, report.meta.stream_seq, report.meta.written_ms);
  seal_snapshot(again);
  OrderTracker reloaded(config());
  const RestoreReport second = reloaded.load_state(again, "again.snap");
  check(reloaded.tracked() == tracker.tracked());
  check(second.meta.orders == report.meta.orders);
  return 0;
}
