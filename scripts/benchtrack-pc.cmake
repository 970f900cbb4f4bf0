# Installs benchtrack.pc: run at install time (install(CODE) in
# CMakeLists.txt), because `cmake --install --prefix P` chooses the prefix
# after configuring. Paths are absolute, as the system's own .pc files:
# pkg-config's PKG_CONFIG_SYSROOT_DIR relocates a staged (DESTDIR) tree.
# Inputs: CMAKE_INSTALL_PREFIX (the install prefix), BT_PC_IN (the
# template), BT_PC_LIBDIR_REL and BT_PC_INCLUDEDIR_REL (GNUInstallDirs'
# CMAKE_INSTALL_LIBDIR and _INCLUDEDIR: relative to the prefix, or
# absolute), BT_PC_VERSION, BT_PC_EXTRA_LIBS; DESTDIR from the environment.
string(REGEX REPLACE "(.)/+$" "\\1" BT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${BT_PC_${d}_REL}")
    set(BT_PC_${d} "${BT_PC_${d}_REL}")
  elseif(BT_PC_PREFIX STREQUAL "/")
    set(BT_PC_${d} "/${BT_PC_${d}_REL}")
  else()
    set(BT_PC_${d} "\${prefix}/${BT_PC_${d}_REL}")
  endif()
endforeach()
string(REPLACE "\${prefix}" "${BT_PC_PREFIX}" _bt_pc_dir "${BT_PC_LIBDIR}/pkgconfig")
set(_bt_pc "$ENV{DESTDIR}${_bt_pc_dir}/benchtrack.pc")
message(STATUS "Installing: ${_bt_pc}")
configure_file("${BT_PC_IN}" "${_bt_pc}" @ONLY)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_bt_pc_dir}/benchtrack.pc")
