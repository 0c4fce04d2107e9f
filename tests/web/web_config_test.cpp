// Web config loading (every error names the file and the problem) and basic auth against
// bcrypt hashes made here with libxcrypt.
#include "orderwatch/web/web_config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace orderwatch::web {
namespace {

std::string bcrypt(const std::string& password, const char* prefix = "$2y$", int cost = 4) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt) ==
      nullptr) {
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

TEST_F(WebConfigTest, BcryptCostsAboveTheMaximumAreRefusedWithTheirLocation) {
  const std::string path = dir_ + "/web.yml";
  // A hash's cost is its 5th-6th characters; no bcrypt runs at load time, so a cost-31 hash
  // can be written by hand.
  const std::string cost31 = "$2y$31$" + std::string(53, 'a');
  EXPECT_EQ(bcrypt_cost(cost31), 31);
  EXPECT_EQ(error_of("basic_auth_users:\n  alice: " + bcrypt("x") + "\n  bob: " + cost31 + "\n"),
            path +
                ":3:8: basic_auth_users.bob: bcrypt cost 31 is above 14 (each login would hold "
                "the one bcrypt lane for seconds to days; htpasswd -B -C 10)");
  EXPECT_NE(error_of("basic_auth_users: {bob: \"$2y$15$" + std::string(53, 'a') + "\"}"), "");
  const std::string cost14 = "$2b$14$" + std::string(53, 'a');
  EXPECT_EQ(load_web_config(write("ok.yml", "basic_auth_users: {bob: \"" + cost14 + "\"}"))
                .basic_auth_users.at("bob"),
            cost14);
  // Malformed costs are not bcrypt at all.
  for (const std::string& bad : {"$2y$03$" + std::string(53, 'a'), "$2y$1x$" + std::string(53, 'a'),
                                 "$2y$32$" + std::string(53, 'a'), "$2y$10" + std::string(54, 'a'),
                                 "$2x$10$" + std::string(53, 'a')}) {
    EXPECT_EQ(bcrypt_cost(bad), -1) << bad;
    EXPECT_NE(error_of("basic_auth_users: {bob: \"" + bad + "\"}").find("expected a bcrypt hash"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(error_of("basic_auth_users: {bob: \"" + cost14 + "\", bob: \"" + cost14 + "\"}"),
            path + ":1:89" + ": basic_auth_users.bob: user given twice");
}

TEST_F(WebConfigTest, FromTextAnchorsRelativePathsAtTheGivenName) {
  write("server.crt", "x");
  write("server.key", "x");
  auto web = load_web_config_string(
      "tls_server_config: {cert_file: server.crt, key_file: server.key}", dir_ + "/web.yml");
  EXPECT_EQ(web.cert_file, dir_ + "/server.crt");
  try {
    load_web_config_string("tls_server_config: [", dir_ + "/web.yml");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir_ + "/web.yml:", 0), 0u) << e.what();
  }
  EXPECT_NE(error_of("? [a, b]\n: c\n").find("expected a string"), std::string::npos);
  EXPECT_NE(error_of("basic_auth_users: {}\nbasic_auth_users: {}\n").find("given twice"),
            std::string::npos);
  try {
    load_web_config(dir_);  // a directory is not a config file
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), dir_ + ": cannot read the web config file");
  }
}

TEST(BasicAuthHeader, SchemeIsCaseInsensitive) {
  std::string user, password;
  for (const char* scheme : {"Basic ", "basic ", "BASIC ", "bAsIc   "}) {
    EXPECT_TRUE(
        parse_basic_authorization(std::string(scheme) + "YWxpY2U6d29uZGVybGFuZA==", user, password))
        << scheme;
    EXPECT_EQ(user, "alice");
    EXPECT_EQ(password, "wonderland");
  }
  for (const char* bad :
       {"Basic", "Basic ", "Basicx YWxpY2U6d29uZGVybGFuZA==", "Bearer YWxpY2U6d29uZGVybGFuZA==",
        " Basic YWxpY2U6d29uZGVybGFuZA==", "Basic YWxpY2U="}) {
    EXPECT_FALSE(parse_basic_authorization(bad, user, password)) << bad;
  }
  BasicAuth auth({{"alice", bcrypt("wonderland")}});
  EXPECT_EQ(auth.check("basic YWxpY2U6d29uZGVybGFuZA=="), AuthResult::kOk);
  EXPECT_EQ(auth.check("BASIC YWxpY2U6d29uZGVybGFuZA=="), AuthResult::kOk);
}

