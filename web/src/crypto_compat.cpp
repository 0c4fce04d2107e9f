// The libcrypto half of the TLS shim: a library with SONAME "libcrypto.so" that depends on the
// real libcrypto.so.3, loaded with liborderwatch_tls_compat.so (tls_compat.cpp, RUNPATH
// $ORIGIN) so civetweb's dlopen("libcrypto.so") needs no -dev package.
// Design (TLS with Debian's civetweb and OpenSSL 3): docs/design.md, web and serve.
extern "C" __attribute__((visibility("default"))) int orderwatch_crypto_compat() { return 1; }
