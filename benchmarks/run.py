"""Benchmark suite of issue 3: ours against lme4, mixedlm, interlace-lme, statsmodels.

    python benchmarks/run.py [case ...] [--packages ours,lme4,...] [--repeats N]
                             [--timeout S] [--markdown benchmarks/README.md] [--smoke]

Each package runs each case in its own process (benchmarks/worker.py) with a time
limit (killed past it, shown as "> T s") and an address-space limit. The processes
run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they slow current numpy); the
BLAS kernel threadpoolctl then reports is recorded. Prints one table per case and
writes all results as JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402
from runners import PACKAGES  # noqa: E402

WORKER = HERE / "worker.py"
UNSET_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"


# ------------------------------------------------------------------ subprocesses

def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    env["PYTHONWARNINGS"] = env.get("PYTHONWARNINGS", "ignore")
    return env


def spawn(argv: list[str], timeout: float, mem_gb: float) -> dict:
    """Run a worker; return its BENCH_RESULT dict (or a timeout / crash record).

    The worker leads its own session, so on time-out the whole group (Rscript too)
    is killed. ``ru_maxrss`` from wait4 covers the worker and the children it reaped.
    """
    def limits():
        if mem_gb > 0:
            lim = int(mem_gb * 1024 ** 3)
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(WORKER), *argv], stdout=out, stderr=err,
                                env=child_env(), start_new_session=True, preexec_fn=limits)
        timed_out = False
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    rss = ru.ru_maxrss / 1024
    if timed_out:
        return {"status": "timeout", "timeout": timeout, "process_seconds": wall,
                "rss_at_kill_mb": rss}
    lines = [ln for ln in stdout.splitlines() if ln.startswith("BENCH_RESULT ")]
    if not lines:
        code = proc.returncode
        why = f"signal {-code}" if code < 0 else f"exit {code}"
        tail = stderr.strip().splitlines()[-1:] or [""]
        return {"status": "error", "reason": f"worker died ({why}) {tail[0][:200]}",
                "process_seconds": wall, "process_rss_mb": rss}
    res = json.loads(lines[-1][len("BENCH_RESULT "):])
    res.update(process_seconds=wall, process_rss_mb=rss)
    return res


# ------------------------------------------------------------------ formatting

def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_mb(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.0f} MB" if x < 1024 else f"{x / 1024:.2f} GB"


def fmt_delta(x: float) -> str:
    return f"{x:.2g}" if abs(x) < 1 else f"{x:.1f}"


def norm_name(name: str) -> str:
    """'Intercept' / 'service[T.1]' / 'C(cond)[T.x]' -> lme4's '(Intercept)' / 'service1'."""
    name = str(name)
    if name == "Intercept":
        return "(Intercept)"
    m = re.fullmatch(r"(?:C\()?([^\[\)]+)\)?\[T\.(.+)\]", name)
    return m.group(1) + m.group(2) if m else name


def fixef_diff(fe: dict, ref: dict) -> float | None:
    a = {norm_name(k): v for k, v in fe.items()}
    b = {norm_name(k): v for k, v in ref.items()}
    if set(a) == set(b):
        return max(abs(a[k] - b[k]) for k in a)
    if len(fe) == len(ref):  # same treatment coding, unrecognised names: by position
        return max(abs(x - y) for x, y in zip(fe.values(), ref.values()))
    return None


def median_time(r: dict) -> float | None:
    return statistics.median(r["times"]) if r.get("status") == "ok" and r.get("times") else None


def installed_version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    dist = {"ours": "statsmodels-crossed", "mixedlm": "mixedlm",
            "interlace": "interlace-lme", "statsmodels_mixedlm": "statsmodels"}.get(package)
    try:
        return version(dist) if dist else None
    except PackageNotFoundError:
        return None


def fit_table(case, results: dict, baseline: str) -> list[str]:
    ok = {p: r for p, r in results.items() if r.get("status") == "ok"}
    best = min((r["objective"] for r in ok.values()), default=None)
    ref = ok.get("lme4", {}).get("fixef")
    base = median_time(results.get(baseline, {}))
    head = ["package", "fit (median)", "runs", "first fit", "whole", "peak RSS",
            "REML criterion", "Δ vs best", "max abs Δβ vs lme4", f"time / {baseline}", "note"]
    rows = []
    for pkg, r in results.items():
        name = pkg + (f" {r['version']}" if r.get("version") else "")
        st = r.get("status")
        if st == "ok":
            med = median_time(r)
            d = fixef_diff(r["fixef"], ref) if ref and pkg != "lme4" else None
            note = []
            info = r.get("info") or {}
            if info.get("converged") is False:
                note.append("not converged")
            if info.get("conv_messages"):
                note.append("; ".join(info["conv_messages"])[:80])
            rows.append([name, fmt_s(med), str(len(r["times"])), fmt_s(r["times"][0]),
                         fmt_s(r.get("whole_seconds")), fmt_mb(r.get("peak_rss_mb")),
                         f"{r['objective']:.4f}", fmt_delta(r["objective"] - best),
                         "—" if d is None else f"{d:.2g}",
                         f"{med / base:.2f}x" if base else "—", ", ".join(note)])
        elif st == "timeout":
            rows.append([name, f"> {r['timeout']:.0f} s", "—", "—", "—",
                         f"≥ {fmt_mb(r.get('rss_at_kill_mb'))}", "—", "—", "—",
                         f"> {r['timeout'] / base:.0f}x" if base else "—", "killed at limit"])
        else:
            rows.append([name] + ["—"] * 9 + [f"{st}: {r.get('reason', '')}"[:160]])
    return markdown_table(head, rows)


