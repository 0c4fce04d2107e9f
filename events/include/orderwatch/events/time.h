// Event time in one place: parsing what producers send (RFC 3339, epoch seconds or
// milliseconds) and formatting Unix milliseconds as RFC 3339 for logs, the API and the load
// generator. Pure arithmetic (no mktime/timegm/gmtime), so nothing depends on TZ or locale.
// Thread-safe; no allocation except where a std::string is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderwatch::events {

// The last instant an event time may name: 9999-12-31T23:59:59.999Z (times before the Unix
// epoch are rejected as well).
inline constexpr std::int64_t kMaxEventTimeMs = 253402300799999;

// Parses an event time: RFC 3339 ("2024-05-01T12:00:00.123+02:00", "...Z"), or epoch seconds
// / milliseconds given as a number or numeric string (values >= 1e11 are milliseconds).
// Returns Unix ms, or nullopt when unparsable or outside [1970, 9999].
//
// RFC 3339 details: 'T', 't' or a space between date and time; 'Z', 'z' or +hh:mm / -hh:mm
// (an offset is required: local time would depend on the host's zone); fractions of any
// length, truncated to ms; second 60 (a leap second) counts as the next minute's first second.
// Numeric strings: digits with an optional fraction ("1714564800.25"), no sign or exponent,
// converted exactly (fraction truncated to ms).
std::optional<std::int64_t> parse_time_text(std::string_view text);
// Epoch seconds or milliseconds (>= 1e11) from a JSON number, rounded to the nearest ms.
std::optional<std::int64_t> epoch_number_to_ms(double value);

// Appends `unix_ms` as RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.123Z").
void append_rfc3339_ms(std::string& out, std::int64_t unix_ms);
std::string format_rfc3339_ms(std::int64_t unix_ms);

}  // namespace orderwatch::events
