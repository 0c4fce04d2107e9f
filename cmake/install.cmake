# What `cmake --install` puts where (GNUInstallDirs; the rooms install their own targets:
# cli/ the binary, web/ the TLS shim under <libdir>/orderwatch/): the systemd unit, the man
# page generated from --help, the example SLA files and the README.
find_program(GZIP_BIN gzip REQUIRED)

# orderwatch(1), from the freshly built binary's --help texts (cmake/manpage.cmake).
set(ORDERWATCH_MAN_PAGE ${CMAKE_BINARY_DIR}/man/orderwatch.1)
add_custom_command(
  OUTPUT ${ORDERWATCH_MAN_PAGE}.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
  COMMAND ${CMAKE_COMMAND} -DORDERWATCH=$<TARGET_FILE:orderwatch> -DOUT=${ORDERWATCH_MAN_PAGE}
          -P ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  COMMAND ${GZIP_BIN} -9nf ${ORDERWATCH_MAN_PAGE}
  DEPENDS orderwatch ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  COMMENT "orderwatch(1) from --help")
add_custom_target(orderwatch_man_page ALL DEPENDS ${ORDERWATCH_MAN_PAGE}.gz)
install(FILES ${ORDERWATCH_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The hardened unit names /usr/bin/orderwatch (the package's path); an install under another
# prefix gets its own path, set when the files are installed (CPack installs under /usr).
install(CODE "
  file(READ \"${CMAKE_SOURCE_DIR}/examples/systemd/orderwatch.service\" unit)
  string(REPLACE \"/usr/bin/orderwatch\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/orderwatch\"
         unit \"\${unit}\")
  file(WRITE \"${CMAKE_BINARY_DIR}/install/orderwatch.service\" \"\${unit}\")
")
install(FILES ${CMAKE_BINARY_DIR}/install/orderwatch.service DESTINATION lib/systemd/system)

install(FILES examples/sla.yaml examples/loan.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# sla.yaml's fake receiver secrets (relative paths): `orderwatch check --config
# examples/sla.yaml` passes when run from the doc directory, as from a checkout.
install(DIRECTORY examples/secrets DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES rules/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/rules)
