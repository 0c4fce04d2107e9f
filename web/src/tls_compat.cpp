// A compatibility shim loaded by HttpServer before civetweb starts TLS (see http_server.cpp).
//
// Debian's civetweb 1.15 loads OpenSSL at run time (dlopen("libssl.so") + dlsym) and calls
// SSL_get_peer_certificate on every TLS connection. OpenSSL 3 no longer exports that name (it
// became a macro for SSL_get1_peer_certificate), so civetweb calls a null pointer and the
// process dies on the first HTTPS request. This library's SONAME is "libssl.so": once it is
// loaded, civetweb's dlopen("libssl.so") gets it, and dlsym finds the missing function here
// and everything else in its dependency, the real libssl.so.3. Same semantics: both return a
// reference the caller frees (OpenSSL 1.1's function did too).
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* s) {
  return SSL_get1_peer_certificate(s);
}
