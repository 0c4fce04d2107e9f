// The artefacts of `orderwatch generate`: every file one SLA config renders to (rules and
// their promtool tests, Alertmanager config, Grafana dashboards and provisioning, or the
// prometheus-operator objects; optionally the runbooks), writing them into an output folder,
// and the drift check that compares them with a folder and writes nothing.
//
// Contract: artefacts() is pure and byte-stable (the same config and options give the same
// paths, in the same order, with the same bytes); it does no I/O. Only write_artefacts() and
// check_artefacts() touch the file system. All functions are thread-safe (no shared state);
// the cost is one rendering of each artefact, in memory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::generate {

enum class Format {
  files,                // rules/, alertmanager/, grafana/ for a plain Prometheus stack
  prometheus_operator,  // kubernetes/ objects for prometheus-operator
};

struct GenerateOptions {
  Format format = Format::files;
  std::string ns = rules::kubernetes::kDefaultNamespace;  // of the prometheus-operator objects
  bool runbooks = false;                                  // also runbooks/<alert>.md + README.md
};

// One generated file: its path relative to the output folder and its full text.
struct Artefact {
  std::filesystem::path relative_path;
  std::string text;
};

// Every artefact of the config for these options, rendered, in a fixed order.
std::vector<Artefact> artefacts(const sla::Config& config, const GenerateOptions& options);

// What write_artefacts() did: the paths written (out / relative_path), in order, and the
// first file it could not write (writing stops there).
struct WriteFailure {
  std::filesystem::path path;
  std::string reason;  // the file system's error message; empty when only the stream failed
};
struct WriteResult {
  std::vector<std::filesystem::path> written;
  std::optional<WriteFailure> failure;
};

// Writes each artefact under out, creating folders as needed and replacing existing files.
WriteResult write_artefacts(const std::filesystem::path& out, const std::vector<Artefact>& list);

// A file in the output folder that is not what the config generates.
struct Drift {
  enum class Kind { missing, differs };
  std::filesystem::path path;  // out / relative_path
  Kind kind;
};

// Compares each artefact with the file under out; returns those that are missing or differ
// (byte for byte), in the artefacts' order. Writes nothing.
std::vector<Drift> check_artefacts(const std::filesystem::path& out,
                                   const std::vector<Artefact>& list);

}  // namespace orderwatch::generate
