// The NATS connection setup shared by serve and publish: server lists, redaction, and the
// rate-limited reasons of failed connection attempts (no server needed; the integration test
// tests/integration/cluster_test.cpp connects for real).
#include "orderwatch/ingest/connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::ingest {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::GetCapturedStderr;

int count(const std::string& text, const std::string& word) {
  int n = 0;
  for (auto pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) ++n;
  return n;
}

TEST(SplitUrls, CommasSpacesAndEmptyEntries) {
  EXPECT_EQ(split_urls("nats://a:4222"), std::vector<std::string>{"nats://a:4222"});
  EXPECT_EQ(split_urls(" nats://a:4222 ,nats://b:4222,, tls://c:4222 "),
            (std::vector<std::string>{"nats://a:4222", "nats://b:4222", "tls://c:4222"}));
  EXPECT_TRUE(split_urls("").empty());
  EXPECT_TRUE(split_urls(" , ,").empty());
}

TEST(RedactUrl, EveryUrlOfTheListLosesItsCredentials) {
  EXPECT_EQ(redact_url("nats://u:p@a:4222,nats://b:4222, tls://x:y@c:4222"),
            "nats://***@a:4222,nats://b:4222,tls://***@c:4222");
  // A password containing '@' is hidden whole.
  EXPECT_EQ(redact_url("nats://u:p@ss@a:4222"), "nats://***@a:4222");
  EXPECT_EQ(redact_url("nats://a:4222"), "nats://a:4222");
}

TEST(MakeNatsOptions, TakesAListAndRefusesAnEmptyOne) {
  sla::NatsConfig nats;
  EXPECT_NE(make_nats_options(nats, "nats://127.0.0.1:1,nats://127.0.0.1:2, nats://127.0.0.1:3"),
            nullptr);
  EXPECT_THROW(make_nats_options(nats, " , "), std::runtime_error);
  nats.user = "u";
  nats.password_file = "/nonexistent/orderwatch-password";
  try {
    make_nats_options(nats, "nats://127.0.0.1:1");
    ADD_FAILURE() << "an unreadable password file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/orderwatch-password"), std::string::npos);
  }
}

TEST(ExplainConnectFailure, NamesTheSettingToLookAt) {
  EXPECT_NE(explain_connect_failure("Authorization Violation").find("nats.user"),
            std::string::npos);
  EXPECT_NE(explain_connect_failure("SSL handshake error: certificate verify failed")
                .find("nats.tls.ca_file"),
            std::string::npos);
  EXPECT_NE(explain_connect_failure("SSL handshake error: 18:self-signed certificate:depth=0")
                .find("nats.tls.ca_file"),
            std::string::npos);
  EXPECT_NE(explain_connect_failure("Connection refused").find("server down"), std::string::npos);
  EXPECT_EQ(explain_connect_failure("something new"), "something new");
}

TEST(ConnectFailureLog, ANewReasonAtOnceTheSameOneRateLimited) {
  ConnectFailureLog log(10'000);
  CaptureStderr();
  log.failed(1'000, "nats://u:p@a:4222,nats://b:4222", "Connection refused");
  log.failed(2'000, "nats://a:4222", "Connection refused");        // held back
  log.failed(3'000, "nats://a:4222", "Connection refused");        // held back
  log.failed(4'000, "nats://a:4222", "Authorization Violation");   // new reason: at once
  log.failed(5'000, "nats://a:4222", "");                          // no reason: ignored
  log.failed(15'000, "nats://a:4222", "Authorization Violation");  // interval passed
  log.failed(16'000, "nats://a:4222", "Authorization Violation");  // held back
  log.connected();
  log.failed(17'000, "nats://a:4222", "Authorization Violation");  // after a connect: at once
  const std::string out = GetCapturedStderr();
  EXPECT_EQ(count(out, "cannot connect to"), 4) << out;
  EXPECT_EQ(count(out, "Connection refused"), 1) << out;
  EXPECT_EQ(count(out, "Authorization Violation"), 3) << out;
  EXPECT_EQ(count(out, "u:p@"), 0) << out;
  EXPECT_NE(out.find("nats://***@a:4222,nats://b:4222"), std::string::npos) << out;
  // The 15s line says nothing was held back since the 4s one (the reason changed at 4s).
  EXPECT_EQ(count(out, "more failed attempts"), 0) << out;
  log.failed(40'000, "nats://a:4222", "Authorization Violation");
  log.failed(41'000, "nats://a:4222", "Authorization Violation");
  CaptureStderr();
  log.failed(60'000, "nats://a:4222", "Authorization Violation");
  EXPECT_NE(GetCapturedStderr().find("(1 more failed attempts since the last line)"),
            std::string::npos);
}

// The texts are the NATS client's own (libnats 3.4 against nats-server 2.9, seen in the
// integration tests), with the status the connect call returned.
TEST(ClassifyConnectFailure, EachCauseFromTheClientsStatusAndText) {
  EXPECT_EQ(classify_connect_failure(NATS_NOT_PERMITTED, "Authorization Violation"),
            ConnectFailure::kAuth);
  EXPECT_EQ(classify_connect_failure(NATS_ERR, "User Authentication Expired"),
            ConnectFailure::kAuth);
  EXPECT_EQ(classify_connect_failure(NATS_CONNECTION_AUTH_FAILED, ""), ConnectFailure::kAuth);
  EXPECT_EQ(classify_connect_failure(NATS_SSL_ERROR,
                                     "SSL handshake error: 18:self-signed certificate:depth=0"),
            ConnectFailure::kTls);
  EXPECT_EQ(classify_connect_failure(NATS_SECURE_CONNECTION_REQUIRED, "Secure Connection Required"),
            ConnectFailure::kTls);
  EXPECT_EQ(classify_connect_failure(NATS_NO_SERVER, "No server available for connection"),
            ConnectFailure::kRefused);
  EXPECT_EQ(classify_connect_failure(NATS_TIMEOUT, "Timeout"), ConnectFailure::kTimeout);
  EXPECT_EQ(classify_connect_failure(NATS_ERR, "cannot read nats password file /x"),
            ConnectFailure::kOther);
  EXPECT_EQ(kConnectFailureNames[static_cast<std::size_t>(ConnectFailure::kRefused)], "refused");
}

TEST(Backoff, DoublesFromTheInitialWaitToTheMaximumWithJitterAndResets) {
  using std::chrono::milliseconds;
  Backoff backoff(milliseconds(1000), milliseconds(300'000));
  // No jitter drawn (random 0): the lower half of each base; the largest draw: the base.
  EXPECT_EQ(backoff.next(0), milliseconds(500));      // base 1 s
  EXPECT_EQ(backoff.next(1000), milliseconds(2000));  // base 2 s, random % 1001 = 1000
  EXPECT_EQ(backoff.next(1), milliseconds(2001));     // base 4 s
  std::vector<milliseconds> bases;
  for (int i = 0; i < 10; ++i) bases.push_back(backoff.next(UINT64_MAX));
  for (const milliseconds wait : bases) {
    EXPECT_GE(wait, milliseconds(4000));
    EXPECT_LE(wait, milliseconds(300'000));
  }
  EXPECT_EQ(backoff.next(0), milliseconds(150'000));  // capped: base 5 min
  backoff.reset();
  EXPECT_EQ(backoff.next(0), milliseconds(500));
  // A maximum below the initial wait bounds the first one too.
  Backoff quick(milliseconds(1000), milliseconds(200));
  EXPECT_EQ(quick.max(), milliseconds(1000));
}

}  // namespace
}  // namespace orderwatch::ingest

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
