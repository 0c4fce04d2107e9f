// check_secret_files: every secret file an SLA file names is opened where the command runs;
// each one that cannot be read is a problem at its setting, in file order.
#include "orderwatch/sla/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace orderwatch::sla {
namespace {

class SecretFiles : public ::testing::Test {
 protected:
  SecretFiles() {
    char tmpl[] = "/tmp/orderwatch-secrets-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~SecretFiles() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  // A valid config naming `password`, `ca` and a receiver key file.
  std::string config(const std::string& password, const std::string& ca,
                     const std::string& receiver_key) {
    return write("sla.yaml",
                 "service: shop\n"
                 "nats:\n"
                 "  subject: orders.>\n"
                 "  user: ow\n"
                 "  password_file: " +
                     password +
                     "\n"
                     "  tls: {ca_file: " +
                     ca +
                     "}\n"
                     "statuses:\n"
                     "  - {name: Placed, sla: 15m}\n"
                     "alerting:\n"
                     "  default_receiver: pd\n"
                     "  receivers:\n"
                     "    - {name: pd, type: pagerduty, routing_key_file: " +
                     receiver_key + "}\n");
  }
  std::string dir_;
};

TEST_F(SecretFiles, ReadableFilesPass) {
  const std::string path =
      config(write("pw", "secret\n"), write("ca.pem", "x"), write("pd", "key"));
  ASSERT_NO_THROW(load_file(path));
  EXPECT_TRUE(check_secret_files(path, SecretScope::kAll).empty());
  EXPECT_TRUE(check_secret_files(path, SecretScope::kExporter).empty());
}

TEST_F(SecretFiles, EachUnreadableFileIsAProblemAtItsSetting) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string path = config(dir_ + "/missing", dir_, fifo);
  const auto all = check_secret_files(path, SecretScope::kAll);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].to_string(), path + ":5:18: nats.password_file: cannot read " + dir_ +
                                    "/missing: No such file or directory");
  EXPECT_EQ(all[1].to_string(),
            path + ":6:18: nats.tls.ca_file: cannot read " + dir_ + ": is a directory");
  EXPECT_EQ(all[2].to_string(), path +
                                    ":12:53: alerting.receivers[0].routing_key_file: "
                                    "cannot read " +
                                    fifo + ": not a regular file");
  // The exporter's scope leaves the receivers' files to Alertmanager's host.
  const auto exporter = check_secret_files(path, SecretScope::kExporter);
  ASSERT_EQ(exporter.size(), 2u);
  EXPECT_EQ(exporter[1].path, "nats.tls.ca_file");
}

}  // namespace
}  // namespace orderwatch::sla
