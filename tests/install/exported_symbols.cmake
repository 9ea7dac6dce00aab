# exported_symbols.cmake - what libmigsim.so exports: the public API (migsim_*) and nothing else,
# and its SONAME carries the major version.
#
#   cmake -DLIB=libmigsim.so -DNM=nm -DREADELF=readelf -DSONAME=libmigsim.so.0 -P exported_symbols.cmake
#
# Fails naming every exported symbol without the migsim_ prefix (the models' own functions,
# dram_*, xlat_*, ..., must stay inside the library), or when the public API itself is missing.
foreach(v LIB NM READELF SONAME)
  if(NOT ${v})
    message(FATAL_ERROR "exported_symbols: -D${v}=... is required")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exported_symbols: ${NM} -D --defined-only ${LIB} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(public 0)
set(others "")
foreach(line IN LISTS lines)
  # "ADDRESS TYPE NAME[@VERSION]"
  if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ @]+)")
    set(name "${CMAKE_MATCH_1}")
    if(name MATCHES "^migsim_")
      math(EXPR public "${public} + 1")
    else()
      list(APPEND others "${name}")
    endif()
  endif()
endforeach()
list(LENGTH others nothers)
if(nothers GREATER 0)
  list(JOIN others " " names)
  message(FATAL_ERROR "exported_symbols: ${LIB} exports ${nothers} symbols without the migsim_ "
                      "prefix (libmigsim/libmigsim.map keeps them inside): ${names}")
endif()
# the API a program of the README links (creation, run, statistics, errors, version)
foreach(sym migsim_sim_create_platform migsim_sim_run migsim_sim_stat migsim_sim_destroy
            migsim_errmsg migsim_version migsim_default_platform)
  if(NOT out MATCHES " ${sym}(@|\n)")
    message(FATAL_ERROR "exported_symbols: ${LIB} does not export ${sym}")
  endif()
endforeach()

execute_process(COMMAND ${READELF} -d ${LIB} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT dyn MATCHES "Library soname: \\[([^]]*)\\]")
  message(FATAL_ERROR "exported_symbols: ${LIB} has no SONAME")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL SONAME)
  message(FATAL_ERROR "exported_symbols: ${LIB} has SONAME ${CMAKE_MATCH_1}, expected ${SONAME}")
endif()
message(STATUS "exported_symbols: ${public} symbols, all migsim_*; SONAME ${SONAME}")
