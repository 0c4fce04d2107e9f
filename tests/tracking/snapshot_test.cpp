// Snapshots: the format round trip (orders, dimensions, long ids, tombstones, deadline
// position), every way a file can be refused, loading under an edited config, and the live
// reload built on it (TrackerService::reload). Clocks are injected; files live in a temp dir.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 2}, {field: data.channel, label: channel, max_values: 5}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
      - {after: 300s, severity: critical}
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

enum S : std::uint8_t { Placed, Authorized, Shipped, Delivered, Cancelled };

using test::event;

TrackerSnapshot snap(const OrderTracker& t) {
  TrackerSnapshot s;
  t.snapshot(s);
  return s;
}

// in_status and overdue per (status name, tier severity, dimension values) -- comparable across
// configs, where indexes differ.
std::map<std::string, std::int64_t> gauges(const OrderTracker& t, const sla::Config& cfg) {
  const auto s = snap(t);
  std::map<std::string, std::int64_t> out;
  for (const auto& v : s.series) {
    std::string key = cfg.statuses[v.status].name;
    for (const auto& d : s.combos[v.combo]) key += "/" + d;
    out["in " + key] += v.in_status;
    for (std::size_t k = 0; k < v.overdue.size(); ++k) {
      out["overdue " + key + " " + cfg.statuses[v.status].tiers[k].severity] += v.overdue[k];
    }
  }
  return out;
}

std::string sealed_image(const OrderTracker& t, std::uint64_t seq = 0, std::int64_t written = T0) {
  std::string image;
  t.save_state(image, seq, written);
  seal_snapshot(image);
  return image;
}

// Re-seals an image after its body was changed on purpose (so the checksum passes and the
// structural checks are what is exercised).
std::string reseal(std::string image) {
  image.resize(image.size() - kSnapshotTrailerBytes);
  seal_snapshot(image);
  return image;
}

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() : config_(sla::load_string(kConfig)), tracker_(config_) {}

  // A varied state: every non-terminal status, overdue tiers, dimension values past the cap,
  // missing dimensions, ids longer than the 23 inline bytes, tombstones of both outcomes.
  void populate() {
    auto apply = [&](const Event& e, std::int64_t now) { tracker_.apply(e, now); };
    apply(event("o-placed-old", Placed, T0 - 30 * kS, "eu", "web"), T0);
    apply(event("o-placed-new", Placed, T0 - 1 * kS, "us", "app"), T0);
    apply(event("o-auth-200s", Placed, T0 - 400 * kS, "eu"), T0);
    apply(event("o-auth-200s", Authorized, T0 - 200 * kS, "eu"), T0);
    apply(event("an-order-id-longer-than-twenty-three-bytes", Authorized, T0 - 500 * kS, "ap"), T0);
    apply(event("o-ship", Shipped, T0 - 10 * kS), T0);
    apply(event("o-same-time-a", Shipped, T0 - 10 * kS, "us", "web"), T0);
    apply(event("o-done", Placed, T0 - 50 * kS, "eu"), T0);
    apply(event("o-done", Delivered, T0 - 5 * kS, "eu"), T0);
    apply(event("o-cancel-first-sight", Cancelled, T0 - 5 * kS), T0);
    for (int i = 0; i < 300; ++i) {  // enough to span several index chunks
      const std::string id = "bulk-" + std::to_string(i);
      apply(event(id, static_cast<std::uint8_t>(i % 3), T0 - (i % 7) * 40 * kS, "eu", "web"), T0);
    }
    tracker_.tick(T0);
  }

  sla::Config config_;
  OrderTracker tracker_;
};

TEST(Crc32c, KnownValueAndHardwareMatchesPortable) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c_portable("123456789"), 0xE3069283u);
  std::mt19937_64 rng(3);
  for (std::size_t len : {0, 1, 7, 8, 9, 63, 64, 1000, 4099}) {
    std::string data(len, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    EXPECT_EQ(crc32c(data), crc32c_portable(data)) << len;
    // Chained over two parts == over the whole.
    EXPECT_EQ(crc32c(data.substr(len / 2), crc32c(data.substr(0, len / 2))), crc32c(data)) << len;
  }
}

