// Fuzz target for the iCalendar holiday reader (a calendar's holidays_file, read with libical).
// Built like decode_fuzz (tests/fuzz/CMakeLists.txt): libFuzzer with ORDERWATCH_FUZZ=ON, else
// replay_main.cpp replays the committed corpus in every ctest run.
//
// Besides "no crash, no sanitizer report": the reader throws nothing but IcsError, and what it
// returns is sorted, unique, valid dates, at most 100000 of them.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "orderwatch/calendar/ics.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    const auto dates = orderwatch::calendar::parse_ics_holidays(input, "fuzz.ics");
    if (!std::is_sorted(dates.begin(), dates.end())) std::abort();
    if (std::adjacent_find(dates.begin(), dates.end()) != dates.end()) std::abort();
    if (dates.size() > 100'000) std::abort();
    for (const auto& d : dates) {
      if (!d.valid()) std::abort();
    }
  } catch (const orderwatch::calendar::IcsError&) {
  }
  return 0;
}
