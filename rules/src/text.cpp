// The text helpers of text.h: PromQL strings, CamelCase, exact decimals, short hashes and
// HTML escaping. Used by every renderer and by the pages serve answers.
#include "orderwatch/rules/text.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace orderwatch::rules {

std::string promql_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string short_hash(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return hex;
}

std::string camel_case(std::string_view text) {
  std::string out;
  bool upper_next = true;
  for (char c : text) {
    if (c == '-' || c == '_' || c == '.' || c == ' ') {
      upper_next = true;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += upper_next ? static_cast<char>(std::toupper(byte)) : c;
    upper_next = false;
  }
  return out;
}

std::string decimal_text(std::int64_t value, int scale) {
  std::string sign;
  if (value < 0) {
    sign = "-";
    value = -value;
  }
  std::string digits = std::to_string(value);
  if (scale <= 0) return sign + digits + std::string(static_cast<std::size_t>(-scale), '0');
  const auto width = static_cast<std::size_t>(scale);
  if (digits.size() <= width) digits.insert(0, width + 1 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - width);
  std::string fraction = digits.substr(digits.size() - width);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return sign + whole + (fraction.empty() ? "" : "." + fraction);
}

std::string shortest_double(double value) {
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (error != std::errc()) throw std::runtime_error("cannot format a number");
  return std::string(buffer, end);
}

std::string error_budget_text(double objective_percent) {
  // The config's objective is the double nearest to what the user wrote, so its shortest
  // decimal is what they wrote; do the subtraction on those decimal digits.
  const std::string text = shortest_double(objective_percent);
  const auto dot = text.find('.');
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const std::string digits = text.substr(0, dot) + fraction;
  const int scale = static_cast<int>(fraction.size());
  std::int64_t hundred = 100;
  for (int i = 0; i < scale; ++i) hundred *= 10;
  return decimal_text(hundred - std::stoll(digits), scale + 2);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace orderwatch::rules
