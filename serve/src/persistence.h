// Snapshot files at start-up and while serving, with the log lines an operator reads.
#pragma once

#include <cstdint>
#include <string>

#include "orderwatch/tracking/service.h"

namespace orderwatch::serve {

std::int64_t steady_ms();
std::string seconds_text(std::int64_t ms);  // "1.234s"

// Loads the snapshot at startup. Returns false (after logging why) when it exists but cannot
// be used: the exporter then refuses to start and never overwrites the file.
bool load_snapshot(tracking::TrackerService& service, const std::string& path);
// Writes a snapshot and logs what it did; false (logged) on failure.
bool save_snapshot(tracking::TrackerService& service, const std::string& path, const char* why);

}  // namespace orderwatch::serve
