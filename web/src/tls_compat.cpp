// The libssl half of the TLS shim (SONAME "libssl.so"), loaded by HttpServer before civetweb
// starts TLS: defines SSL_get_peer_certificate, which OpenSSL 3 no longer exports and civetweb
// calls on every TLS connection; the rest of libssl comes from its dependency, libssl.so.3.
// Design (TLS with Debian's civetweb and OpenSSL 3): docs/design.md, web and serve.
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* s) {
  return SSL_get1_peer_certificate(s);
}
