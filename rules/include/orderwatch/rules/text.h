// Text helpers shared by the renderers (rules, alertmanager, grafana) and the pages served
// over HTTP: PromQL string literals, CamelCase names, exact decimal formatting, HTML escaping. YAML
// quoting is yaml.h's.
//
// Renderer output must be byte-stable and free of binary rounding noise, so numbers that come
// from the config are formatted from integers wherever possible. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace orderwatch::rules {

// A double-quoted label value as PromQL selectors and Alertmanager matchers both read it:
// only ", \ and the line break are escaped ("a\"b"), the escapes the two have in common.
std::string promql_string(std::string_view text);

// "checkout" -> "Checkout", "loan-origination" -> "LoanOrigination", "b2b_orders" -> "B2bOrders".
std::string camel_case(std::string_view text);

// value * 10^-scale as the shortest exact decimal: (1344, 2) -> "13.44", (500, 3) -> "0.5".
std::string decimal_text(std::int64_t value, int scale);

// Shortest text that reads back as the same double (std::to_chars), never in exponent form.
std::string shortest_double(double value);

// Exact decimal of 1 - objective/100 for an objective in percent given as the shortest
// decimal of the double (99.5 -> "0.005", 99.95 -> "0.0005"); avoids 1 - 0.995 noise.
std::string error_budget_text(double objective_percent);

// 32-bit FNV-1a of the text as 8 lowercase hex digits: the stable suffix of a generated name
// cut to a length limit (Kubernetes object names, Grafana dashboard uids).
std::string short_hash(std::string_view text);

// Text safe inside HTML element content and quoted attribute values: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace orderwatch::rules
