// Secret files an SLA file names, checked where a command runs: `orderwatch check` and
// `orderwatch serve` refuse a config whose secret files do not exist or cannot be read, with
// the file:line:column of the setting, instead of failing later (serve: at connect time).
//
// Exporter secrets are what `orderwatch serve` reads itself: nats.password_file, token_file,
// credentials_file and nats.tls.{ca_file,cert_file,key_file}. Receiver secrets
// (alerting.receivers[].*_file) are read by Alertmanager, which may run on another machine.
// Relative paths are relative to the working directory, as serve opens them.
// Stateless and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "orderwatch/sla/loader.h"

namespace orderwatch::sla {

enum class SecretScope {
  kExporter,  // the files serve reads
  kAll,       // and the receivers' files
};

// Problems (one per unreadable file, in file order) for the secret files `path` names; empty
// when every one can be read. `path` must hold a config load_file accepts; a file that cannot
// be parsed gives one problem.
std::vector<Problem> check_secret_files(const std::string& path, SecretScope scope);

}  // namespace orderwatch::sla
