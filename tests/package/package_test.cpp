// The Debian package as a user gets it: CPack builds orderwatch_<version>_<arch>.deb from this
// build tree, apt-get installs it on this machine (replacing an earlier install), the installed
// files are where the README says, the installed `orderwatch check` accepts the installed
// example, the installed `serve` runs with TLS and basic auth (the TLS shims found under the
// library directory; where a mount namespace can be made, with libssl-dev's links hidden) and
// is scraped over HTTPS with curl, and the package is purged. Needs root (apt-get); skipped
// otherwise (the one skip tests/skips.txt allows). ctest label `package`, run by scripts/test
// after the release tests.
#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace orderwatch::testing {
namespace {

using std::chrono::seconds;
namespace fs = std::filesystem;

const std::string kApt = "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q ";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool installed() {
  return run("dpkg-query -W -f='${Status}' orderwatch").output.find("install ok installed") !=
         std::string::npos;
}

std::string bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
  EXPECT_NE(hash, nullptr);
  return hash ? hash : "";
}

class DebianPackage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "installing a package needs root";
  }
  void TearDown() override {
    if (::geteuid() == 0 && installed()) {
      const auto r = run(kApt + "purge orderwatch");
      EXPECT_EQ(r.exit_code, 0) << r.output;
    }
  }
  TempDir dir_;
};