TEST_F(SnapshotTest, RoundTripRestoresEveryOrderTombstoneAndGauge) {
  populate();
  const std::string image = sealed_image(tracker_, 42, T0 + 7);

  OrderTracker loaded(config_);
  const RestoreReport r = loaded.load_state(image, "test.snap");
  EXPECT_EQ(r.meta.stream_seq, 42u);
  EXPECT_EQ(r.meta.written_ms, T0 + 7);
  EXPECT_EQ(r.meta.orders, tracker_.tracked());
  EXPECT_EQ(r.meta.tombstones, 2u);
  EXPECT_EQ(r.meta.bytes, image.size());
  EXPECT_EQ(r.orders_dropped, 0u);
  EXPECT_EQ(r.writer.rfind("orderwatch ", 0), 0u);

  EXPECT_EQ(loaded.tracked(), tracker_.tracked());
  for (std::string id : {"o-placed-old", "o-placed-new", "o-auth-200s", "o-ship", "o-same-time-a",
                         "an-order-id-longer-than-twenty-three-bytes", "bulk-0", "bulk-299"}) {
    const auto a = tracker_.find(id);
    const auto b = loaded.find(id);
    ASSERT_TRUE(a && b) << id;
    EXPECT_EQ(a->status, b->status) << id;
    EXPECT_EQ(a->entered_ms, b->entered_ms) << id;
    EXPECT_EQ(a->first_seen_ms, b->first_seen_ms) << id;
    EXPECT_EQ(a->dims, b->dims) << id;
    EXPECT_EQ(a->tiers_crossed, b->tiers_crossed) << id;
  }
  EXPECT_EQ(loaded.find("o-auth-200s")->first_seen_ms, T0 - 400 * kS);
  EXPECT_EQ(loaded.find("o-placed-old")->dims, (std::vector<std::string>{"eu", "web"}));
  EXPECT_EQ(loaded.find("an-order-id-longer-than-twenty-three-bytes")->dims,
            (std::vector<std::string>{"other", "unknown"}));  // past the cap of 2 regions
  EXPECT_FALSE(loaded.find("o-done").has_value());

  EXPECT_EQ(gauges(loaded, config_), gauges(tracker_, config_));
  const auto a = snap(tracker_);
  const auto b = snap(loaded);
  EXPECT_EQ(b.combos, a.combos);
  EXPECT_EQ(b.oldest_entered_ms, a.oldest_entered_ms);
  EXPECT_EQ(b.tombstones, a.tombstones);
  EXPECT_EQ(b.last_event_ms, a.last_event_ms);
  // Counters restart: the stays counted as breaches before the snapshot are not counted again.
  for (const auto& tiers : b.breaches)
    for (auto v : tiers) EXPECT_EQ(v, 0u);

  // The image of the loaded state is byte-for-byte the original.
  EXPECT_EQ(sealed_image(loaded, 42, T0 + 7), image);

  // Tombstones still answer: a late event for a finished order does not re-create it.
  EXPECT_EQ(loaded.apply(event("o-done", Delivered, T0 - 5 * kS), T0 + kS),
            ApplyResult::kDuplicate);
  EXPECT_EQ(loaded.apply(event("o-done", Shipped, T0 - 6 * kS), T0 + kS), ApplyResult::kStale);
  EXPECT_EQ(loaded.apply(event("o-cancel-first-sight", Cancelled, T0), T0 + kS),
            ApplyResult::kDuplicate);
  // ... until they expire (ttl 60s from when they were written).
  loaded.tick(T0 + 61 * kS);
  EXPECT_EQ(snap(loaded).tombstones, 0u);
}

