#include "orderwatch/ingest/connection.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderwatch::ingest {

void check_nats(natsStatus s, const std::string& what) {
  if (s != NATS_OK) {
    throw std::runtime_error(what + ": " + natsStatus_GetText(s) + " (" +
                             nats_GetLastError(nullptr) + ")");
  }
}

std::string read_secret(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string redact_url(const std::string& url) {
  std::string out;
  std::stringstream in(url);
  std::string one;
  while (std::getline(in, one, ',')) {
    const auto at = one.find('@');
    const auto scheme = one.find("://");
    if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
      one = one.substr(0, scheme + 3) + "***@" + one.substr(at + 1);
    }
    out += (out.empty() ? "" : ",") + one;
  }
  return out;
}

NatsOptionsPtr make_nats_options(const sla::NatsConfig& n, const std::string& url) {
  natsOptions* raw = nullptr;
  check_nats(natsOptions_Create(&raw), "nats options");
  NatsOptionsPtr opts(raw);
  check_nats(natsOptions_SetServers(raw, nullptr, 0), "nats servers");
  check_nats(natsOptions_SetURL(raw, url.c_str()), "nats url " + redact_url(url));
  natsOptions_SetTimeout(raw, 2000);
  natsOptions_SetMaxReconnect(raw, -1);  // forever
  if (!n.user.empty()) {
    const std::string password =
        n.password_file.empty() ? "" : read_secret(n.password_file, "nats password");
    check_nats(natsOptions_SetUserInfo(raw, n.user.c_str(), password.c_str()), "nats user");
  }
  if (!n.token_file.empty()) {
    check_nats(natsOptions_SetToken(raw, read_secret(n.token_file, "nats token").c_str()),
               "nats token");
  }
  if (!n.credentials_file.empty()) {
    check_nats(natsOptions_SetUserCredentialsFromFiles(raw, n.credentials_file.c_str(), nullptr),
               "nats credentials " + n.credentials_file);
  }
  if (!n.tls_ca_file.empty() || !n.tls_cert_file.empty()) {
    check_nats(natsOptions_SetSecure(raw, true), "nats tls");
    if (!n.tls_ca_file.empty()) {
      check_nats(natsOptions_LoadCATrustedCertificates(raw, n.tls_ca_file.c_str()),
                 "nats tls ca " + n.tls_ca_file);
    }
    if (!n.tls_cert_file.empty()) {
      check_nats(
          natsOptions_LoadCertificatesChain(raw, n.tls_cert_file.c_str(), n.tls_key_file.c_str()),
          "nats tls cert " + n.tls_cert_file);
    }
  }
  return opts;
}

}  // namespace orderwatch::ingest
