# The only place that knows the per-ISA compiler flags. Micro-kernel sources get
# their ISA's flags per file; nothing is compiled with -march=native.
set(KERNN_ISA_FLAGS_scalar "")
set(KERNN_ISA_FLAGS_avx2 "-mavx2 -mfma -mf16c")
set(KERNN_ISA_FLAGS_avx512 "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c -Wno-maybe-uninitialized")

# kernn_add_isa_sources(<target> <isa> <files...>)
function(kernn_add_isa_sources target isa)
  if(NOT DEFINED KERNN_ISA_FLAGS_${isa})
    message(FATAL_ERROR "kernn_add_isa_sources: unknown isa '${isa}' (scalar, avx2, avx512)")
  endif()
  target_sources(${target} PRIVATE ${ARGN})
  if(KERNN_ISA_FLAGS_${isa})
    set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target}
      PROPERTIES COMPILE_FLAGS "${KERNN_ISA_FLAGS_${isa}}")
  endif()
endfunction()
