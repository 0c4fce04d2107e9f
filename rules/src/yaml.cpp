// The YAML writing every renderer shares (yaml.h): how a Text scalar is quoted so it reads
// back as the same string, comments, and the document written to a stream.
#include "orderwatch/rules/yaml.h"

#include <stdexcept>

namespace orderwatch::rules::yaml {

namespace {

enum class Quoting { kSingle, kDouble, kDoubleAscii };

bool next_are(std::string_view s, std::size_t i, unsigned char a, unsigned char b) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == a &&
         static_cast<unsigned char>(s[i + 2]) == b;
}

// Single quotes fold line breaks and cannot escape anything, and the YAML parsers of
// Prometheus and Alertmanager refuse non-printable characters anywhere unescaped. yaml-cpp's
// double quotes escape C0 controls, C1 controls (U+0080-U+00A0, which holds NEL, a YAML 1.1
// line break) and the BOM; DEL, the Unicode line and paragraph separators and the
// non-characters U+FFFE/U+FFFF it escapes only when told to escape all non-ASCII text.
Quoting quoting(std::string_view s) {
  Quoting q = Quoting::kSingle;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (c == 0x7F) return Quoting::kDoubleAscii;
    if (c == 0xE2 && (next_are(s, i, 0x80, 0xA8) || next_are(s, i, 0x80, 0xA9)))
      return Quoting::kDoubleAscii;
    if (c == 0xEF && (next_are(s, i, 0xBF, 0xBE) || next_are(s, i, 0xBF, 0xBF)))
      return Quoting::kDoubleAscii;
    if (c < 0x20 || (c == 0xC2 && next >= 0x80 && next <= 0xA0) ||
        (c == 0xEF && next_are(s, i, 0xBB, 0xBF)))
      q = Quoting::kDouble;
  }
  return q;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  return text;
}

// yaml-cpp writes a literal block without an indentation indicator and with clip chomping,
// so the first line may not start with white space nor the last be empty.
bool block_holds(const std::vector<std::string>& lines) {
  if (lines.size() < 2) return false;
  const auto& first = lines.front();
  if (first.empty() || first.front() == ' ' || lines.back().empty()) return false;
  for (const auto& line : lines) {
    if (quoting(line) != Quoting::kSingle) return false;
  }
  return true;
}

}  // namespace

YAML::Emitter& operator<<(YAML::Emitter& out, Text text) {
  const std::string value(text.value);
  switch (quoting(text.value)) {
    case Quoting::kSingle:
      return out << YAML::SingleQuoted << value;
    case Quoting::kDouble:
      return out << YAML::DoubleQuoted << value;
    case Quoting::kDoubleAscii:
      return out << YAML::EscapeNonAscii << YAML::DoubleQuoted << value;
  }
  return out;
}

YAML::Emitter& operator<<(YAML::Emitter& out, Block block) {
  if (!block_holds(block.lines)) return out << Text{joined(block.lines)};
  return out << YAML::Literal << joined(block.lines);
}

std::string block_value(const std::vector<std::string>& lines) {
  return block_holds(lines) ? joined(lines) + "\n" : joined(lines);
}

void text_map(YAML::Emitter& out, const Entries& entries) {
  out << YAML::BeginMap;
  for (const auto& [key, value] : entries) out << YAML::Key << key << YAML::Value << Text{value};
  out << YAML::EndMap;
}

void comment(YAML::Emitter& out, std::string_view text) {
  // Besides \r, YAML 1.1 parsers end a line at NEL, LS and PS as well.
  std::string clean;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85) {
      clean += ' ';
      i += 1;
    } else if (c == 0xE2 && (next_are(text, i, 0x80, 0xA8) || next_are(text, i, 0x80, 0xA9))) {
      clean += ' ';
      i += 2;
    } else {
      clean += (c < 0x20 && c != '\n') || c == 0x7F ? ' ' : text[i];
    }
  }
  out << YAML::Comment(clean);
}

void comment_before_item(YAML::Emitter& out, std::string_view text, bool first_item) {
  if (!first_item) out << YAML::Newline;
  comment(out, text);
}

void write(const YAML::Emitter& emitter, std::ostream& out) {
  if (!emitter.good()) throw std::logic_error("YAML emitter: " + emitter.GetLastError());
  out << emitter.c_str() << "\n";
}

}  // namespace orderwatch::rules::yaml
