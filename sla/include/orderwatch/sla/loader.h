// Loading and validating the SLA config file.
//
// load_file/load_string parse YAML with yaml-cpp, check every rule, and either return a
// valid Config or throw ConfigError carrying *every* problem found, each with the file,
// line and column of the offending node (yaml-cpp's Mark) and a path like statuses[1].sla.
// Stateless and thread-safe.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

struct Problem {
  std::string file;  // as given to load_file; "<string>" for load_string
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string path;  // e.g. "statuses[1].escalations[0].after"; "" for the document
  std::string message;

  // "sla.yaml:12:5: statuses[1].sla: \"1hr\" is not a duration"
  std::string to_string() const;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

// Throws ConfigError (never anything else) when the file is missing, unreadable or invalid.
Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& name = "<string>");

// One-line summary for `orderwatch check`: "checkout: 5 statuses (2 terminal), 6 tiers, ..."
std::string summary(const Config& config);

}  // namespace orderwatch::sla
