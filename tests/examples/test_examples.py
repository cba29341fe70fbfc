"""Every example in examples/ runs to the end in its --short mode; `python -m kernn demo --short` too.

Each example runs in a fresh interpreter (as a user would run it), with figures saved to a
temporary folder when matplotlib is installed. The module keeps to a total time budget.
"""
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kernn

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BUDGET_S = 120.0  # the whole module; each example takes a few seconds in --short mode
_spent = [0.0]

HAS_MPL = importlib.util.find_spec("matplotlib") is not None
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAS_FUNCTIONAL = (hasattr(kernn.layers, "Concatenate") and hasattr(kernn.models, "load_model")
                  and hasattr(kernn.callbacks, "EarlyStopping"))

# example -> (what its last line says, needs the functional API / saving / callbacks)
CASES = {
    "digits_mlp": (r"test accuracy: 0\.\d+", False),
    "digits_cnn": (r"test accuracy: 0\.\d+", False),
    "lstm_forecast": (r"test RMSE: \d+\.\d+", True),
    "multivariate_series": (r"parallel series\s+Dense\s+\d+\.\d+", False),
    "text_classification": (r"test accuracy: 0\.\d+", False),
    "rnn_comparison": (r"LSTM\s+\d+\s+\d+\.\d\s+0\.\d+", False),
    "dcgan_digits": (r"digit score of generated images: \d+\.\d+", True),
    "denoising_autoencoder": (r"test MSE: noisy input \d\.\d+ -> denoised \d\.\d+", True),
    "ensemble": (r"test accuracy: 0\.\d+", True),
    "save_load_continue": (r"new even/odd head on frozen features 0\.\d+", True),
}
USES_DIGITS = {"digits_mlp", "digits_cnn", "dcgan_digits", "denoising_autoencoder", "ensemble", "save_load_continue"}


def _env():
    env = dict(os.environ)
    package_parent = str(Path(kernn.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_parent] + [p for p in [env.get("PYTHONPATH")] if p])
    env["MPLBACKEND"] = "Agg"
    env["PYTHONWARNINGS"] = "error::DeprecationWarning"
    return env


def _run(args, timeout):
    left = BUDGET_S - _spent[0]
    if left <= 5:
        pytest.fail(f"tests/examples went over its {BUDGET_S:.0f} s budget before {args}")
    t0 = time.perf_counter()
    try:
        return subprocess.run([sys.executable] + args, cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=min(timeout, left))
    finally:
        _spent[0] += time.perf_counter() - t0


def test_every_example_has_a_test():
    if not EXAMPLES.is_dir():
        pytest.skip("examples/ is not next to the tests (installed package)")
    scripts = {p.stem for p in EXAMPLES.glob("*.py")}
    assert scripts == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_in_short_mode(name, tmp_path):
    script = EXAMPLES / f"{name}.py"
    if not script.exists():
        pytest.skip("examples/ is not next to the tests (installed package)")
    pattern, needs_functional = CASES[name]
    if needs_functional and not HAS_FUNCTIONAL:
        pytest.skip(f"{name} needs the functional API, saving and callbacks (Concatenate, load_model, "
                    "EarlyStopping)")
    if name in USES_DIGITS and not HAS_SKLEARN:
        pytest.skip(f"{name} needs scikit-learn for the offline digits")
    plots = tmp_path / "plots"
    proc = _run([str(script), "--short", "--plots", str(plots)], timeout=60)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert re.search(pattern, last), f"last line {last!r} does not match {pattern!r}"
    if HAS_MPL:
        pngs = sorted(plots.glob("*.png"))
        assert pngs, f"{name} --plots wrote no figure"
        for png in pngs:
            assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


@pytest.mark.skipif(not HAS_SKLEARN, reason="the demo needs scikit-learn for the offline digits")
def test_demo_short_exits_0():
    proc = _run(["-m", "kernn", "demo", "--short"], timeout=60)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "ISA:" in out and "threads:" in out
    assert re.search(r"test accuracy: 0\.\d+", out)
    assert "confusion matrix" in out
    assert re.search(r"kernn vs NumPy .*GEMM \d+\^3 \d+\.\dx .*conv2d .*sigmoid", out)
    assert "\u2501" in out or "=" in out  # the progress bar / summary were drawn


def test_info_and_bad_command():
    proc = _run(["-m", "kernn", "info"], timeout=30)
    assert proc.returncode == 0 and "ISA:" in proc.stdout and "threads:" in proc.stdout
    proc = _run(["-m", "kernn", "nonsense"], timeout=30)
    assert proc.returncode == 2 and "demo" in proc.stderr
