# qilin_library(NAME DIR [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# One library per top-level folder; sources are every .cpp directly in DIR,
# so adding a file needs no CMake edit.
function(qilin_library name)
  cmake_parse_arguments(ARG "" "" "PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT _srcs)  # a folder with headers only so far
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC_LIBS})
    return()
  endif()
  add_library(${name} STATIC ${_srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
endfunction()

# qilin_gtest(NAME DIR LIBS ...): one GoogleTest binary from every .cpp in DIR,
# each test case registered with ctest. Tests find ../shared/data through
# QILIN_SHARED_DATA (skipped with a message when the folder is absent).
function(qilin_gtest name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT _srcs)
    return()
  endif()
  add_executable(${name} ${_srcs})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} qilin_testing GTest::gtest GTest::gtest_main)
  target_compile_options(${name} PRIVATE -Wall -Wno-unused-parameter)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE;QILIN_SOURCE_DIR=${PROJECT_SOURCE_DIR};QILIN_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
