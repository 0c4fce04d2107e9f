# Writes orderwatch(1) from the binary's own --help texts (cmake -P, at build time):
#   cmake -DORDERWATCH=path/to/orderwatch -DOUT=orderwatch.1 -P manpage.cmake
# The commands and their options come from `orderwatch --help` and `orderwatch <cmd> --help`,
# so the page never drifts from the flags; the sections around them are written here. No date
# in the header: the same binary gives the same page (reproducible packages).
foreach(var ORDERWATCH OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "manpage.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run_help out)
  execute_process(COMMAND ${ORDERWATCH} ${ARGN} OUTPUT_VARIABLE text ERROR_VARIABLE err
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: orderwatch ${ARGN} failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Text for a no-fill block: backslashes and hyphens escaped, no line starting with . or '.
function(roff_literal out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(REGEX REPLACE "\n+$" "" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

run_help(top --help)
run_help(version --version)
string(STRIP "${version}" version)
# "Subcommands:" is followed by "  name   description" lines.
string(REGEX MATCH "Subcommands:\n(.*)" subcommands "${top}")
string(REGEX MATCHALL "\n  [a-z]+" names "\n${CMAKE_MATCH_1}")
if(NOT names)
  message(FATAL_ERROR "manpage.cmake: no subcommands in `orderwatch --help`:\n${top}")
endif()
string(REGEX MATCH "^[^\n]*" summary "${top}")
string(REGEX REPLACE "^orderwatch: " "" summary "${summary}")
string(REPLACE "-" "\\-" summary "${summary}")

set(page ".TH ORDERWATCH 1 \"\" \"${version}\" \"User Commands\"
.SH NAME
orderwatch \\- ${summary}
.SH SYNOPSIS
.B orderwatch
.I command
.RI [ options ]
.br
.B orderwatch
.RB [ \\-\\-help | \\-\\-version ]
.SH DESCRIPTION
.B orderwatch
watches the order\\-status events that flow through NATS (core or JetStream), knows at every
moment how many orders sit in each status, for how long and how many are past each SLA tier,
and exports that to Prometheus, with a drill\\-down API and page that list which orders are
stuck. From the same SLA file it writes the Prometheus alert and recording rules (with their
promtool tests), the Alertmanager configuration and the Grafana dashboards.
.SH COMMANDS
")
foreach(line ${names})
  string(STRIP "${line}" name)
  run_help(help ${name} --help)
  roff_literal(help "${help}")
  string(APPEND page ".SS ${name}\n.nf\n${help}\n.fi\n")
endforeach()
string(APPEND page [=[.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 1
.B check
found problems in the SLA file,
.B generate \-\-check
found files that differ, or
.B serve
refused a snapshot or could not write the final one
.TP
.B 2
bad flags, missing files or unusable settings
.SH SIGNALS
.B serve
re\-reads the SLA file on SIGHUP (a bad file keeps the running one); on SIGTERM or SIGINT it
drains the subscription, writes the final snapshot and exits.
.SH FILES
.TP
.I /etc/orderwatch/sla.yaml
the SLA file read by the systemd unit
.I orderwatch.service
.TP
.I /var/lib/orderwatch/state.snap
the unit's snapshot of the tracked orders
.TP
.I /usr/share/doc/orderwatch/examples/
example SLA files
.SH SEE ALSO
.BR prometheus (1),
.BR promtool (1),
.BR prometheus\-alertmanager (1),
.BR amtool (1),
.BR nats\-server (8),
.BR systemd.exec (5);
the README in
.I /usr/share/doc/orderwatch/
]=])
file(WRITE "${OUT}" "${page}")
