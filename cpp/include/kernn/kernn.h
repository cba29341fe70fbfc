#pragma once
/// kernn: float32 deep-learning kernels for x86-64 CPUs (C++17, OpenMP, runtime SIMD dispatch).
/// Link the CMake target kernn::kernels (find_package(kernn)) and include this header.
#include "kernn/activation.h"
#include "kernn/conv.h"
#include "kernn/error.h"
#include "kernn/gemm.h"
#include "kernn/isa.h"
#include "kernn/loss.h"
#include "kernn/norm.h"
#include "kernn/optim.h"
#include "kernn/peak.h"
#include "kernn/pool.h"
#include "kernn/rnn.h"
#include "kernn/embedding.h"
#include "kernn/threading.h"
#include "kernn/version.h"