TEST_F(SnapshotTest, CrossingsWhileDownAreCountedOnTheFirstTickAfterLoad) {
  tracker_.apply(event("o1", Placed, T0), T0);
  tracker_.apply(event("o2", Placed, T0 - 20 * kS), T0);
  tracker_.tick(T0 + 5 * kS);  // o2 is past 10s, o1 is not yet
  OrderTracker loaded(config_);
  loaded.load_state(sealed_image(tracker_), "t");
  EXPECT_EQ(gauges(loaded, config_)["overdue Placed/unknown/unknown warning"], 1);
  EXPECT_EQ(snap(loaded).breaches[Placed][0], 0u);
  loaded.tick(T0 + 60 * kS);  // "down" for a minute: o1 crossed meanwhile
  EXPECT_EQ(gauges(loaded, config_)["overdue Placed/unknown/unknown warning"], 2);
  EXPECT_EQ(snap(loaded).breaches[Placed][0], 1u);
  // Leaving after the stay: the duration is the true one, from event times.
  loaded.apply(event("o1", Authorized, T0 + 90 * kS), T0 + 100 * kS);
  const auto s = snap(loaded);
  double sum = 0;
  for (const auto& v : s.series)
    if (v.status == Placed) sum += v.duration.sum_seconds;
  EXPECT_DOUBLE_EQ(sum, 90.0);
}

TEST_F(SnapshotTest, EmptyTrackerRoundTrips) {
  OrderTracker loaded(config_);
  const auto r = loaded.load_state(sealed_image(tracker_), "t");
  EXPECT_EQ(r.meta.orders, 0u);
  EXPECT_EQ(gauges(loaded, config_), gauges(tracker_, config_));
}

TEST_F(SnapshotTest, LoadNeedsANewTracker) {
  populate();
  const std::string image = sealed_image(tracker_);
  EXPECT_THROW(tracker_.load_state(image, "t"), std::logic_error);
}

// Every way a file can be refused names the file and the problem, and loads nothing.
TEST_F(SnapshotTest, CorruptImagesAreRefusedWithAClearMessage) {
  populate();
  const std::string good = sealed_image(tracker_);
  auto refused = [&](const std::string& image, const std::string& expected) {
    OrderTracker t(config_);
    try {
      t.load_state(image, "/var/lib/ow.snap");
      ADD_FAILURE() << "accepted; expected: " << expected;
    } catch (const SnapshotError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("/var/lib/ow.snap: ", 0), 0u) << what;
      EXPECT_NE(what.find(expected), std::string::npos) << what;
    }
  };
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  refused(flipped, "checksum mismatch");
  refused(good.substr(0, good.size() - 10), "truncated snapshot");
  refused(good.substr(0, 12), "truncated snapshot");
  refused("", "truncated snapshot");
  refused(good + "xx", "trailing garbage");
  std::string magic = good;
  magic[0] = 'X';
  refused(magic, "bad magic");
  refused("{\"orders\": []}", "bad magic");
  std::string version = good;
  version[8] = 7;
  refused(version, "unknown snapshot format version 7 (this orderwatch reads versions 1 to 6)");
  version[8] = 0;
  refused(version, "unknown snapshot format version 0");
  std::string flags = good;
  flags[12] = 1;
  refused(flags, "unknown snapshot flags");
  std::string length = good;
  length[16] ^= 1;
  refused(length, "bytes");

  // Structural damage behind a valid checksum (a writer bug, a crafted file).
  refused(reseal(good.substr(0, good.size() - 20) + good.substr(good.size() - 4)),
          "corrupt snapshot");
  std::string extra = good;
  extra.insert(extra.size() - kSnapshotTrailerBytes, "\x01");
  refused(reseal(extra), "unexpected bytes");
}

