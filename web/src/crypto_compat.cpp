// The second half of the TLS compatibility shim (see tls_compat.cpp): a library whose SONAME is
// "libcrypto.so" and which depends on the real libcrypto.so.3. Debian's civetweb dlopens
// OpenSSL by its unversioned development names, "libssl.so" and "libcrypto.so", which only
// libssl-dev installs. liborderwatch_tls_compat.so (SONAME "libssl.so") depends on this file,
// found next to it (RUNPATH $ORIGIN), so loading the shim loads both: civetweb's two dlopen
// calls then return them, and dlsym finds every OpenSSL function in their dependencies, the
// real libssl.so.3 and libcrypto.so.3. The TLS endpoints need no -dev package at run time.
extern "C" __attribute__((visibility("default"))) int orderwatch_crypto_compat() { return 1; }
