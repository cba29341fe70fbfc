"""The package surface: dispatch, CPU info, threads, and where the C++ API lives."""
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import kernn


def _run(code, **env):
    e = dict(os.environ)
    e.pop("KERNN_ISA", None)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=120)


def test_cpu_info_keys():
    info = kernn.cpu_info()
    assert set(info) == {"vendor", "brand", "features", "best_isa", "isa", "num_threads"}
    assert info["isa"] in ("scalar", "avx2", "avx512")
    assert set(info["features"]) == {"avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"}
    assert info["num_threads"] == kernn.get_num_threads()


def test_unknown_kernn_isa_is_an_error_listing_allowed_values():
    r = _run("import kernn", KERNN_ISA="avx9")
    assert r.returncode != 0
    assert "KERNN_ISA='avx9'" in r.stderr and "scalar, avx2, avx512" in r.stderr


@pytest.mark.parametrize("level", ["scalar", "avx2"])
def test_kernn_isa_caps_the_level(level):
    order = ["scalar", "avx2", "avx512"]
    best = kernn.cpu_info()["best_isa"]
    r = _run("import kernn; print(kernn.isa())", KERNN_ISA=level)
    assert r.returncode == 0, r.stderr
    want = level if order.index(level) <= order.index(best) else best
    assert r.stdout.strip() == want


def test_asking_for_more_than_the_cpu_has_warns():
    if kernn.cpu_info()["best_isa"] == "avx512":
        pytest.skip("this CPU has every level kernn knows")
    r = _run("import warnings; warnings.simplefilter('always'); import kernn; print(kernn.isa())",
             KERNN_ISA="avx512")
    assert r.returncode == 0 and "lacks" in r.stderr


def test_omp_num_threads_is_honoured():
    r = _run("import kernn; print(kernn.get_num_threads())", OMP_NUM_THREADS="3")
    assert r.stdout.strip() == "3"


def test_set_num_threads_validates():
    kernn.set_num_threads(1)
    assert kernn.get_num_threads() == 1
    for bad in (0, -2, 1.5, "2", True):
        with pytest.raises(ValueError, match="positive integer. Received: n="):
            kernn.set_num_threads(bad)


def test_kernels_release_the_gil():
    # two Python threads running big GEMMs at once finish, with correct results
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 400), dtype=np.float32)
    results = [None, None]

    def work(i):
        results[i] = kernn.ops.matmul(a, a)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=60)
    assert np.array_equal(results[0], results[1])


def test_python_m_kernn_runs_self_check():
    r = subprocess.run([sys.executable, "-m", "kernn"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "ISA:" in r.stdout and "threads:" in r.stdout and "GFLOP/s" in r.stdout and "ok" in r.stdout


def test_get_include_and_cmake_dir():
    inc = kernn.get_include()
    assert os.path.isfile(os.path.join(inc, "kernn", "gemm.h"))
    assert isinstance(kernn.get_cmake_dir(), str)


def test_importing_torch_alongside_works():
    torch = pytest.importorskip("torch")
    a = np.ones((64, 64), np.float32)
    assert np.allclose(kernn.ops.matmul(a, a), torch.from_numpy(a) @ torch.from_numpy(a))


def test_threads_context_manager_restores():
    kernn.set_num_threads(2)
    with kernn.threads(1):
        assert kernn.get_num_threads() == 1
    assert kernn.get_num_threads() == 2


def test_default_threads_follow_the_affinity_mask():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no sched_setaffinity")
    code = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); import kernn; print(kernn.get_num_threads())"
    e = dict(os.environ)
    e.pop("OMP_NUM_THREADS", None)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=60)
    assert r.stdout.strip() == "1", r.stderr


def test_default_threads_under_taskset_one_cpu():
    if shutil.which("taskset") is None or not hasattr(os, "sched_getaffinity"):
        pytest.skip("no taskset")
    cpu = min(os.sched_getaffinity(0))
    e = dict(os.environ)
    e.pop("OMP_NUM_THREADS", None)
    r = subprocess.run(["taskset", "-c", str(cpu), sys.executable, "-c", "import kernn; print(kernn.get_num_threads())"],
                       capture_output=True, text=True, env=e, timeout=60)
    assert r.stdout.strip() == "1", r.stderr


