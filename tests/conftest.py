import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("KERNN_HYPOTHESIS_PROFILE", "ci"))

import kernn
from kernn import _core

_ORDER = ["scalar", "avx2", "avx512"]


def available_isas():
    """ISAs to test: every level the CPU has, up to KERNN_ISA when that is set."""
    best = _ORDER.index(_core.best_isa())
    cap = os.environ.get("KERNN_ISA")
    top = min(best, _ORDER.index(cap)) if cap in _ORDER else best
    return _ORDER[: top + 1] if not cap else [_ORDER[top]]


@pytest.fixture(params=available_isas())
def isa(request):
    """Run the test with kernn's kernels capped at each available ISA in turn."""
    before = _core.active_isa()
    _core.set_max_isa(request.param)
    yield request.param
    _core.set_max_isa(before)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _restore_threads():
    n = kernn.get_num_threads()
    yield
    kernn.set_num_threads(n)
