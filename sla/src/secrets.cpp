// check_secret_files: re-reads the YAML for the marks of the secret settings (the Config keeps
// none) and opens each file named there.
#include "orderwatch/sla/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace orderwatch::sla {

namespace {

// "" when `file` is a regular file this process can open and read, else why not.
std::string unreadable(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  std::string why;
  char byte;
  if (::fstat(fd, &st) != 0) {
    why = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
  } else if (::read(fd, &byte, 1) < 0) {
    why = std::strerror(errno);
  }
  ::close(fd);
  return why;
}

void check(const std::string& config, const YAML::Node& node, const std::string& setting,
           std::vector<Problem>& out) {
  if (!node || !node.IsScalar() || node.Scalar().empty()) return;
  const std::string why = unreadable(node.Scalar());
  if (why.empty()) return;
  Problem p;
  p.file = config;
  p.line = node.Mark().line + 1;
  p.column = node.Mark().column + 1;
  p.path = setting;
  p.message = "cannot read " + node.Scalar() + ": " + why;
  out.push_back(std::move(p));
}

}  // namespace

std::vector<Problem> check_secret_files(const std::string& path, SecretScope scope) {
  std::vector<Problem> out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    out.push_back(Problem{path, 0, 0, "", std::string("cannot read the file: ") + e.what()});
    return out;
  }
  if (!root.IsMap()) return out;
  if (const YAML::Node nats = root["nats"]; nats && nats.IsMap()) {
    for (const char* key : {"password_file", "token_file", "credentials_file"}) {
      check(path, nats[key], std::string("nats.") + key, out);
    }
    if (const YAML::Node tls = nats["tls"]; tls && tls.IsMap()) {
      for (const char* key : {"ca_file", "cert_file", "key_file"}) {
        check(path, tls[key], std::string("nats.tls.") + key, out);
      }
    }
  }
  if (scope == SecretScope::kAll) {
    const YAML::Node alerting = root["alerting"];
    const YAML::Node receivers =
        alerting && alerting.IsMap() ? alerting["receivers"] : YAML::Node();
    if (receivers && receivers.IsSequence()) {
      for (std::size_t i = 0; i < receivers.size(); ++i) {
        if (!receivers[i].IsMap()) continue;
        for (const auto& kv : receivers[i]) {
          const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
          if (!key.ends_with("_file")) continue;
          check(path, kv.second, "alerting.receivers[" + std::to_string(i) + "]." + key, out);
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

}  // namespace orderwatch::sla
