"""openai-bedrock's performance suite: what the library adds to each call, measured
side by side with a plain ``openai`` client.

    python benchmarks/run.py            # the full run (about eight minutes)
    python benchmarks/run.py --quick    # a short smoke run, as CI runs it
    python benchmarks/run.py --all-majors          # the full run on openai 1.x, 2.x, 3.x (~28 min)
    python benchmarks/run.py --all-majors --quick  # the same, short

``--all-majors`` builds one virtual environment per supported openai major under
``benchmarks/.venvs/`` (from PyPI, once; reused after), runs this script in each, and
writes their results together (``majors``, keyed "1.x", "2.x", "3.x"; the newest
major's figures are also the file's top-level ones).

Prints a table and writes ``benchmarks/results.json`` (``--output`` to change), whose
``ratios`` hold ours / plain for ``sigv4_sync``, ``sigv4_async``, ``api_key_sync``,
``api_key_async``, ``stream_first_chunk`` (the chunk's send to user code, SigV4) and
``async_throughput`` (requests per second). Measured:

1. Client-side cost of ``chat.completions.create`` against an in-process mock transport
   (no network), sync and async: plain ``openai.OpenAI`` with an API key (the
   baseline), ours with an API key and with SigV4, and, when the installed ``openai``
   has it, the SDK's own Bedrock provider (``openai.providers.bedrock``) with a key and
   with SigV4, compared with a plain client on the SDK's own HTTP stack.
2. Time to the first chunk in user code, against a local server that sends one chunk
   and then waits: from the server's send of the chunk (stamped into it), which is
   what buffering on the way back would lengthen; also from the request's send (the
   request handed to the network transport, after the client's own work, signing
   included) and from calling ``create(stream=True)``, which adds the per-call cost
   of 1.
3. Async throughput over loopback, 1,000 requests at concurrency 100 against a fast
   local server (in another process), and, on separate probed clients, the longest
   synchronous stretch of our transport's code (an event-loop stall caused by us), next
   to the event loop's longest lag overall.
4. Signing a 20 MB body: time, and peak extra memory while our transport handles it.
5. ``import openai_bedrock`` on top of ``import openai``, and building clients, in fresh
   interpreters with bytecode caching on (as after ``pip install``).

Every timing is interleaved (variants take turns, in a shuffled order per round) and
reported as a median over rounds; ratios are medians of per-round ratios, so a burst
of load from other processes on the machine hits both sides of a comparison alike.
Nothing here is a pass/fail gate: the ``targets`` in the JSON are there to read.

This file is the entry point (and the command the suite's worker and server processes are
started with); the jobs live in ``benchmarks/suite/``: ``per_call.py`` and ``clients.py``
(1), ``stream.py`` (2), ``throughput.py`` (3), ``large_body.py`` (4), ``startup.py`` (5),
``servers.py`` (the loopback servers), ``sampling.py`` (interleaving and medians),
``fixtures.py`` (the fake Bedrock's answers), ``report.py`` (ratios, targets, the table)
and ``majors.py`` (``--all-majors``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from suite.fixtures import HERE
from suite.large_body import bench_large_body
from suite.majors import _all_majors
from suite.per_call import _mock_call_samples, bench_mock_calls
from suite.report import TARGETS, _machine, _ratios, _table
from suite.servers import _serve
from suite.startup import bench_import
from suite.stream import bench_stream
from suite.throughput import bench_throughput


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a short run that only checks it works"
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", choices=["fast", "stream"], help=argparse.SUPPRESS)
    parser.add_argument("--per-call-worker", help=argparse.SUPPRESS)  # "calls,rounds,seed"
    parser.add_argument(
        "--all-majors", action="store_true", help="run on openai 1.x, 2.x and 3.x, one venv each"
    )
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0
    if args.per_call_worker:
        calls, rounds, seed = (int(part) for part in args.per_call_worker.split(","))
        print(json.dumps(_mock_call_samples(calls, rounds, random.Random(seed))))
        return 0
    if args.all_majors:
        return _all_majors(args)
    rng = random.Random(args.seed)
    quick = args.quick
    started = time.time()
    results: dict[str, Any] = {"mode": "quick" if quick else "full", "machine": _machine()}
    steps: list[tuple[str, Callable[[], Any]]] = [
        (
            "per_call",
            lambda: bench_mock_calls(
                5 if quick else 100, 10 if quick else 200, rng, processes=2 if quick else 4
            ),
        ),
        ("stream", lambda: bench_stream(5 if quick else 1000, rng)),
        (
            "throughput",
            lambda: bench_throughput(
                200 if quick else 1000,
                50 if quick else 100,
                1 if quick else 11,
                1 if quick else 5,
                rng,
            ),
        ),
        ("large_body", lambda: bench_large_body(20 * 2**20, 3 if quick else 11)),
        ("import", lambda: bench_import(2 if quick else 15)),
    ]
    for key, step in steps:
        print(f"[{time.time() - started:6.1f}s] {key} ...", file=sys.stderr, flush=True)
        results[key] = step()
    results["ratios"] = _ratios(results)
    results["targets"] = TARGETS
    results["seconds"] = round(time.time() - started, 1)
    table = _table(results)
    print(table)
    results["table"] = table
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
