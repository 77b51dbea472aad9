"""Load benchmark of the stand-in server (`customer-session serve`) on loopback, with wrk.

    python tools/load_bench.py [--duration 10] [--soak 60] [--connections 1,10,100] [--quick]

Needs wrk (the Debian package: ``apt-get install -y wrk``) and the ``serve``
extra.  Three kinds of request, each at 1, 10 and 100 connections:

- **ceiling**: the same stack (validator.standin.serving: uvicorn, httptools, uvloop,
  the same protocol class and headers) running an application that reads
  the body and answers a constant Customer Session object of the same size;
- **valid**: the stand-in, a valid body (the root schema's first example,
  form-encoded), answered 200;
- **invalid**: the stand-in, an invalid body (the smallest invalid example
  in tests/examples), answered 400.

Each figure is the median of --rounds runs taken in turn with the other
kinds (both servers run side by side, idle but for the one being measured),
so that other load on the machine weighs on every kind alike.

Then a soak: valid bodies at the highest connection count for --soak seconds,
once as they are and once with a new Idempotency-Key on every request (the
replay cache at its bound); the server's resident memory is sampled every
second.  A server is one process and wrk gets one thread, so on a 2-core
machine each has a core.  The script measures and prints a Markdown
table; it asserts nothing, but says whether the targets were met (valid ≥
0.5× the ceiling; 0 errors and flat memory in the soak).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "sk_test_loadBenchmark"


def _bodies() -> tuple[bytes, bytes]:
    """The valid body (the root schema's first example) and an invalid one: the median-sized invalid example."""
    from validator import check, form, loader

    valid = form.encode(loader.root()["examples"][0]).encode()
    invalid = []
    for path in sorted((ROOT / "tests" / "examples" / "invalid").glob("*.json")):
        payload = json.loads(path.read_text())["params"]
        try:
            body = form.encode(payload).encode()
        except (TypeError, ValueError):  # not a dict, or nothing a form can carry
            continue
        if body and list(check.params.iter_errors(form.decode(body))):
            invalid.append(body)
    invalid.sort(key=lambda body: (len(body), body))
    return valid, invalid[len(invalid) // 2]


class _Constant:
    """The ceiling: reads the body, answers a constant body with the stand-in's headers."""

    def __init__(self, body: bytes):
        from validator import loader

        self.body = body
        self.version = loader.api_version().encode("ascii")
        from validator.standin.answers import RequestIds

        self.new_request_id = RequestIds()

    async def __call__(self, scope, receive, send):
        from validator.standin import answers

        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": answers.base_headers(self.new_request_id(), len(self.body), self.version)})
        await send({"type": "http.response.body", "body": self.body})


def _serve_ceiling() -> None:
    from validator import answer, form
    from validator.standin import serving

    valid, _ = _bodies()
    body = json.dumps(answer.build(form.decode(valid))).encode()
    serving.serve("127.0.0.1", 0, app=_Constant(body))


def _start(command: list[str], log_path: Path) -> tuple[subprocess.Popen, int]:
    log = open(log_path, "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", log_path.read_text(errors="replace"))
        if found:
            time.sleep(0.5)  # bound, announced; uvicorn listens a moment later
            return process, int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    sys.exit(f"the server did not start: {log_path.read_text(errors='replace')[-1000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"wrk printed a latency this script cannot read: {text!r}")
    number, unit = found.groups()
    return float(number) * _UNITS[unit]


def _wrk(port: int, body: bytes, connections: int, seconds: int, folder: Path, unique_keys: bool = False) -> dict:
    script = folder / "post.lua"
    lua = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body.decode())}",
           'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
           f'wrk.headers["Authorization"] = "Bearer {KEY}"']
    if unique_keys:
        lua += ["local counter = 0", "request = function()",
                "  counter = counter + 1",
                '  wrk.headers["Idempotency-Key"] = "bench-" .. tostring(os.time()) .. "-" .. counter',
                "  return wrk.format()", "end"]
    script.write_text("\n".join(lua) + "\n")
    run = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/v1/customer_sessions"], capture_output=True, text=True, check=True)
    out = run.stdout
    if "Requests/sec" not in out or "50%" not in out:
        raise RuntimeError(f"wrk printed no figures:\n{out}\n{run.stderr}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(re.search(r"(?m)^\s+50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"(?m)^\s+99%\s+(\S+)", out).group(1)),
        "non_2xx": int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1))
        if "Non-2xx" in out else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used: what a request costs the server, whoever else
    shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _soak(port: int, pid: int, body: bytes, connections: int, seconds: int, folder: Path, unique_keys: bool) -> dict:
    wrk = subprocess.Popen([sys.executable, __file__, "--wrk-json", str(port), str(connections), str(seconds),
                            str(int(unique_keys))], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    samples = []
    while wrk.poll() is None:
        samples.append(_rss_mib(pid))
        time.sleep(1)
    result = json.loads(wrk.stdout.read())
    result["rss"] = samples
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--soak", type=int, default=60, help="seconds of each soak run; 0 skips them (default 60)")
    parser.add_argument("--connections", default="1,10,100", help="connection counts (default 1,10,100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure; the median is shown (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="a short run for a shared machine: 3 s per figure, 3 rounds, no soak "
                             "(compare the ratios of one run, not its figures with another's)")
    parser.add_argument("--serve-ceiling", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wrk-json", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.soak = 3, 3, 0
    if args.serve_ceiling:
        _serve_ceiling()
        return 0
    if args.wrk_json:  # a soak's wrk run, in a child so that the parent samples memory meanwhile
        port, connections, seconds, unique = map(int, args.wrk_json)
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(_wrk(port, _bodies()[0], connections, seconds, Path(folder), bool(unique))))
        return 0
    if shutil.which("wrk") is None:
        print("load_bench: wrk is not installed (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    counts = [int(count) for count in args.connections.split(",")]
    valid, invalid = _bodies()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        stand_in = [sys.executable, "-m", "validator", "serve", "--port", "0"]
        servers = {"ceiling": _start([sys.executable, __file__, "--serve-ceiling"], folder / "ceiling.log"),
                   "stand-in": _start(stand_in, folder / "stand-in.log")}
        kinds = [("ceiling", "ceiling", valid), ("valid", "stand-in", valid), ("invalid", "stand-in", invalid)]
        try:
            for label, server, body in kinds:
                _wrk(servers[server][1], body, max(counts), 2, folder)  # warm-up, not reported
            for connections in counts:
                # Rounds taken in turn, kind after kind, so that a machine busy with something else
                # for a while slows every kind alike; each figure is the median round.
                runs: dict = {label: [] for label, _, _ in kinds}
                for _ in range(args.rounds):
                    for label, server, body in kinds:
                        process = servers[server][0]
                        cpu = _cpu_seconds(process.pid)
                        result = _wrk(servers[server][1], body, connections, args.duration, folder)
                        result["cpu_us"] = (_cpu_seconds(process.pid) - cpu) / max(result["requests"], 1) * 1e6
                        expected = result["requests"] if label == "invalid" else 0
                        # wrk may count a request cut off at the end of the run as a response: allow one per connection.
                        miss = abs(result["non_2xx"] - expected)
                        result["errors"] = result["socket_errors"] + (miss if miss > connections else 0)
                        runs[label].append(result)
                for label, _, _ in kinds:
                    ordered = sorted(runs[label], key=lambda result: result["rps"])
                    median = dict(ordered[len(ordered) // 2])
                    median["cpu_us"] = sorted(result["cpu_us"] for result in ordered)[len(ordered) // 2]
                    median["errors"] = sum(result["errors"] for result in ordered)
                    rows.append((label, connections, median))
                    print(f"{label:8} c={connections:<4} {median['rps']:>9.0f} req/s  p50 {median['p50']:.2f} ms  "
                          f"p99 {median['p99']:.2f} ms  server CPU {median['cpu_us']:.1f} µs/request  "
                          f"errors {median['errors']}  "
                          f"(rounds: {', '.join('%.0f' % result['rps'] for result in runs[label])})", file=sys.stderr)
        finally:
            for process, _ in servers.values():
                _stop(process)
        soaks = []
        if args.soak:
            for unique in (False, True):
                process, port = _start(stand_in, folder / f"soak-{unique}.log")
                try:
                    _wrk(port, valid, max(counts), 2, folder)
                    soak = _soak(port, process.pid, valid, max(counts), args.soak, folder, unique)
                    soaks.append((unique, soak))
                finally:
                    _stop(process)

    ceiling = {connections: result["rps"] for label, connections, result in rows if label == "ceiling"}
    # Per request: the server process's CPU time (user + system) over the requests wrk counted. On a
    # machine shared with other work, throughput swings with the neighbours; CPU per request much less,
    # and the ceiling's over the stand-in's is the throughput ratio a server with a core of its own gets.
    cpu = {connections: result["cpu_us"] for label, connections, result in rows if label == "ceiling"}
    print("| kind | connections | requests/s | × ceiling | server CPU per request | × ceiling by CPU | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, connections, result in rows:
        ratio = result["rps"] / ceiling[connections] if ceiling.get(connections) else float("nan")
        by_cpu = cpu[connections] / result["cpu_us"] if result["cpu_us"] else float("nan")
        print(f"| {label} | {connections} | {result['rps']:,.0f} | {ratio:.2f} | {result['cpu_us']:.1f} µs "
              f"| {by_cpu:.2f} | {result['p50']:.2f} ms | {result['p99']:.2f} ms | {result['errors']} |")
    met = all(result["rps"] >= 0.5 * ceiling[connections] for label, connections, result in rows if label == "valid")
    met_cpu = all(cpu[connections] >= 0.5 * result["cpu_us"] for label, connections, result in rows if label == "valid")
    print(f"\nvalid ≥ 0.5 × ceiling at every connection count: {'met' if met else 'NOT met'} by throughput, "
          f"{'met' if met_cpu else 'NOT met'} by server CPU per request")
    for unique, soak in soaks:
        rss = soak["rss"]
        errors = soak["socket_errors"] + soak["non_2xx"]
        first, last = rss[min(5, len(rss) - 1)], rss[-1]
        print(f"\nsoak, {max(counts)} connections, {args.soak} s, valid bodies"
              f"{' with a new Idempotency-Key each' if unique else ''}: {soak['requests']:,} requests "
              f"({soak['rps']:,.0f}/s), p50 {soak['p50']:.2f} ms, p99 {soak['p99']:.2f} ms, errors {errors}; "
              f"RSS {rss[0]:.1f} MiB at start, {first:.1f} MiB at 5 s, {max(rss):.1f} MiB max, {last:.1f} MiB at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
