# Use ccache when present. The settings let it hit across clones and with the
# precompiled header (TOOLCHAIN.md: CCACHE_BASEDIR / NOHASHDIR / SLOPPINESS).
find_program(QILIN_CCACHE ccache)
if(QILIN_CCACHE)
  set(_qilin_ccache_launcher
      ${CMAKE_COMMAND} -E env
      CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}
      CCACHE_NOHASHDIR=1
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${QILIN_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${_qilin_ccache_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_qilin_ccache_launcher})
endif()