def _cgroup_tree(tmp_path, proc_cgroup, files):
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/cgroup").write_text(proc_cgroup)
    for rel, text in files.items():
        f = tmp_path / "sys/fs/cgroup" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize("proc_cgroup,files,want", [
    ("0::/\n", {"cpu.max": "150000 100000\n"}, 2),  # v2 container: its own cgroup at the mount
    ("0::/a/b\n", {"cpu.max": "max 100000\n", "a/cpu.max": "300000 100000\n", "a/b/cpu.max": "max 100000\n"}, 3),
    ("0::/a/b\n", {"a/cpu.max": "400000 100000\n", "a/b/cpu.max": "100000 100000\n"}, 1),  # smallest wins
    ("0::/\n", {"cpu.max": "max 100000\n"}, 0),  # no quota
    ("3:cpu,cpuacct:/docker/x\n0::/\n", {"cpu,cpuacct/docker/x/cpu.cfs_quota_us": "250000\n",
                                            "cpu,cpuacct/docker/x/cpu.cfs_period_us": "100000\n"}, 3),  # v1
    ("2:cpuacct,cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0),  # v1, none
    ("2:cpu:/k\n", {"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # v1 at the mount
    ("", {}, 0),  # nothing readable
], ids=["v2_mount", "v2_ancestor", "v2_smallest", "v2_max", "v1_nested", "v1_unlimited", "v1_mount", "absent"])
def test_cgroup_cpu_quota_v1_and_v2(tmp_path, proc_cgroup, files, want):
    assert kernn._core.cgroup_cpu_quota(_cgroup_tree(tmp_path, proc_cgroup, files)) == want


def _fork_child(q, a):
    q.put(kernn.ops.matmul(a, a))


def test_forked_child_runs_kernels_without_hanging():
    import multiprocessing as mp

    a = np.random.default_rng(0).standard_normal((300, 300), dtype=np.float32)
    kernn.set_num_threads(2)
    want = kernn.ops.matmul(a, a)  # the parent has used its thread pool
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_fork_child, args=(q, a))
    p.start()
    got = q.get(timeout=60)
    p.join(timeout=30)
    assert p.exitcode == 0
    np.testing.assert_array_equal(got, want)  # same bits with one thread


def test_denormal_inputs_are_flushed_not_slow():
    a = np.full((64, 64), 1e-39, np.float32)  # denormal
    out = kernn.ops.matmul(a, a)
    assert np.all(out == 0.0)
    # the caller's floating-point mode is restored: NumPy still produces denormals
    assert np.array([1e-39], np.float32)[0] * np.float32(1.0) != 0.0
    assert np.isfinite(kernn.ops.matmul(np.ones((4, 4)), np.ones((4, 4)))).all()


def _caller_keeps_denormals():
    return np.array([1e-39], np.float32)[0] * np.float32(1.0) != 0.0


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_pool_norm_flush_denormals_and_restore_the_callers_mode(threads):
    tiny = np.float32(1e-39)  # denormal: with flush-to-zero it reads as 0 and products become 0
    x = np.full((4, 16, 16, 8), tiny, np.float32)  # big enough for the parallel regions
    with kernn.threads(threads):
        y = kernn.ops.conv2d(x, np.ones((3, 3, 8, 8), np.float32), padding="same")
        assert np.all(y == 0.0)  # without flushing: sums of up to 72 denormals, > 0
        assert _caller_keeps_denormals()
        dx, dw, db = kernn.ops.conv2d_backward(x, np.ones((3, 3, 8, 8), np.float32), np.ones_like(y),
                                                padding="same")
        assert np.all(dw == 0.0) and np.all(dx[:, 1:-1, 1:-1] == 9 * 8)
        assert _caller_keeps_denormals()
        depth = kernn.ops.depthwise_conv2d(x, np.ones((3, 3, 8, 1), np.float32), padding="same")
        assert np.all(depth == 0.0)
        assert _caller_keeps_denormals()
        p = kernn.ops.average_pool2d(x, 2)
        assert np.all(p == 0.0)  # without flushing: the mean of four denormals is 1e-39
        assert _caller_keeps_denormals()
        dp = kernn.ops.pool2d_backward(x, np.full((4, 8, 8, 8), tiny, np.float32), 2, mode="average")
        assert np.all(dp == 0.0)
        assert _caller_keeps_denormals()
        rows = np.full((8192, 16), tiny, np.float32)
        c = np.zeros(16, np.float32)
        bn = kernn.ops.batch_norm_inference(rows, c, np.ones(16, np.float32))
        assert np.all(bn == 0.0)  # without flushing: x / sqrt(1 + eps) is about 1e-39
        assert _caller_keeps_denormals()
        ln, _, _ = kernn.ops.layer_norm(rows + np.linspace(0, 1, 16, dtype=np.float32))
        assert np.isfinite(ln).all()
        assert _caller_keeps_denormals()
