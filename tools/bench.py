"""Benchmark: what validation costs, measured as ratios in one process.

    python tools/bench.py [--quick]

Payloads come from the test data (tests/examples): the smallest, a middle
one and the largest valid payload, and likewise of the invalid ones.  The
script prints µs per call and the ratios the performance targets are stated
in.  It measures; it asserts nothing (machines are noisy), but it says which
targets this run met.
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


def _pick(paths, key=lambda data: data):
    """Smallest, middle and largest payload (by JSON size) among the files."""
    payloads = sorted((key(json.loads(p.read_text())) for p in paths), key=lambda d: len(json.dumps(d)))
    chosen = [payloads[0], payloads[len(payloads) // 2], payloads[-1]]
    return [(f"{len(json.dumps(p))} B", p) for p in chosen]


def per_call(function, budget: float) -> float:
    """Best-of-5 µs per call, each round running about `budget` seconds."""
    function()
    number = max(1, int(budget / max(timeit.timeit(function, number=1), 1e-7)))
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def hot(budget: float) -> list[tuple[str, bool]]:
    import jsonschema_rs
    from jsonschema import Draft202012Validator

    import validator
    from validator import loader
    from validator.bundle import bundle

    stock = Draft202012Validator(loader.root(), registry=loader.registry())
    raw = jsonschema_rs.validator_for(bundle())
    results = []

    print("valid payloads: µs per call")
    print(f"  {'size':>8} {'validate':>10} {'stock':>10} {'jsonschema-rs':>14} {'stock/ours':>11} {'ours/rs':>8}")
    for label, params in _pick((EXAMPLES / "valid").glob("*.json")):
        ours = per_call(lambda: validator.validate(params), budget)
        theirs = per_call(lambda: stock.is_valid(params), budget)
        rs = per_call(lambda: raw.is_valid(params), budget)
        print(f"  {label:>8} {ours:10.2f} {theirs:10.1f} {rs:14.2f} {theirs / ours:10.0f}x {ours / rs:7.2f}x")
        results += [(f"valid {label}: >= 30x faster than stock", theirs / ours >= 30),
                    (f"valid {label}: within 3x of raw jsonschema-rs", ours / rs <= 3)]

    print("invalid payloads, full error report: µs per call")
    print(f"  {'size':>8} {'iter_errors':>12} {'stock iter_errors':>18} {'ours/stock':>11}")
    for label, params in _pick((EXAMPLES / "invalid").glob("*.json"), key=lambda case: case["params"]):
        ours = per_call(lambda: list(validator.iter_errors(params)), budget)
        theirs = per_call(lambda: list(stock.iter_errors(params)), budget)
        print(f"  {label:>8} {ours:12.1f} {theirs:18.1f} {ours / theirs:10.2f}x")
        results.append((f"invalid {label}: no slower than 1.5x stock", ours / theirs <= 1.5))
    return results


def _process_ms(code: str, runs: int) -> float:
    """Median wall time of a fresh Python process running `code`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def cold(runs: int) -> list[tuple[str, bool]]:
    payload = json.loads((EXAMPLES / "valid" / "reference-example.json").read_text())
    ours = _process_ms(f"import validator; validator.validate({payload!r})", runs)
    stock = _process_ms("import jsonschema; jsonschema.validate({}, {})", runs)
    bare = _process_ms("pass", runs)
    print(f"cold start, median of {runs} processes: import validator + one validation {ours:.0f} ms; "
          f"import jsonschema + validate against {{}} {stock:.0f} ms; bare interpreter {bare:.0f} ms")
    return [("cold start: no slower than importing jsonschema", ours <= stock)]


def stream(count: int) -> None:
    """Payloads per second through `customer-session validate --jsonl`, and its peak memory."""
    valid = [json.loads(p.read_text()) for p in sorted((EXAMPLES / "valid").glob("*.json"))]
    invalid = [json.loads(p.read_text())["params"] for p in sorted((EXAMPLES / "invalid").glob("*.json"))]
    with tempfile.TemporaryDirectory() as folder:
        for kind, sources in (("all valid", valid), ("valid and invalid mixed", valid + invalid)):
            path = Path(folder) / "payloads.jsonl"
            with path.open("w") as handle:
                for index in range(count):
                    handle.write(json.dumps(sources[index % len(sources)]) + "\n")
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", "import resource, sys; from validator.cli import main; code = main(sys.argv[1:]); "
                 "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)",
                 "validate", "--jsonl", "--format", "json", str(path)],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            elapsed = time.perf_counter() - start
            peak = int(done.stderr.strip().splitlines()[-1]) // 1024
            print(f"validate --jsonl --format json, {kind} ({len(sources)} distinct): {count} payloads, "
                  f"{path.stat().st_size // 1024} KiB, in {elapsed:.1f} s = {count / elapsed:,.0f} payloads/s, "
                  f"peak memory {peak} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds and a 10 000-line stream")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    results = hot(0.05 if args.quick else 0.2)
    results += cold(5 if args.quick else 20)
    stream(10_000 if args.quick else 100_000)
    print("targets:")
    for name, met in results:
        print(f"  {'met ' if met else 'MISSED'} {name}")


if __name__ == "__main__":
    main()
