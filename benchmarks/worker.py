"""One package on one case, in its own process (started by run.py).

    python benchmarks/worker.py CASE PACKAGE [--repeats N] [--short S] [--smoke]
    python benchmarks/worker.py --machine

Prints one line ``BENCH_RESULT {json}`` last. Fit times are ``formula to results`` on
an in-memory data frame: the first fit, then more (up to ``--repeats`` in all, within
``--budget`` seconds) when the first took less than ``--short`` seconds; the table
shows their median. Peak RSS is the fitting process's VmHWM (R's own for lme4), and
includes the data frame (``data_rss_mb`` is the RSS after loading the data).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import sys
import time
import traceback

T_START = time.perf_counter()
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import cases  # noqa: E402


def proc_status_mb(key: str) -> float | None:
    """VmRSS / VmHWM of this process in MB, from /proc (None elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    hwm = proc_status_mb("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def blas_info() -> list[dict]:
    """What threadpoolctl reports for the loaded BLAS/OpenMP libraries."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    keep = ("user_api", "internal_api", "version", "architecture", "num_threads",
            "threading_layer", "prefix")
    return [{k: d.get(k) for k in keep if d.get(k) is not None} for d in threadpool_info()]


def machine_info() -> dict:
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = round(int(fh.readline().split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem,
            "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "blas": blas_info(),
            "openblas_env": {k: os.environ.get(k) for k in
                             ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}


def time_fits(runner, case, df, policy) -> dict:
    """Fit once, then again while short; return times and the last fit's output."""
    times, out = [], None
    while True:
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = runner.fit(case, df)
        times.append(time.perf_counter() - t0)
        if (len(times) >= policy["repeats"] or times[0] > policy["short"]
                or sum(times) > policy["budget"]):
            break
    return dict(out, times=times)


def package_version(package: str) -> str | None:
    dist = {"ours": "statsmodels-crossed", "mixedlm": "mixedlm",
            "interlace": "interlace-lme", "statsmodels_mixedlm": "statsmodels"}.get(package)
    if dist is None:
        return None
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def load_data(case, smoke: bool, size: int | None):
    import data

    if case.kind == "scaling":
        return data.load_big_crossed(size)
    return (case.smoke_load or case.load)() if smoke else case.load()


def run_one(args) -> dict:
    case = cases.CASES[args.case]
    runner = importlib.import_module(f"runners.{args.package}")
    result = {"case": case.name, "package": args.package,
              "version": package_version(args.package)}
    t0 = time.perf_counter()
    reason = runner.unsupported(case)       # imports the package
    import_seconds = time.perf_counter() - t0
    if reason:
        return dict(result, status="skipped", reason=reason)
    t0 = time.perf_counter()
    df = load_data(case, args.smoke, args.size)
    result.update(load_seconds=time.perf_counter() - t0, nobs=len(df),
                  data_rss_mb=proc_status_mb("VmRSS"))
    skip = getattr(runner, "skip_for_data", lambda c, d: None)(case, df)
    if skip:
        return dict(result, status="skipped", reason=skip)
    policy = {"repeats": args.repeats, "short": args.short, "budget": args.budget}
    if case.kind == "scaling":
        t1 = time.perf_counter()
        out = runner.scaling(case, df)
        out["whole_seconds"] = time.perf_counter() - t1
    elif hasattr(runner, "run"):            # times itself (lme4)
        out = runner.run(case, df, policy)
        result["version"] = out.get("version", result["version"])
    else:
        out = time_fits(runner, case, df, policy)
        out["import_seconds"] = import_seconds
        out["whole_seconds"] = import_seconds + out["times"][0]
    out.setdefault("peak_rss_mb", peak_rss_mb())
    if args.package != "lme4":
        out["blas"] = blas_info()
    return dict(result, status="ok", **out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("case", nargs="?")
    ap.add_argument("package", nargs="?")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--short", type=float, default=3.0)
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--size", type=int, default=None, help="scaling: rows")
    ap.add_argument("--machine", action="store_true")
    args = ap.parse_args(argv)
    if args.machine:
        result = machine_info()
    else:
        try:
            result = run_one(args)
        except MemoryError:
            result = {"case": args.case, "package": args.package, "status": "error",
                      "reason": f"MemoryError (peak {peak_rss_mb():.0f} MB)"}
        except Exception as exc:
            result = {"case": args.case, "package": args.package, "status": "error",
                      "reason": f"{type(exc).__name__}: {exc}"[:500],
                      "traceback": traceback.format_exc()[-3000:]}
    print("BENCH_RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