// Any single-byte change behind a valid checksum either loads or is refused with
// SnapshotError; it never crashes or reads out of bounds (run under ASan in CI).
TEST_F(SnapshotTest, ResealedMutationsNeverCrash) {
  populate();
  const std::string good = sealed_image(tracker_);
  std::mt19937_64 rng(11);
  int refused = 0;
  for (std::size_t pos = kSnapshotHeaderBytes; pos < good.size() - kSnapshotTrailerBytes; ++pos) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ static_cast<char>(1 + rng() % 255));
    OrderTracker t(config_);
    try {
      t.load_state(reseal(bad), "m");
    } catch (const SnapshotError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

TEST_F(SnapshotTest, ServiceWritesAtomicallyAndRefusesWithoutChangingAnything) {
  char dir_template[] = "/tmp/ow-snapshot-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/state.snap";
  std::int64_t now = T0;
  TrackerService a(config_, [&] { return now; });
  a.apply(event("o1", Placed, T0 - 30 * kS, "eu"), T0, 17);
  a.apply(event("o2", Authorized, T0 - 30 * kS), T0, 18);
  EXPECT_EQ(a.stream_seq(), 18u);
  a.apply(event("o3", Authorized, T0 - 30 * kS), T0, std::nullopt);  // no sequence: keeps 18
  EXPECT_EQ(a.stream_seq(), 18u);
  SaveTimings timings;
  const SnapshotMeta meta = a.save_snapshot(path, &timings);
  EXPECT_EQ(meta.orders, 3u);
  EXPECT_EQ(meta.stream_seq, 18u);
  EXPECT_EQ(a.stats().snapshot_bytes.load(), meta.bytes);
  EXPECT_EQ(a.stats().snapshot_success_ms.load(), T0);
  EXPECT_LE(timings.lock_hold_us, timings.total_us);
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);  // renamed away

  TrackerService b(config_, [&] { return now; });
  const RestoreReport r = b.load_snapshot(path);
  EXPECT_EQ(r.meta.orders, 3u);
  EXPECT_EQ(r.meta.bytes, meta.bytes);
  EXPECT_EQ(b.stream_seq(), 18u);
  EXPECT_EQ(b.tracked(), 3u);

  // A damaged file: refused, the running state and the file stay as they were.
  std::string image = read_snapshot_file(path);
  image[image.size() / 2] ^= 1;
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << image; }
  TrackerService c(config_, [&] { return now; });
  c.apply(event("x", Placed, T0), T0, 5);
  EXPECT_THROW(c.load_snapshot(path), SnapshotError);
  EXPECT_EQ(c.tracked(), 1u);
  EXPECT_EQ(c.stream_seq(), 5u);
  EXPECT_EQ(read_snapshot_file(path), image);
  EXPECT_THROW(c.load_snapshot(dir + "/missing.snap"), SnapshotError);

  // Unwritable target: the error names it and is counted; nothing is left behind.
  EXPECT_THROW(a.save_snapshot(dir + "/no/such/dir/state.snap"), std::runtime_error);
  EXPECT_EQ(a.stats().snapshot_failures.load(), 1u);

  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