TEST_F(DebianPackage, InstallsChecksServesOverHttpsAndPurges) {
  // 1. The .deb, from this tree's install rules.
  const auto built = run("cd " + shell_quote(BUILD_DIR) + " && " + shell_quote(CPACK_BIN) +
                         " -G DEB -B " + shell_quote(dir_.path() + "/pkg"));
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string deb;
  for (const auto& e : fs::directory_iterator(dir_.path() + "/pkg")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("orderwatch_") && name.ends_with(".deb")) deb = e.path().string();
  }
  ASSERT_FALSE(deb.empty()) << built.output;
  const std::string arch = run("dpkg --print-architecture").output;
  EXPECT_EQ(fs::path(deb).filename().string(),
            "orderwatch_" ORDERWATCH_VERSION "_" + arch.substr(0, arch.find('\n')) + ".deb");
  const auto info = run("dpkg-deb --field " + shell_quote(deb) + " Depends");
  // Computed from the binaries by dpkg-shlibdeps, not written by hand.
  for (const char* lib : {"libnats3.4", "libyaml-cpp0.7", "libcivetweb1", "libssl3", "libc6",
                          "libdate-tz3", "libical3", "tzdata"}) {
    EXPECT_NE(info.output.find(lib), std::string::npos) << lib << " missing: " << info.output;
  }
  // The shims stand in for the -dev package's links (below, serve runs without them).
  EXPECT_EQ(info.output.find("-dev"), std::string::npos) << info.output;

  // 2. Installed (an earlier install of the same version is replaced, not kept).
  if (installed()) {
    ASSERT_EQ(run(kApt + "purge orderwatch").exit_code, 0);
  }
  const auto inst = run(kApt + "install " + shell_quote(deb));
  ASSERT_EQ(inst.exit_code, 0) << inst.output;
  ASSERT_TRUE(installed());
  // dpkg -L: one installed path per line.
  const std::string files = run("dpkg -L orderwatch").output;
  auto path_ending = [&](const std::string& suffix) {
    std::istringstream in(files);
    for (std::string line; std::getline(in, line);) {
      if (line.ends_with(suffix)) return line;
    }
    ADD_FAILURE() << "nothing installed as ..." << suffix << ":\n" << files;
    return std::string();
  };
  EXPECT_EQ(path_ending("/bin/orderwatch"), "/usr/bin/orderwatch");
  const std::string shim = path_ending("/orderwatch/liborderwatch_tls_compat.so");
  EXPECT_TRUE(shim.starts_with("/usr/lib/")) << shim;
  const std::string unit_path = path_ending("/lib/systemd/system/orderwatch.service");
  EXPECT_EQ(path_ending("/man1/orderwatch.1.gz"), "/usr/share/man/man1/orderwatch.1.gz");
  EXPECT_EQ(path_ending("/examples/sla.yaml"), "/usr/share/doc/orderwatch/examples/sla.yaml");
  const std::string unit = read_file(unit_path);
  EXPECT_NE(unit.find("ExecStart=/usr/bin/orderwatch serve"), std::string::npos) << unit;
  EXPECT_NE(unit.find("DynamicUser=yes"), std::string::npos) << unit;
  if (fs::exists("/usr/bin/systemd-analyze")) {
    const auto v = run("systemd-analyze verify " + shell_quote(unit_path));
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
  const auto man = run("gzip -dc /usr/share/man/man1/orderwatch.1.gz");
  EXPECT_NE(man.output.find(".TH ORDERWATCH 1"), std::string::npos) << man.output;
  EXPECT_NE(man.output.find("\\-\\-nats\\-url"), std::string::npos) << man.output;
  EXPECT_EQ(run("/usr/bin/orderwatch --version").output, "orderwatch " ORDERWATCH_VERSION "\n");

  // 3. The installed check on the installed example.
  const auto check =
      run("/usr/bin/orderwatch check --no-receiver-files --config "
          "/usr/share/doc/orderwatch/examples/sla.yaml");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  // From the doc directory, as the README's first steps do, its fake receiver secrets included.
  const auto from_docs =
      run("cd /usr/share/doc/orderwatch && /usr/bin/orderwatch check --config examples/sla.yaml");
  EXPECT_EQ(from_docs.exit_code, 0) << from_docs.output;

  // 4. The installed serve, TLS and basic auth, scraped over HTTPS.
  const auto cert = run(std::string(OPENSSL_BIN) +
                        " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                        "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                        shell_quote(dir_.path() + "/server.key") + " -out " +
                        shell_quote(dir_.path() + "/server.crt"));
  ASSERT_EQ(cert.exit_code, 0) << cert.output;
  const std::string web =
      dir_.write("web.yml",
                 "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                 "basic_auth_users:\n  prometheus: " +
                     bcrypt("scrape me") + "\n");
  NatsServer nats(dir_);
  const std::string log = dir_.path() + "/serve.log";
  std::vector<std::string> argv{
      "/usr/bin/orderwatch", "serve",    "--config", "/usr/share/doc/orderwatch/examples/sla.yaml",
      "--nats-url",          nats.url(), "--listen", "127.0.0.1:0",
      "--web.config.file",   web};
  // As on a machine without libssl-dev: in a mount namespace of its own, serve sees the
  // library directory without the unversioned libssl.so and libcrypto.so links.
  const bool hide_dev_links = run("unshare -m true").exit_code == 0;
  if (hide_dev_links) {
    const std::string multiarch = run("dpkg-architecture -qDEB_HOST_MULTIARCH").output;
    const std::string script = dir_.write("without-libssl-dev.sh", R"(set -e
lib=$1; t=$2; shift 2
mkdir -p "$t/orig" "$t/stage"
mount --bind "$lib" "$t/orig"
ln -s "$t"/orig/* "$t/stage/"
rm -f "$t/stage/libssl.so" "$t/stage/libcrypto.so"
mount --bind "$t/stage" "$lib"
test ! -e "$lib/libcrypto.so"
exec "$@"
)");
    argv.insert(argv.begin(),
                {"/usr/bin/unshare", "-m", "/bin/bash", script,
                 "/usr/lib/" + multiarch.substr(0, multiarch.find('\n')), dir_.path() + "/ns"});
  } else {
    std::printf("no mount namespace here: serve runs with the machine's libssl-dev links\n");
  }
  Process serve(argv, log);
  int port = 0;
  const std::string marker = "listening on https://127.0.0.1:";
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string text = read_file(log);
        const auto pos = text.find(marker);
        if (pos != std::string::npos) port = std::atoi(text.c_str() + pos + marker.size());
        return port > 0;
      },
      seconds(15)))
      << read_file(log);
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  const std::string curl = std::string(CURL_BIN) + " -sS --max-time 10 --cacert " +
                           shell_quote(dir_.path() + "/server.crt") + " -o " +
                           shell_quote(dir_.path() + "/body") + " -w '%{http_code}' ";
  EXPECT_TRUE(wait_until(
      [&] { return run(curl + "-u 'prometheus:scrape me' " + base + "/readyz").output == "200"; },
      seconds(15)))
      << read_file(log);
  const auto scrape = run(curl + "-u 'prometheus:scrape me' " + base + "/metrics");
  EXPECT_EQ(scrape.output, "200");
  const std::string body = read_file(dir_.path() + "/body");
  EXPECT_NE(body.find("order_in_status{"), std::string::npos) << body.substr(0, 400);
  EXPECT_NE(body.find("orderwatch_nats_connected 1"), std::string::npos);
  EXPECT_EQ(run(curl + base + "/metrics").output, "401");
  EXPECT_EQ(run(curl + "-u 'prometheus:wrong' " + base + "/metrics").output, "401");
  // The TLS shims came from the package, not from this build tree.
  const std::string maps = read_file("/proc/" + std::to_string(serve.pid()) + "/maps");
  EXPECT_NE(maps.find(shim), std::string::npos) << maps;
  EXPECT_NE(maps.find(shim.substr(0, shim.rfind('/')) + "/libcrypto.so"), std::string::npos)
      << maps;
  EXPECT_EQ(maps.find(BUILD_DIR), std::string::npos) << maps;
  EXPECT_EQ(serve.stop(), 0) << read_file(log);

  // 5. Removed: nothing of it is left.
  const auto purge = run(kApt + "purge orderwatch");
  EXPECT_EQ(purge.exit_code, 0) << purge.output;
  EXPECT_FALSE(installed());
  EXPECT_FALSE(fs::exists("/usr/bin/orderwatch"));
  EXPECT_FALSE(fs::exists(shim));
}

}  // namespace
}  // namespace orderwatch::testing
