"""Benchmark: every performance target of the project, as ratios measured in one run.

    python tools/bench.py [--quick] [--lines N]

Payloads come from the test data (tests/examples).  The script prints what
it measured and, at the end, each target with its ratio and "met" or "NOT
MET".  It asserts nothing and always exits 0: machines are noisy, which is
also why

- call timings are the CPU time of this thread (``time.thread_time``) in
  many short rounds, the things compared timed in turns, round after
  round: times are the best round, ratios the median of the ratios within
  a round, so that a busy neighbour slows both alike; the noise column is
  the median round over the best one;
- command timings are wall time, the best of a few runs, each command and
  its reference taking turns; the machine's load average is printed before
  and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"

VALID_LIMIT = 1.5      # validate / raw jsonschema-rs is_valid, valid payloads, every size
INVALID_LIMIT = 0.25   # list(iter_errors) / stock iter_errors, every invalid shape
LINT_LIMIT = 3.0       # lint / validate, valid payloads
JSONL_VALID = 0.3      # validate --jsonl lines/s over a hand loop's, all valid
JSONL_MIXED = 0.2      # the same, one line in ten invalid
COLD_LIMIT = 0.5       # one process: import validator + one validation, over import jsonschema + one


class Timed:
    """µs per call of each function, measured in rounds taken in turns: ``best[name]``, and ``ratio(a, b)``,
    the median over rounds of a's time over b's in the same round (steadier than one best over another
    when a neighbour's load comes and goes)."""

    def __init__(self, rounds: dict):
        self.rounds = rounds
        self.best = {name: min(times) for name, times in rounds.items()}

    def ratio(self, a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(self.rounds[a], self.rounds[b]))

    def noise(self) -> str:
        """The median round over the best one, for the noisier function."""
        return f"{max(statistics.median(times) / min(times) for times in self.rounds.values()):.2f}"


def race(functions: dict, budget: float) -> Timed:
    """Time each function (CPU time of this thread) in rounds, taking turns."""
    for function in functions.values():
        function()
    timers = {name: timeit.Timer(function, timer=time.thread_time) for name, function in functions.items()}
    slowest = max(timer.timeit(1) for timer in timers.values())
    number = max(1, int(0.002 / max(slowest, 1e-7)))
    rounds = max(5, int(budget / max(number * slowest * len(timers), 1e-6)))
    found: dict = {name: [] for name in timers}
    for _ in range(rounds):
        for name, timer in timers.items():
            found[name].append(timer.timeit(number) / number * 1e6)
    return Timed(found)


def _valid_payloads() -> list:
    """Valid examples at five sizes, smallest to largest (by JSON text)."""
    payloads = sorted((json.loads(p.read_text()) for p in (EXAMPLES / "valid").glob("*.json")),
                      key=lambda data: len(json.dumps(data)))
    picks = sorted({0, len(payloads) // 4, len(payloads) // 2, 3 * len(payloads) // 4, len(payloads) - 1})
    return [payloads[index] for index in picks]


def _invalid_payloads() -> list:
    return [(path.stem, json.loads(path.read_text())["params"]) for path in sorted((EXAMPLES / "invalid").glob("*.json"))]


def calls(budget: float) -> list:
    """The per-call targets: valid payloads, lint, invalid payloads."""
    import jsonschema_rs
    from jsonschema import Draft202012Validator

    import validator
    from validator import loader
    from validator.bundle import bundle

    stock = Draft202012Validator(loader.root(), registry=loader.registry())
    raw = jsonschema_rs.validator_for(bundle()).is_valid
    validate, lint, iter_errors = validator.validate, validator.lint, validator.iter_errors
    targets = []

    print("\nvalid payloads: µs per call (CPU time, best round)")
    print(f"  {'size':>6} {'validate':>9} {'rs is_valid':>12} {'stock':>9} {'lint':>8} "
          f"{'ours/rs':>8} {'lint/ours':>10} {'stock/ours':>11} {'noise':>6}")
    for params in _valid_payloads():
        size = f"{len(json.dumps(params))} B"
        timed = race({"ours": lambda: validate(params), "rs": lambda: raw(params),
                      "lint": lambda: lint(params)}, budget)
        stock_us = race({"stock": lambda: stock.is_valid(params)}, budget / 4).best["stock"]
        ours, rs, linted = timed.best["ours"], timed.best["rs"], timed.best["lint"]
        versus_rs, versus_ours = timed.ratio("ours", "rs"), timed.ratio("lint", "ours")
        print(f"  {size:>6} {ours:9.3f} {rs:12.3f} {stock_us:9.1f} {linted:8.3f} {versus_rs:7.2f}x "
              f"{versus_ours:9.2f}x {stock_us / ours:10.0f}x {timed.noise():>6}")
        targets.append((f"validate <= {VALID_LIMIT}x raw jsonschema-rs is_valid, valid {size}", versus_rs,
                        versus_rs <= VALID_LIMIT))
        targets.append((f"lint <= {LINT_LIMIT}x validate, valid {size}", versus_ours, versus_ours <= LINT_LIMIT))

    print("\ninvalid payloads, full report: µs per call (CPU time, best round)")
    print(f"  {'example':<48} {'size':>6} {'ours':>8} {'stock':>8} {'ours/stock':>11} {'noise':>6}")
    worst = []
    for name, params in _invalid_payloads():
        timed = race({"ours": lambda: list(iter_errors(params)), "stock": lambda: list(stock.iter_errors(params))},
                     budget / 8)
        ours, theirs, ratio = timed.best["ours"], timed.best["stock"], timed.ratio("ours", "stock")
        mark = "" if ratio <= INVALID_LIMIT else "  over"
        print(f"  {name:<48} {len(json.dumps(params)):>4} B {ours:8.1f} {theirs:8.1f} {ratio:10.2f}x "
              f"{timed.noise():>6}{mark}")
        worst.append((ratio, name))
    over = [name for ratio, name in sorted(worst, reverse=True) if ratio > INVALID_LIMIT]
    targets.append((f"list(iter_errors) <= {INVALID_LIMIT}x stock iter_errors, every invalid shape "
                    f"({len(worst) - len(over)} of {len(worst)} within; over: {', '.join(over) or 'none'})",
                    max(worst)[0], not over))
    return targets


def _cached_bytecode_env(folder: str) -> dict:
    """An environment in which Python caches bytecode (in `folder`), as it does for an installed package."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = folder
    return env


def cold(runs: int) -> list:
    payload = json.loads((EXAMPLES / "valid" / "reference-example.json").read_text())
    codes = {"ours": f"import validator; validator.validate({payload!r})",
             "stock": "import jsonschema; jsonschema.validate({}, {})",
             "rs": "import jsonschema_rs; jsonschema_rs.validator_for({}).is_valid({})",
             "bare": "pass"}
    times: dict = {name: [] for name in codes}
    with tempfile.TemporaryDirectory() as folder:
        env = _cached_bytecode_env(folder)
        for code in codes.values():  # write the bytecode caches
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
        for _ in range(runs):
            for name, code in codes.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
                times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(found) * 1000 for name, found in times.items()}
    print(f"\ncold start, median of {runs} processes taking turns (bytecode cached, as installed): "
          f"import validator + one validation {median['ours']:.1f} ms; import jsonschema + validate against {{}} "
          f"{median['stock']:.1f} ms; import jsonschema_rs + one validation {median['rs']:.1f} ms; "
          f"bare interpreter {median['bare']:.1f} ms")
    ratio = median["ours"] / median["stock"]
    return [(f"cold start <= {COLD_LIMIT}x a bare jsonschema process", ratio, ratio <= COLD_LIMIT)]


_HAND_LOOP = """
import sys, time, orjson, jsonschema_rs
sys.path.insert(0, {root!r})
from validator.bundle import bundle
is_valid = jsonschema_rs.validator_for(bundle()).is_valid
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        is_valid(orjson.loads(line))
"""

# The command's own peak: VmHWM where there is /proc (ru_maxrss of a process keeps the peak of the
# process that started it, across exec: the benchmark's own memory would show), else ru_maxrss.
_COMMAND = """
import resource, sys
from validator.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration, ValueError):
    pass
print(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _write_lines(path: Path, count: int, invalid_every: int) -> None:
    valid = [json.loads(p.read_text()) for p in sorted((EXAMPLES / "valid").glob("*.json"))]
    invalid = [params for _, params in _invalid_payloads()]
    with path.open("w") as handle:
        for index in range(count):
            if invalid_every and index % invalid_every == invalid_every - 1:
                handle.write(json.dumps(invalid[index // invalid_every % len(invalid)]) + "\n")
            else:
                handle.write(json.dumps(valid[index % len(valid)]) + "\n")


def _run(argv: list, env: dict) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    peak = 0
    for line in reversed(done.stderr.splitlines()):
        parts = line.split()
        if len(parts) == 2 and all(part.isdigit() for part in parts):
            peak = max(map(int, parts)) // 1024
            break
    return elapsed, peak


def stream(count: int, runs: int, jobs_options: list) -> list:
    """validate --jsonl against a hand loop of orjson.loads + jsonschema-rs is_valid, on the same file."""
    targets = []
    print(f"\nvalidate --jsonl, {count:,} lines (wall time, best of {runs}; lines/s and peak memory of "
          f"the command and of its worker processes)")
    with tempfile.TemporaryDirectory() as folder:
        env = _cached_bytecode_env(folder)
        for kind, every, limit in (("all valid", 0, JSONL_VALID), ("1 in 10 invalid", 10, JSONL_MIXED)):
            path = Path(folder) / f"{every}.jsonl"
            _write_lines(path, count, every)
            hand = [sys.executable, "-c", _HAND_LOOP.format(root=str(ROOT)), str(path)]
            commands = {}
            for form in ("text", "json"):
                for jobs in jobs_options:
                    label = f"--format {form}" + (f" --jobs {jobs}" if jobs else " (default --jobs)")
                    commands[label] = [sys.executable, "-c", _COMMAND, "validate", "--jsonl", "--format", form,
                                       *(["--jobs", str(jobs)] if jobs else []), str(path)]
            best = {"hand loop": (float("inf"), 0), **{label: (float("inf"), 0) for label in commands}}
            for _ in range(runs):
                for label, argv in (("hand loop", hand), *commands.items()):
                    elapsed, peak = _run(argv, env)
                    if elapsed < best[label][0]:
                        best[label] = (elapsed, peak)
            size = path.stat().st_size / 2**20
            hand_rate = count / best["hand loop"][0]
            print(f"  {kind} ({size:.0f} MiB): hand loop {hand_rate:,.0f} lines/s")
            for label in commands:
                elapsed, peak = best[label]
                rate = count / elapsed
                print(f"    validate --jsonl {label}: {rate:,.0f} lines/s ({rate / hand_rate:.2f}x), "
                      f"peak memory {peak} MiB")
                if "default" in label:
                    targets.append((f"validate --jsonl {label.split(' (')[0]}, {kind}: >= {limit}x hand loop",
                                    rate / hand_rate, rate / hand_rate >= limit))
    return targets


#: Sizes of the single-line files: the time to reject one should grow with its length, no faster.
LONG_LINE_MB = (10, 40)
LONG_LINE_LIMIT = 5.0  # the 40 MB line's time over the 10 MB one's (4 when linear)


def long_lines(runs: int) -> list:
    """One line of 10 MB and of 40 MB, rejected by ``validate`` and ``validate --jsonl``: time and peak memory.

    The time of the same command on a line of a few bytes (starting the interpreter, importing) is
    subtracted: what is left grows with the line, four times for four times the bytes when linear.
    """
    kinds = {"not JSON": lambda size: b"a" * size,
             "JSON, one long string": lambda size: b'{"k": "' + b"v" * (size - 10) + b'"}'}
    targets = []
    print(f"\none long line (wall time, best of {runs}, less the same command's on a short line; "
          f"peak memory of the command)")
    with tempfile.TemporaryDirectory() as folder:
        env = _cached_bytecode_env(folder)
        for kind, make in kinds.items():
            for option in ([], ["--jsonl"]):
                found = {}
                for megabytes in (0, *LONG_LINE_MB):
                    path = Path(folder) / f"{megabytes}.txt"
                    with path.open("wb") as handle:  # in pieces: the benchmark's own memory stays small
                        handle.write(make(max(megabytes * 2**20, 16)))
                        handle.write(b"\n")
                    argv = [sys.executable, "-c", _COMMAND, "validate", *option, str(path)]
                    found[megabytes] = min((_run(argv, env) for _ in range(runs)), key=lambda result: result[0])
                    path.unlink()
                label = f"validate {' '.join(option) + ' ' if option else ''}({kind})"
                start = found[0][0]
                (short, short_peak), (long, long_peak) = (found[size] for size in LONG_LINE_MB)
                net_short, net_long = max(short - start, 1e-3), max(long - start, 1e-3)
                ratio = net_long / net_short
                print(f"  {label}: {LONG_LINE_MB[0]} MB {net_short:.2f} s ({short:.2f} s in all), {short_peak} MiB; "
                      f"{LONG_LINE_MB[1]} MB {net_long:.2f} s ({long:.2f} s), {long_peak} MiB; "
                      f"ratio {ratio:.1f} (short line {start:.2f} s, {found[0][1]} MiB)")
                targets.append((f"{label}: {LONG_LINE_MB[1]} MB line <= {LONG_LINE_LIMIT}x the time of "
                                f"{LONG_LINE_MB[0]} MB", ratio, ratio <= LONG_LINE_LIMIT))
    return targets


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds, fewer processes, 20 000 lines")
    parser.add_argument("--lines", type=int, help="lines of each JSONL file (default 200 000; --quick 20 000)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from importlib.metadata import version

    from validator import batch

    versions = ", ".join(f"{name} {version(name)}" for name in ("jsonschema", "jsonschema-rs", "orjson"))
    print(f"machine: {os.cpu_count()} cores ({batch.default_jobs()} available), Python {sys.version.split()[0]}, "
          f"{sys.platform}; {versions}")
    print(f"load average at start: {_load()}")
    targets = calls(0.3 if args.quick else 1.5)
    targets += cold(5 if args.quick else 20)
    lines = args.lines or (20_000 if args.quick else 200_000)
    targets += stream(lines, 1 if args.quick else 3, [0, 1])
    targets += long_lines(3 if args.quick else 5)
    print(f"\nload average at end: {_load()}")
    print("\ntargets:")
    for name, ratio, met in targets:
        print(f"  {'met    ' if met else 'NOT MET'} {ratio:6.2f}x  {name}")


if __name__ == "__main__":
    main()
