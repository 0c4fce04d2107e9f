// Fuzz target for the web config loader (--web.config.file) and the Authorization header
// parser. Built like decode_fuzz (tests/fuzz/CMakeLists.txt): libFuzzer with ORDERWATCH_FUZZ=ON,
// else replay_main.cpp replays the committed corpus in every ctest run.
//
// Besides "no crash, no sanitizer report", it checks the loader's promises on every input: it
// throws nothing but std::runtime_error, and an accepted config has only bcrypt hashes of a
// cost the lane allows, a TLS pair whose files exist, a known minimum version. No bcrypt runs
// (that would make a cost-14 input take a second).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "orderwatch/web/web_config.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// A directory holding server.crt and server.key, so inputs naming them reach the end of the
// TLS checks (the loader only tests that they can be read).
const std::string& config_path() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / "orderwatch-web-config-fuzz";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "server.crt") << "x";
    std::ofstream(dir / "server.key") << "x";
    return (dir / "web.yml").string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  try {
    const orderwatch::web::WebConfig web =
        orderwatch::web::load_web_config_string(input, config_path());
    check(web.cert_file.empty() == web.key_file.empty());
    check(web.min_tls_version == "TLS12" || web.min_tls_version == "TLS13");
    if (web.tls()) {
      check(std::filesystem::exists(web.cert_file) && std::filesystem::exists(web.key_file));
    }
    for (const auto& [user, hash] : web.basic_auth_users) {
      check(!user.empty() && user.find(':') == std::string::npos);
      const int cost = orderwatch::web::bcrypt_cost(hash);
      check(cost >= 4 && cost <= orderwatch::web::kMaxBcryptCost);
    }
  } catch (const std::runtime_error&) {
    // A refused config: the expected outcome for most inputs.
  }
  std::string user, password;
  if (orderwatch::web::parse_basic_authorization(input, user, password)) {
    check(user.find(':') == std::string::npos);
    check(user.size() + password.size() < input.size());
  }
  return 0;
}
