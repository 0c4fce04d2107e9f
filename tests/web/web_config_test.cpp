// Web config loading (every error names the file and the problem) and basic auth against
// bcrypt hashes made here with libxcrypt.
#include "orderwatch/web/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

namespace orderwatch::web {
namespace {

std::string bcrypt(const std::string& password, const char* prefix = "$2y$") {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof salt) == nullptr) {
    throw std::runtime_error("crypt_gensalt_rn failed");
  }
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
  if (hash == nullptr) throw std::runtime_error("crypt_rn failed");
  return hash;
}

std::string basic(const std::string& user_colon_password) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  const auto& in = user_colon_password;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return "Basic " + out;
}

class WebConfigTest : public ::testing::Test {
 protected:
  WebConfigTest() {
    char tmpl[] = "/tmp/orderwatch-webcfg-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~WebConfigTest() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string error_of(const std::string& yaml) {
    try {
      load_web_config(write("web.yml", yaml));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  std::string dir_;
};

TEST_F(WebConfigTest, LoadsTlsAndUsersWithPathsRelativeToTheFile) {
  write("server.crt", "x");
  write("server.key", "x");
  const std::string hash = bcrypt("secret");
  auto web = load_web_config(write("web.yml",
                                   "tls_server_config:\n  cert_file: server.crt\n"
                                   "  key_file: " +
                                       dir_ +
                                       "/server.key\n"
                                       "  min_version: TLS13\n"
                                       "basic_auth_users:\n  alice: " +
                                       hash + "\n"));
  EXPECT_TRUE(web.tls());
  EXPECT_EQ(web.cert_file, dir_ + "/server.crt");
  EXPECT_EQ(web.key_file, dir_ + "/server.key");
  EXPECT_EQ(web.min_tls_version, "TLS13");
  EXPECT_EQ(web.basic_auth_users.at("alice"), hash);
  EXPECT_FALSE(load_web_config(write("empty.yml", "")).tls());
  EXPECT_TRUE(load_web_config(write("users.yml", "basic_auth_users:\n  bob: " + hash + "\n"))
                  .basic_auth_users.count("bob"));
}

TEST_F(WebConfigTest, ErrorsNameTheFileAndTheProblem) {
  write("server.crt", "x");
  const std::string path = dir_ + "/web.yml";
  EXPECT_EQ(error_of("tls_server_config: {cert_file: server.crt}"),
            path + ":1:20: tls_server_config: needs both cert_file and key_file");
  EXPECT_EQ(error_of("tls_server_config: {cert_file: server.crt, key_file: nope.key}"),
            path + ":1:20: " + dir_ + "/nope.key: cannot read the file");
  EXPECT_EQ(error_of("tls_server_config:\n  cert_file: server.crt\n  client_ca_file: ca.crt\n"),
            path +
                ":3:3: tls_server_config.client_ca_file: not supported by orderwatch "
                "(supported: cert_file, key_file, min_version)");
  EXPECT_EQ(error_of("tls_server_config: {min_version: TLS10}"),
            path + ":1:34: tls_server_config.min_version: must be TLS12 or TLS13");
  EXPECT_EQ(error_of("http_server_config: {http2: true}"),
            path +
                ":1:1: http_server_config: not supported by orderwatch (supported: "
                "tls_server_config, basic_auth_users)");
  EXPECT_EQ(error_of("basic_auth_users: {alice: plaintext}"),
            path +
                ":1:27: basic_auth_users.alice: expected a bcrypt hash ($2y$..., e.g. from "
                "`htpasswd -nbB user pass`)");
  EXPECT_EQ(error_of("basic_auth_users: [alice]"),
            path + ":1:19: basic_auth_users: expected a mapping of user: bcrypt-hash");
  EXPECT_NE(error_of("basic_auth_users: {alice: [unclosed"), "");
  EXPECT_EQ(error_of("- a list"), path + ":1:1: expected a mapping");
  try {
    load_web_config(dir_ + "/missing.yml");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), dir_ + "/missing.yml: cannot read the web config file");
  }
}

TEST(BcryptVerify, AcceptsTheRightPasswordOnly) {
  for (const char* prefix : {"$2y$", "$2b$"}) {
    const std::string hash = bcrypt("s3cret pass", prefix);
    EXPECT_TRUE(bcrypt_verify("s3cret pass", hash)) << prefix;
    EXPECT_FALSE(bcrypt_verify("s3cret pas", hash)) << prefix;
    EXPECT_FALSE(bcrypt_verify("", hash)) << prefix;
    EXPECT_FALSE(bcrypt_verify(std::string("s3cret pass\0x", 13), hash)) << prefix;
  }
  EXPECT_FALSE(bcrypt_verify("x", "$1$notbcrypt"));
}

TEST(BasicAuth, ChecksTheAuthorizationHeader) {
  BasicAuth off({});
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.check(nullptr), AuthResult::kOk);

  BasicAuth auth({{"alice", bcrypt("wonderland")}, {"bob", bcrypt("builder:with:colons")}});
  EXPECT_TRUE(auth.enabled());
  EXPECT_EQ(auth.check(basic("alice:wonderland").c_str()), AuthResult::kOk);
  EXPECT_EQ(auth.check(basic("alice:wonderland").c_str()), AuthResult::kOk);  // cached
  EXPECT_EQ(auth.check(basic("bob:builder:with:colons").c_str()), AuthResult::kOk);
  EXPECT_EQ(auth.check(basic("alice:Wonderland").c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.check(basic("carol:wonderland").c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.check(basic("alicewonderland").c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.check(nullptr), AuthResult::kDenied);
  EXPECT_EQ(auth.check(""), AuthResult::kDenied);
  EXPECT_EQ(auth.check("Bearer abc"), AuthResult::kDenied);
  EXPECT_EQ(auth.check("Basic !!!!"), AuthResult::kDenied);
  EXPECT_EQ(auth.check("Basic YWxpY2U6d29uZGVybGFuZA"), AuthResult::kDenied);  // no padding
  EXPECT_EQ(auth.check(("Basic " + std::string(10000, 'A')).c_str()), AuthResult::kDenied);
}

}  // namespace
}  // namespace orderwatch::web
