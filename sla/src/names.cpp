// The syntax the loader accepts for service, metric, label, status and severity names, field
// paths and NATS subjects.
#include <cstddef>
#include <functional>
#include <string_view>

#include "loader_impl.h"

namespace orderwatch::sla::detail {

namespace {

bool matches(std::string_view s, const std::function<bool(char, bool)>& ok) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ok(s[i], i == 0)) return false;
  }
  return true;
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool valid_service(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return first ? (c >= 'a' && c <= 'z') : (is_lower_alnum(c) || c == '-' || c == '_');
  });
}
bool valid_metric_name(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return is_alpha(c) || c == '_' || (!first && (is_digit(c) || c == ':'));
  });
}
bool valid_label_name(std::string_view s) {
  return !s.starts_with("__") && matches(s, [](char c, bool first) {
    return is_alpha(c) || c == '_' || (!first && is_digit(c));
  });
}
bool valid_status_name(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return is_alpha(c) || (!first && (is_digit(c) || c == '_' || c == '-'));
  });
}
bool valid_severity(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (!first && (is_digit(c) || c == '_'));
  });
}
bool valid_path(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  return s.find("..") == std::string_view::npos;
}

bool valid_subject(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    auto token =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (token.empty()) return false;
    for (char c : token) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
    }
    if (token.find('>') != std::string_view::npos &&
        (token != ">" || dot != std::string_view::npos))
      return false;
    if (token.find('*') != std::string_view::npos && token != "*") return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool subject_matches(std::string_view pattern, std::string_view subject) {
  for (;;) {
    const auto pd = pattern.find('.');
    const auto sd = subject.find('.');
    const auto pt = pattern.substr(0, pd);
    const auto st = subject.substr(0, sd);
    if (pt == ">") return !st.empty();
    if (pt != "*" && pt != st) return false;
    if (pd == std::string_view::npos || sd == std::string_view::npos)
      return pd == std::string_view::npos && sd == std::string_view::npos;
    pattern.remove_prefix(pd + 1);
    subject.remove_prefix(sd + 1);
  }
}

}  // namespace orderwatch::sla::detail