const char* kEditedConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: data.channel, label: channel, max_values: 1}, {field: tenant, max_values: 3}]
statuses:
  - {name: Authorized, sla: 30s, escalations: [{after: 250s, severity: page}]}
  - {name: Placed, sla: 20s}
  - {name: Packed, sla: 1h}
  - {name: Delivered, terminal: true}
  - {name: Shipped, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

// A snapshot taken under one SLA file loads under an edited one: statuses by name (reordered,
// removed, added, made terminal), dimensions by field (dropped, added, cap lowered), overdue
// counts from the new thresholds.
TEST_F(SnapshotTest, LoadsUnderAnEditedConfigByName) {
  // Arrived a millisecond before the tick: the source is idle by then (idle_timeout 1ms).
  tracker_.apply(event("p-old", Placed, T0 - 30 * kS, "eu", "web"), T0 - 1);
  tracker_.apply(event("p-new", Placed, T0 - 15 * kS, "eu", "app"), T0 - 1);
  tracker_.apply(event("a-200", Authorized, T0 - 200 * kS, "us", "web"), T0 - 1);
  tracker_.apply(event("a-260", Authorized, T0 - 260 * kS, "us", "app"), T0 - 1);
  tracker_.apply(event("s-1", Shipped, T0 - 10 * kS), T0 - 1);
  tracker_.apply(event("c-1", Cancelled, T0 - 10 * kS), T0 - 1);  // tombstone in a removed status
  tracker_.apply(event("d-1", Delivered, T0 - 10 * kS), T0 - 1);  // tombstone kept
  tracker_.tick(T0);

  const auto edited = sla::load_string(kEditedConfig);
  OrderTracker loaded(edited);
  const RestoreReport r = loaded.load_state(sealed_image(tracker_), "t");
  EXPECT_EQ(r.orders_dropped, 1u);      // s-1: Shipped is terminal now
  EXPECT_EQ(r.tombstones_dropped, 1u);  // Cancelled is gone
  EXPECT_EQ(r.dimensions_dropped, 1u);  // region
  EXPECT_EQ(r.dropped_statuses, "Shipped,Cancelled");
  EXPECT_EQ(r.meta.orders, 4u);
  EXPECT_EQ(loaded.tracked(), 4u);

  auto g = gauges(loaded, edited);
  // Channel cap is 1 now: the first value interned ("web") stays, "app" becomes "other";
  // tenant is new: "unknown".
  EXPECT_EQ(g["in Placed/web/unknown"], 1);
  EXPECT_EQ(g["in Placed/other/unknown"], 1);
  EXPECT_EQ(g["in Authorized/web/unknown"], 1);
  EXPECT_EQ(g["in Authorized/other/unknown"], 1);
  EXPECT_EQ(g["in Packed/unknown/unknown"], 0);  // a new status is there, with 0
  // New thresholds at the writer's last tick (T0): Placed 20s, Authorized 30s / 250s.
  EXPECT_EQ(g["overdue Placed/web/unknown warning"], 1);    // 30s
  EXPECT_EQ(g["overdue Placed/other/unknown warning"], 0);  // 15s
  EXPECT_EQ(g["overdue Authorized/web/unknown warning"], 1);
  EXPECT_EQ(g["overdue Authorized/web/unknown page"], 0);    // 200s < 250s
  EXPECT_EQ(g["overdue Authorized/other/unknown page"], 1);  // 260s
  EXPECT_EQ(loaded.find("a-200")->dims, (std::vector<std::string>{"web", "unknown"}));
  // Breaches: a tier the old thresholds had already put an order past is not new (Placed
  // warning for p-old, Authorized warning for both, page for a-260 at 120s); none is new here.
  const auto s = snap(loaded);
  EXPECT_EQ(s.breaches[1][0], 0u);
  EXPECT_EQ(s.breaches[0][0], 0u);
  EXPECT_EQ(s.breaches[0][1], 0u);
  // The kept tombstone maps to the new index of Delivered.
  EXPECT_EQ(loaded.apply(event("d-1", Delivered, T0), T0), ApplyResult::kDuplicate);
  EXPECT_EQ(loaded.apply(event("c-1", Placed, T0), T0), ApplyResult::kApplied);
}

TEST_F(SnapshotTest, ANewlyCrossedTierCountsOneBreach) {
  tracker_.apply(event("o1", Placed, T0 - 15 * kS), T0 - 1);
  tracker_.tick(T0);  // idle (1ms); 15s in Placed: past the 10s SLA
  const auto lower = sla::load_string(std::string(kConfig).replace(
      std::string(kConfig).find("{name: Shipped, sla: 1h}"), 24, "{name: Shipped, sla: 5s}"));
  tracker_.apply(event("o2", Shipped, T0 - 7 * kS), T0 - 1);
  tracker_.tick(T0);
  OrderTracker loaded(lower);
  loaded.load_state(sealed_image(tracker_), "t");
  const auto s = snap(loaded);
  EXPECT_EQ(s.breaches[Placed][0], 0u);   // counted before
  EXPECT_EQ(s.breaches[Shipped][0], 1u);  // 7s > the new 5s: a breach the old SLA never saw
  loaded.tick(T0 + kS);
  EXPECT_EQ(snap(loaded).breaches[Shipped][0], 1u);  // and only once
}

TEST_F(SnapshotTest, ReloadAppliesNewSlasAtOnceAndCarriesCounters) {
  std::int64_t now = T0;
  TrackerService service(config_, [&] { return now; });
  const auto gen1 = service.config_view().generation;
  service.apply(event("o1", Placed, T0 - 100 * kS, "eu"), T0);
  service.apply(event("o1", Authorized, T0 - 90 * kS, "eu"), T0);  // 10s in Placed
  service.apply(event("o2", Authorized, T0 - 130 * kS, "eu"), T0);
  service.apply(event("o3", Placed, T0 - 5 * kS, "us"), T0, 9);
  service.apply(event("o3", Placed, T0 - 5 * kS, "us"), T0);  // duplicate
  service.reject(RejectReason::kMalformed, T0);
  // o1 and o2 arrived already past tiers: their breaches count once a caught-up tick a grace
  // second later still finds them there.
  now = T0 + kS;
  TrackerSnapshot before;
  service.snapshot(before);
  EXPECT_EQ(before.breaches[Authorized][1], 1u);  // o2 past 120s (page)

  // Authorized: 60s/120s/300s -> 100s warning, 125s page (critical removed); Placed: 10s -> 3s;
  // a new status Packed; histogram bounds change (so durations restart).
  std::string text = kConfig;
  text.replace(text.find("sla: 60s"), 8, "sla: 100s");
  text.replace(text.find("after: 120s"), 11, "after: 125s");
  text.replace(text.find("      - {after: 300s, severity: critical}\n"), 42, "");
  text.replace(text.find("{name: Placed, sla: 10s}"), 24, "{name: Placed, sla: 3s}");
  text.replace(text.find("  - {name: Shipped"), 0, "  - {name: Packed, sla: 2h}\n");
  const auto next = sla::load_string(text);
  const RestoreReport r = service.reload(next);
  EXPECT_EQ(r.meta.orders, 3u);
  EXPECT_EQ(service.config()->statuses.size(), 6u);
  EXPECT_NE(service.config_view().generation, gen1);
  EXPECT_EQ(service.stream_seq(), 9u);

  TrackerSnapshot after;
  const auto cfg = service.snapshot(after);
  const int placed = cfg->status_index("Placed");
  const int authorized = cfg->status_index("Authorized");
  const int packed = cfg->status_index("Packed");
  auto overdue = [&](int status, std::size_t tier) {
    std::int64_t total = 0;
    for (const auto& v : after.series)
      if (v.status == status) total += v.overdue.at(tier);
    return total;
  };
  EXPECT_EQ(overdue(placed, 0), 1);      // o3: 6s > 3s
  EXPECT_EQ(overdue(authorized, 0), 1);  // o2 131s > 100s; o1 91s is not
  EXPECT_EQ(overdue(authorized, 1), 1);  // o2 131s > 125s
  EXPECT_EQ(overdue(packed, 0), 0);
  // Counters by name: events, rejects, transitions, breaches of tiers that still exist (+1 for
  // Placed: o3 is newly past the lowered SLA).
  EXPECT_EQ(after.events[static_cast<int>(ApplyResult::kApplied)], 4u);
  EXPECT_EQ(after.events[static_cast<int>(ApplyResult::kDuplicate)], 1u);
  EXPECT_EQ(after.rejected[static_cast<int>(RejectReason::kMalformed)], 1u);
  EXPECT_EQ(after.transitions[placed * cfg->statuses.size() + authorized], 1u);
  EXPECT_EQ(after.breaches[authorized][0], before.breaches[Authorized][0]);
  EXPECT_EQ(after.breaches[authorized][1], 1u);
  EXPECT_EQ(after.breaches[placed][0], before.breaches[Placed][0] + 1);
  for (const auto& v : after.series) EXPECT_EQ(v.duration.count, 0u);  // bounds changed

  // An event decoded under the old generation is refused; under the new one it applies.
  EXPECT_FALSE(service.apply(event("o4", 0, T0), T0, std::nullopt, gen1).has_value());
  EXPECT_FALSE(service.reject(RejectReason::kMalformed, T0, std::nullopt, gen1));
  EXPECT_TRUE(
      service.apply(event("o4", 0, T0), T0, std::nullopt, service.config_view().generation));
}

TEST_F(SnapshotTest, ReloadWithTheSameBoundsKeepsHistograms) {
  std::int64_t now = T0;
  TrackerService service(config_, [&] { return now; });
  service.apply(event("o1", Placed, T0 - 10 * kS, "eu"), T0);
  service.apply(event("o1", Authorized, T0 - 3 * kS, "eu"), T0);
  service.apply(event("o1", Delivered, T0, "eu"), T0);
  TrackerSnapshot before;
  service.snapshot(before);
  service.reload(config_);
  TrackerSnapshot after;
  service.snapshot(after);
  ASSERT_EQ(after.series.size(), before.series.size());
  for (std::size_t i = 0; i < after.series.size(); ++i) {
    EXPECT_EQ(after.series[i].duration.cumulative, before.series[i].duration.cumulative);
    EXPECT_EQ(after.series[i].duration.sum_seconds, before.series[i].duration.sum_seconds);
  }
  EXPECT_EQ(after.turnaround[Delivered].count, 1u);
  EXPECT_EQ(after.turnaround[Delivered].sum_seconds, 10.0);
}

}  // namespace
}  // namespace orderwatch::tracking