def scaling_table(results: list[dict]) -> list[str]:
    head = ["n", "setup", "first eval", "eval (median)", "fit", "setup + fit", "peak RSS",
            "REML criterion", "note"]
    rows = []
    for r in results:
        if r.get("status") == "ok":
            fit = r.get("fit_seconds")
            rows.append([f"{r['nobs']:,}", fmt_s(r.get("setup_seconds")),
                         fmt_s(r.get("first_eval_seconds")), fmt_s(r.get("eval_seconds")),
                         fmt_s(fit), fmt_s(r["setup_seconds"] + fit if fit else None),
                         fmt_mb(r.get("peak_rss_mb")),
                         f"{r['objective']:.4f}" if "objective" in r else "—",
                         r.get("eval_error", "")[:120]])
        elif r.get("status") == "timeout":
            rows.append([f"{r['size']:,}", f"> {r['timeout']:.0f} s"] + ["—"] * 6 + [""])
        else:
            rows.append([f"{r.get('size', '?'):,}"] + ["—"] * 7
                        + [f"{r.get('status')}: {r.get('reason', '')}"[:160]])
    return markdown_table(head, rows)


def markdown_table(head, rows) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]


def machine_lines(machine: dict, all_results: dict) -> list[str]:
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')} kernel, "
        f"{b.get('num_threads')} threads)" for b in machine.get("blas", []) if "internal_api" in b
    ) or "threadpoolctl not installed"
    lines = [f"- CPU: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
             f"Python {machine['python']}, numpy {machine['numpy']}, scipy {machine['scipy']}",
             f"- BLAS seen by the Python workers (threadpoolctl, with {' and '.join(UNSET_ENV)} "
             f"unset): {blas}"]
    if "loadavg_start" in machine:
        lines.append(f"- Load average (1 min) at start / end of the run: "
                     f"{machine['loadavg_start']:.1f} / {machine['loadavg_end']:.1f} "
                     f"(other work on the machine slows every package alike only roughly)")
    for res in all_results.values():
        r = res.get("lme4") if isinstance(res, dict) else None
        if r and r.get("status") == "ok":
            i = r["info"]
            lines.append(f"- {i['R']}, lme4 {i['lme4']}, BLAS {i['BLAS']}")
            break
    return lines


def render(all_results: dict, machine: dict, args, stamp: str) -> list[str]:
    out = [f"Measured {stamp} with `python benchmarks/run.py {' '.join(args.argv)}`"
           f"{' (smoke mode)' if args.smoke else ''}:", ""]
    out += machine_lines(machine, all_results) + [""]
    for name, res in all_results.items():
        case = cases.CASES[name]
        if case.kind == "scaling":
            out += [f"### {name}", "", f"{case.description} `{case.formula}`", ""]
            out += scaling_table(res) + [""]
            continue
        nobs = next((r.get("nobs") for r in res.values() if r.get("nobs")), None)
        out += [f"### {name}", "", f"{case.description} `{case.formula}`"
                + (f", n = {nobs:,}." if nobs else ""), ""]
        out += fit_table(case, res, args.baseline) + [""]
    return out


def write_markdown(path: Path, lines: list[str]) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{MARK_START}\n{MARK_END}\n"
    if MARK_START not in text:
        text += f"\n## Latest results\n\n{MARK_START}\n{MARK_END}\n"
    pre, rest = text.split(MARK_START, 1)
    post = rest.split(MARK_END, 1)[1] if MARK_END in rest else "\n"
    path.write_text(pre + MARK_START + "\n" + "\n".join(lines) + "\n" + MARK_END + post)


# ------------------------------------------------------------------ main

