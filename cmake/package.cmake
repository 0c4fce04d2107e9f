# The Debian package (CPack DEB): orderwatch_<version>_<arch>.deb installing under /usr, its
# library dependencies computed from the binaries by dpkg-shlibdeps (dpkg-dev). Built by
# scripts/package (a Release tree) or `cpack -G DEB` in any build tree (scripts/test: Release);
# tested by tests/package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME orderwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "order SLA exporter and alert generator for Prometheus")
set(CPACK_PACKAGE_DESCRIPTION
    "orderwatch watches the order-status events flowing through NATS (core or JetStream), \
tracks every in-flight order and exports how many orders sit in each status, for how long \
and how many are past each SLA tier, with a drill-down API and page that list which orders \
are stuck. From the same SLA file it generates Prometheus rules (with promtool tests), the \
Alertmanager configuration and Grafana dashboards.")
set(ORDERWATCH_PACKAGE_MAINTAINER "orderwatch maintainers <maintainers@orderwatch.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ORDERWATCH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # orderwatch_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_INSTALL_LIBDIR}/orderwatch)
# Debian's civetweb dlopens OpenSSL by the development names libssl.so and libcrypto.so; the
# two shims of web/ answer to those names, so libssl3 (found by dpkg-shlibdeps) is enough.
# Business calendars read the zone rules from the OS tzdata at run time (no library links it, so
# dpkg-shlibdeps cannot find it).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nats-server, prometheus, prometheus-alertmanager")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/cmake/debian/postinst ${CMAKE_SOURCE_DIR}/cmake/debian/prerm
    ${CMAKE_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)  # symbols (and the debug info of any non-Release tree) stay out
set(CPACK_SOURCE_IGNORE_FILES "/build" "/\\\\.git/")
include(CPack)
