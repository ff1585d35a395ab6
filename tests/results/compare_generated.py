"""Compare regenerated lme4 results with the checked-in ones.

Usage (from the repository root)::

    python -m tests.results.compare_generated [GENERATED_DIR] [REFERENCE_DIR]

Defaults: ``tests/results/generated`` against ``tests/results``. For every case
present in both, prints the largest relative difference of the main quantities
(objective, fixef, theta, se, ranef, ...) and lists structural differences (keys
missing, in another order, or of another type). Timings, byte counts and version
strings are ignored. Exit status 1 if a structural difference was found.
"""
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
IGNORED = {"seconds", "fit_seconds", "default_fit_seconds", "seconds_vcovAdj",
           "generated", "bytes", "versions", "message", "method", "warnings",
           "feval", "max_abs_grad", "messages", "fit_messages"}

# quantity label -> path prefixes (top-level key, optional second key)
GROUPS = {
    "objective": [("criterion", "objective")],
    "criterion": [("criterion",)],
    "fixef": [("fixef",)],
    "se": [("se",)],
    "vcov": [("vcov",), ("vcov_rx",)],
    "theta": [("theta",)],
    "sigma/varcorr": [("sigma",), ("varcorr",)],
    "ranef": [("ranef",)],
    "head/sums": [("head",), ("sums",)],
    "predict": [("predict",)],
    "objective_at": [("objective_at",)],
    "confint_wald": [("confint_wald",)],
    "satterthwaite": [("lmerTest", "satterthwaite")],
    "kenward_roger": [("lmerTest", "kenward_roger")],
    "lrt": [("lrt",)],
    "confint_profile": [("confint_profile",)],
    "default_control_fit": [("default_control_fit",)],
    "laplace_exact": [("laplace_exact",)],
}


def rel(a, b):
    """Relative difference |a - b| / |b| (absolute when b == 0)."""
    if a == b:
        return 0.0
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def walk(new, ref, path, diffs, problems):
    """Collect (path, rel diff) for numeric leaves and structural problems."""
    if path and path[-1] in IGNORED:
        return
    if isinstance(ref, dict):
        if not isinstance(new, dict):
            problems.append(f"{'/'.join(path)}: type {type(new).__name__} != dict")
            return
        missing = [k for k in ref if k not in new and k not in IGNORED]
        extra = [k for k in new if k not in ref and k not in IGNORED]
        if missing:
            problems.append(f"{'/'.join(path) or '<top>'}: missing {missing}")
        if extra:
            problems.append(f"{'/'.join(path) or '<top>'}: extra {extra}")
        common_ref = [k for k in ref if k in new]
        common_new = [k for k in new if k in ref]
        if common_ref != common_new:
            problems.append(f"{'/'.join(path) or '<top>'}: key order differs")
        for k in common_ref:
            walk(new[k], ref[k], path + (k,), diffs, problems)
    elif isinstance(ref, list):
        if not isinstance(new, list) or len(new) != len(ref):
            problems.append(f"{'/'.join(path)}: list length/type differs")
            return
        for i, (a, b) in enumerate(zip(new, ref)):
            walk(a, b, path + (str(i),), diffs, problems)
    elif isinstance(ref, bool) or ref is None or isinstance(ref, str):
        if new != ref:
            problems.append(f"{'/'.join(path)}: {new!r} != {ref!r}")
    elif isinstance(ref, (int, float)):
        if isinstance(new, bool) or not isinstance(new, (int, float)):
            problems.append(f"{'/'.join(path)}: {new!r} is not a number")
        elif not (math.isfinite(new) and math.isfinite(ref)):
            if new != ref:
                problems.append(f"{'/'.join(path)}: {new!r} != {ref!r}")
        else:
            diffs.append((path, rel(new, ref)))


def compare_case(new, ref):
    diffs, problems = [], []
    walk(new, ref, (), diffs, problems)
    summary = {}
    for label, prefixes in GROUPS.items():
        vals = [(d, p) for p, d in diffs
                if any(p[: len(pre)] == pre for pre in prefixes)]
        if vals:
            summary[label] = max(vals)
    return summary, problems, diffs


def main(argv):
    gen = Path(argv[1]) if len(argv) > 1 else HERE / "generated"
    ref = Path(argv[2]) if len(argv) > 2 else HERE
    status = 0
    for path in sorted(gen.glob("*.json")):
        ref_path = ref / path.name
        if path.name in ("index.json", "datasets.json") or not ref_path.is_file():
            continue
        new = json.loads(path.read_text())
        old = json.loads(ref_path.read_text())
        summary, problems, _ = compare_case(new, old)
        print(f"== {path.stem}")
        for label, (d, p) in summary.items():
            print(f"   {label:20s} {d:9.2e}   at {'/'.join(p)}")
        for msg in problems:
            print(f"   STRUCTURE {msg}")
        status |= bool(problems)
    for name in ("datasets.json", "index.json"):
        if (gen / name).is_file() and (ref / name).is_file():
            _, problems, diffs = compare_case(
                json.loads((gen / name).read_text()), json.loads((ref / name).read_text()))
            worst = max((d for _, d in diffs), default=0.0)
            print(f"== {name}: max rel diff {worst:.2e}; "
                  f"{len(problems)} structural difference(s)")
            for msg in problems[:20]:
                print(f"   STRUCTURE {msg}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
