# `cmake --install` of the library: the static libraries of the embeddable
# server (boost, core, engineio, store, socketio), the public headers
# (include/ferry), the daemon, and an exported package so that a program finds
# it with find_package(ferry) and links ferry::ferry. Checked by
# scripts/check-install.sh with the consumer project in tests/install/consumer.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ferry_library_targets ferry_boost ferry_core ferry_engineio ferry_store ferry_socketio)
foreach(target IN LISTS ferry_library_targets)
  string(REGEX REPLACE "^ferry_" "" short ${target})
  # Exported as ferry::engineio, ferry::socketio..., the names used in this tree.
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${short})
endforeach()

# (Their include directory is already set: ferry_add_library's INSTALL_INTERFACE.)
install(TARGETS ${ferry_library_targets} EXPORT ferryTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/ferry DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ferry RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(ferry_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)
install(EXPORT ferryTargets NAMESPACE ferry:: DESTINATION ${ferry_cmake_dir})
configure_package_config_file(cmake/ferryConfig.cmake.in ${PROJECT_BINARY_DIR}/ferryConfig.cmake
                              INSTALL_DESTINATION ${ferry_cmake_dir})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ferryConfig.cmake ${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake
        DESTINATION ${ferry_cmake_dir})