def rerender(args) -> int:
    """Tables from earlier results files, merged in order."""
    merged: dict = {}
    machine, runs = {}, []
    for path in args.load:
        doc = json.loads(path.read_text())
        machine = doc["machine"] or machine
        runs.append(" ".join(doc["argv"]) or "(all)")
        for case, res in doc["results"].items():
            if isinstance(res, dict):
                merged.setdefault(case, {}).update(res)
            else:
                merged[case] = res
    order = [c for c in cases.CASES if c in merged]
    merged = {c: merged[c] for c in order}
    stamp = dt.datetime.fromtimestamp(max(p.stat().st_mtime for p in args.load),
                                      dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    args.argv = []
    args.smoke = False
    lines = render(merged, machine, args, stamp)
    lines[0] = (f"Measured up to {stamp}, merged from {len(runs)} runs of "
                f"`python benchmarks/run.py` ({'; '.join(runs)}):")
    print("\n".join(lines))
    if args.markdown:
        write_markdown(args.markdown, lines)
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help=f"default: all of {', '.join(cases.CASES)}")
    ap.add_argument("--packages", default=None,
                    help=f"comma-separated, default: {','.join(PACKAGES)} (smoke: ours)")
    ap.add_argument("--repeats", type=int, default=5, help="fits of a short case (median)")
    ap.add_argument("--short", type=float, default=3.0,
                    help="repeat only fits shorter than this (s)")
    ap.add_argument("--budget", type=float, default=20.0, help="max seconds of repeats")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per package per case (default: per case, see cases.py)")
    ap.add_argument("--mem-limit", type=float, default=12.0,
                    help="address-space limit per worker, GB (0: none)")
    ap.add_argument("--baseline", default="ours", help="package the time ratio is against")
    ap.add_argument("--markdown", type=Path, default=None,
                    help="rewrite the results section of this file (benchmarks/README.md)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, no insteval, default package ours (CI)")
    ap.add_argument("--load", type=Path, nargs="+", default=None, metavar="JSON",
                    help="run nothing: merge these results files (later ones win per "
                         "case and package) and print / --markdown them")
    args = ap.parse_args(argv)
    args.argv = argv
    if args.load:
        return rerender(args)
    names = args.cases or list(cases.SMOKE_CASES if args.smoke else cases.CASES)
    unknown = [c for c in names if c not in cases.CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; known: {list(cases.CASES)}")
    packages = (args.packages.split(",") if args.packages
                else ["ours"] if args.smoke else list(PACKAGES))
    bad = [p for p in packages if p not in PACKAGES]
    if bad:
        ap.error(f"unknown package(s) {bad}; known: {list(PACKAGES)}")
    if args.smoke:
        args.repeats = min(args.repeats, 2)

    machine = spawn(["--machine"], 120, 0)
    machine["loadavg_start"] = os.getloadavg()[0]
    common = ["--repeats", str(args.repeats), "--short", str(args.short),
              "--budget", str(args.budget)] + (["--smoke"] if args.smoke else [])
    all_results: dict = {}
    for name in names:
        case = cases.CASES[name]
        print(f"== {name}: {case.formula}", file=sys.stderr, flush=True)
        if case.kind == "scaling":
            sizes = cases.SMOKE_SCALING_SIZES if args.smoke else case.sizes
            res = []
            for n in sizes:
                limit = args.timeout or case.timeout
                r = spawn([name, "ours", "--size", str(n)] + common, limit, args.mem_limit)
                r.setdefault("size", n)
                res.append(r)
                print(f"   ours n={n}: {r.get('status')} setup {fmt_s(r.get('setup_seconds'))}"
                      f" eval {fmt_s(r.get('eval_seconds'))} {r.get('reason', '')}",
                      file=sys.stderr, flush=True)
            all_results[name] = res
            continue
        res = {}
        for pkg in packages:
            limit = args.timeout or case.timeout_for(pkg)
            r = spawn([name, pkg] + common, limit, args.mem_limit)
            if not r.get("version"):
                r["version"] = installed_version(pkg)
            res[pkg] = r
            msg = (f"{fmt_s(median_time(r))} obj {r['objective']:.4f}" if r.get("status") == "ok"
                   else f"{r.get('status')} {r.get('reason', '')}")
            print(f"   {pkg}: {msg}", file=sys.stderr, flush=True)
        all_results[name] = res

    machine["loadavg_end"] = os.getloadavg()[0]
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = render(all_results, machine, args, stamp)
    print("\n".join(lines))
    outdir = HERE / "results"
    outdir.mkdir(exist_ok=True)
    path = outdir / f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"argv": argv, "machine": machine, "results": all_results},
                               indent=1, default=str))
    print(f"\nresults: {path.relative_to(HERE.parent)}", file=sys.stderr)
    if args.markdown:
        write_markdown(args.markdown, lines)
    # smoke (CI): fail on an error, not on a time-out or a skip
    errors = [(c, p) for c, res in all_results.items()
              for p, r in (res.items() if isinstance(res, dict) else
                           (("ours", x) for x in res)) if r.get("status") == "error"]
    if errors:
        print(f"errors: {errors}", file=sys.stderr)
    return 1 if (errors and args.smoke) else 0


if __name__ == "__main__":
    sys.exit(main())
