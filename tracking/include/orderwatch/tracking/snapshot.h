// Snapshot files: the tracker state persisted across restarts (and the in-memory image a live
// config reload goes through). This header owns the container format, its checksum and the
// atomic write; the state encoding lives with the tracker (tracker_state.cpp, snapshot_load.cpp).
//
// Format (version 6), little-endian, everything after the fixed header varint-coded:
//   header   magic "OWSNAP\r\n" (8) | u32 version | u32 flags (0) | u64 total file length
//   meta     writer string, written_ms, stream_seq, watermark_ms (W: the deadline position,
//            never after written_ms), last_event_ms, max_event_ms (newest event time applied),
//            order count, tombstone count, id hash key (2 x u64 fixed; version 4 on)
//   tables   dimensions (field, label, values by name), combos (value index per dimension),
//            statuses (name, terminal, tiers: severity + threshold) -- the state refers to
//            statuses and dimension values only through these tables, so a snapshot taken
//            under one SLA file loads under an edited one (matched by name); version 5 on,
//            milestones (name, 1 if deadline_field): clocks are matched by name and kind
//   orders   per status, in entry-time order: entered delta, entered - first_seen, combo,
//            tiers whose breach was counted for this stay, id length + bytes; version 5 on,
//            per milestone its clock: state | has value << 2 | tiers breached << 3, then
//            (running or paused) start - first_seen, then (has value) the value
//            (tracking/src/milestones.h SavedClock)
//   tomb.    in expiry order: u64 id hash (fixed), status, expiry delta (never later than
//            written_ms + tombstone_ttl)
//   acks     (version 3) acknowledgements that still hold: id, status name, entered, at,
//            until, actor, reason -- kept on load when the order is held in that stay
//   m.acks   (version 6) milestone clock acknowledgements that still hold: id, milestone
//            name, the clock's start, at, until, actor, reason -- kept on load when the
//            order's clock of that milestone runs or is paused since that start
//   recov.   (version 6) what recovered: recorded since start, count, then oldest first: id,
//            flags (id cut | acknowledged << 1 | redriven << 2 | outcome << 3), status,
//            severity, tiers crossed, entered, overdue, left, W, to (recovered.h)
//   trend    (version 6) the trend ring: statuses by name, then the samples oldest first: time,
//            per status in flight and overdue (trend.h; the service's, empty otherwise)
//   trailer  u32 CRC32C of every byte before it
// Version 1 (orderwatch before the watermark) is still read: its last tick time becomes W and
// the newest event time, and a tier an order was past counts as breached (version 1 counted
// the breach the moment an order was past it).
// A reader refuses a bad magic, an unknown version or flag, a length or checksum mismatch and
// any structural inconsistency, naming the file and the problem; it never half-loads.
// Tombstones store the keyed id hash (id_hash.h) under the key in meta; the loading tracker
// adopts that key. Versions 1 to 3 hashed without a key: their tombstones are dropped.
// Changing the hash function needs a new format version.
//
// Free functions, stateless and thread-safe.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orderwatch::tracking {

// A snapshot that cannot be read: the message names the file and what is wrong (bad magic,
// unknown version N, checksum mismatch, truncated, ...).
struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SnapshotMeta {
  std::uint64_t stream_seq = 0;  // last stream sequence whose effects are in the snapshot
  std::int64_t written_ms = 0;   // wall clock when the state was captured
  std::uint64_t orders = 0;
  std::uint64_t tombstones = 0;
  std::uint64_t bytes = 0;  // file size
};

// What loading a snapshot into a tracker did beyond SnapshotMeta: state the current config has
// no place for is dropped and counted (never silently).
struct RestoreReport {
  SnapshotMeta meta;
  std::string writer;                    // "orderwatch 0.1.0" of the process that wrote it
  std::uint64_t orders_dropped = 0;      // their status is gone or now terminal
  std::uint64_t tombstones_dropped = 0;  // their status is gone
  std::uint64_t dimensions_dropped = 0;  // dimensions (by field) no longer configured
  std::string dropped_statuses;          // comma-separated names, for the log
};

inline constexpr std::uint32_t kSnapshotVersion = 6;        // what save_state writes
inline constexpr std::uint32_t kOldestSnapshotVersion = 1;  // the oldest one still read
inline constexpr std::size_t kSnapshotHeaderBytes = 24;
inline constexpr std::size_t kSnapshotTrailerBytes = 4;

// CRC32C (Castagnoli), hardware-accelerated with SSE4.2 when the CPU has it.
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);
// The table-driven version (what crc32c falls back to); exposed so tests compare both.
std::uint32_t crc32c_portable(std::string_view data, std::uint32_t crc = 0);

// Appends the fixed header with a zero length; seal_snapshot fills it in.
void begin_snapshot(std::string& image);
// Fills in the total length and appends the checksum trailer (outside any lock: O(bytes)).
void seal_snapshot(std::string& image);
// Checks magic, version, flags, length and checksum of a complete image; returns the body
// (between header and trailer) and, in `version`, the format version (kOldestSnapshotVersion
// .. kSnapshotVersion). `name` (the file path) prefixes every error message.
std::string_view open_snapshot(std::string_view image, const std::string& name,
                               std::uint32_t* version = nullptr);

// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename over
// `path`, fsync of the directory. On failure `path` is untouched and the temp file removed.
// Throws std::runtime_error naming the path and the system error.
void write_file_atomically(const std::string& path, std::string_view bytes);
// Reads a whole file. Throws SnapshotError (with the system error) when it cannot.
std::string read_snapshot_file(const std::string& path);

}  // namespace orderwatch::tracking
