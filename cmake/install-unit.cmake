# install-unit.cmake: at install time, the systemd user unit whose ExecStart names benchd where it is
# installed, --prefix and DESTDIR included. Set before it runs: BENCHD_UNIT_IN (the template),
# BENCHD_UNIT_OUT (where to make it), BENCHD_BINDIR and BENCHD_UNITDIR (relative to the prefix, or
# absolute).
foreach(dir BINDIR UNITDIR)
  if(IS_ABSOLUTE "${BENCHD_${dir}}")
    set(full_${dir} "${BENCHD_${dir}}")
  else()
    set(full_${dir} "${CMAKE_INSTALL_PREFIX}/${BENCHD_${dir}}")
  endif()
endforeach()
set(BENCHD_EXECUTABLE "${full_BINDIR}/benchd")
configure_file("${BENCHD_UNIT_IN}" "${BENCHD_UNIT_OUT}" @ONLY)
file(INSTALL "${BENCHD_UNIT_OUT}" DESTINATION "${full_UNITDIR}")