TEST(BasicAuthLane, UnknownUsersPayABcryptOfTheHighestConfiguredCost) {
  const std::string low = bcrypt("a", "$2y$", 4);
  const std::string high = bcrypt("b", "$2y$", 6);
  std::vector<std::string> hashed;
  std::mutex mu;
  BasicAuth auth({{"alice", low}, {"bob", high}}, [&](std::string_view p, const std::string& h) {
    std::lock_guard lock(mu);
    hashed.push_back(h);
    return bcrypt_verify(p, h);
  });
  EXPECT_EQ(bcrypt_cost(auth.dummy_hash()), 6);
  EXPECT_EQ(auth.check(basic("mallory:a").c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.check(basic("alice:wrong").c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.check(basic("bob:b").c_str()), AuthResult::kOk);
  ASSERT_EQ(hashed.size(), 3u);
  EXPECT_EQ(hashed[0], auth.dummy_hash());  // the unknown user costs a real bcrypt too
  EXPECT_EQ(hashed[1], low);
  EXPECT_EQ(hashed[2], high);
  // The dummy is a real bcrypt setting that matches nothing.
  EXPECT_FALSE(bcrypt_verify("a", auth.dummy_hash()));
  EXPECT_FALSE(bcrypt_verify("", auth.dummy_hash()));
  EXPECT_EQ(bcrypt_cost(BasicAuth({{"c", "$2y$14$" + std::string(53, 'a')}}).dummy_hash()), 14);
}

TEST(BasicAuthLane, CachedCredentialsPassWhileTheLaneIsFullAndExtrasAreBusyAtOnce) {
  const std::string hash = bcrypt("right");
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false, release = false;
  int inside = 0;
  BasicAuth auth({{"alice", hash}}, [&](std::string_view p, const std::string& h) {
    std::unique_lock lock(mu);
    ++inside;
    cv.notify_all();
    cv.wait(lock, [&] { return !hold || release; });
    return bcrypt_verify(p, h);
  });
  ASSERT_EQ(auth.check(basic("alice:right").c_str()), AuthResult::kOk);  // now cached
  {
    std::lock_guard lock(mu);
    hold = true;
    inside = 0;
  }
  // One check holds the bcrypt turn, a second waits for it: the lane is full.
  auto first =
      std::async(std::launch::async, [&] { return auth.check(basic("alice:w1").c_str()); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return inside == 1; });
  }
  auto second =
      std::async(std::launch::async, [&] { return auth.check(basic("alice:w2").c_str()); });
  while (auth.admitted() < kMaxBcryptQueue) std::this_thread::yield();
  // Further uncached checks are refused without waiting; the cached one never queues.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(auth.check(basic("alice:w" + std::to_string(3 + i)).c_str()), AuthResult::kBusy);
    EXPECT_EQ(auth.check(basic("mallory:x").c_str()), AuthResult::kBusy);
    EXPECT_EQ(auth.check(basic("alice:right").c_str()), AuthResult::kOk);
  }
  EXPECT_EQ(auth.admitted(), kMaxBcryptQueue);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(first.get(), AuthResult::kDenied);
  const AuthResult r2 = second.get();  // denied, or busy if its 1 s turn passed first
  EXPECT_TRUE(r2 == AuthResult::kDenied || r2 == AuthResult::kBusy);
  EXPECT_EQ(auth.admitted(), 0);
  EXPECT_EQ(auth.check(basic("alice:w99").c_str()), AuthResult::kDenied);
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
  EXPECT_EQ(auth.check("basic"), AuthResult::kDenied);
  EXPECT_EQ(auth.check("Basic !!!!"), AuthResult::kDenied);
  EXPECT_EQ(auth.check("Basic YWxpY2U6d29uZGVybGFuZA"), AuthResult::kDenied);  // no padding
  EXPECT_EQ(auth.check(("Basic " + std::string(10000, 'A')).c_str()), AuthResult::kDenied);
}

}  // namespace
}  // namespace orderwatch::web
