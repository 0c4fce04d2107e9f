// Scalars and documents for the renderers that write YAML (rules, rule tests, Alertmanager,
// Grafana provisioning) through yaml-cpp's Emitter, so that no renderer quotes by hand:
// Text for every string from the SLA file or carrying prose, PromQL or matchers (always
// quoted), plain std::string only for what orderwatch spells itself; never a double.
// Quoting rules: docs/design.md, "The metric contract and the renderers". Stateless; thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderwatch::rules::yaml {

struct Text {
  std::string_view value;
};
YAML::Emitter& operator<<(YAML::Emitter& out, Text text);

// A multi-line expression as a literal block (`|`), so it reads as written. The value reads
// back as the lines joined by "\n" plus a final "\n" (yaml-cpp writes clip chomping). One
// line, or lines a block cannot hold verbatim, are written as Text of the joined lines.
struct Block {
  const std::vector<std::string>& lines;
};
YAML::Emitter& operator<<(YAML::Emitter& out, Block block);

// The string a Block reads back as.
std::string block_value(const std::vector<std::string>& lines);

// `key: value` entries in order; keys are orderwatch's own names, values Text.
using Entries = std::vector<std::pair<std::string, std::string>>;
void text_map(YAML::Emitter& out, const Entries& entries);

// A comment; line breaks start a new comment line, other control characters (which would
// end the comment early or make the file unreadable) become spaces.
void comment(YAML::Emitter& out, std::string_view text);

// A comment on its own line before the next item of a block sequence. yaml-cpp puts a
// comment that follows a value at the end of that value's line, so every comment but one
// written straight after BeginSeq needs the line break first.
void comment_before_item(YAML::Emitter& out, std::string_view text, bool first_item);

// The finished document with a final newline. Throws std::logic_error when the emitter
// reports an error (an unbalanced Begin/End in a renderer).
void write(const YAML::Emitter& emitter, std::ostream& out);

}  // namespace orderwatch::rules::yaml
