"""1. Client-side cost per call against an in-process mock transport, its rounds shared
among fresh worker processes (``run.py --per-call-worker``)."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from typing import Any

from .clients import _mock_clients
from .fixtures import MESSAGES, MODEL, RUN
from .sampling import _interleaved, _summarise

# Processes the per-call rounds are shared among, one after another. A process's memory
# layout and hash seed move every figure measured in it, by a percent or two here
# (https://github.com/psf/pyperf/issues/136, where pyperf's author explains why it spawns
# many worker processes); rounds pooled from several processes average that out.
PER_CALL_PROCESSES = 4


def bench_mock_calls(
    calls: int, rounds: int, rng: random.Random, processes: int = PER_CALL_PROCESSES
) -> dict[str, Any]:
    """CPU time per call (time.process_time): the client-side cost, which other
    processes on the machine cannot inflate by taking the CPU away (wall time would
    count the time we wait for it). ``rounds`` are shared among ``processes`` fresh
    interpreters (``_mock_call_samples`` in each), run one after another.

    Each block is ``calls`` back-to-back calls with the garbage collector left running.
    (Forcing a full collection before every block, as this
    suite once did with blocks of 10, walks the whole heap and leaves the CPU caches
    cold for the next call: it added about 30% to every client's calls and weighed
    most on the small pieces of code that run once per call, like ours.)"""
    pooled: dict[str, dict[str, list[float]]] = {"sync": {}, "async": {}}
    baselines: dict[str, dict[str, str]] = {}
    for index in range(processes):
        share = rounds // processes + (1 if index < rounds % processes else 0)
        worker = f"{calls},{share},{rng.randrange(2**32)}"
        out = subprocess.run(
            [sys.executable, str(RUN), "--per-call-worker", worker],
            capture_output=True,
            text=True,
            check=True,
        )
        samples = json.loads(out.stdout)
        baselines = samples["baselines"]
        for mode in ("sync", "async"):
            for name, values in samples[mode].items():
                pooled[mode].setdefault(name, []).extend(values)
    results: dict[str, Any] = {
        mode: _summarise(pooled[mode], baselines[mode]) for mode in ("sync", "async")
    }
    results["unit"] = "CPU microseconds per chat.completions.create"
    results["calls_per_block"] = calls
    results["processes"] = processes
    return results


def _mock_call_samples(calls: int, rounds: int, rng: random.Random) -> dict[str, Any]:
    """One process's share of ``bench_mock_calls``: per client, one figure per round."""
    sync_clients = _mock_clients(is_async=False)

    def sync_block(name: str) -> float:
        create = sync_clients[name][0].chat.completions.create
        start = time.process_time()
        for _ in range(calls):
            create(model=MODEL, messages=MESSAGES)
        return (time.process_time() - start) / calls * 1e6

    for name in sync_clients:  # warm up: imports, caches, connection objects
        for _ in range(20):
            sync_clients[name][0].chat.completions.create(model=MODEL, messages=MESSAGES)
    sync_samples = _interleaved(list(sync_clients), sync_block, rounds, rng)

    async def run_async() -> tuple[dict[str, list[float]], dict[str, str]]:
        async_clients = _mock_clients(is_async=True)
        for name in async_clients:
            for _ in range(20):
                await async_clients[name][0].chat.completions.create(model=MODEL, messages=MESSAGES)
        samples: dict[str, list[float]] = {name: [] for name in async_clients}
        for _ in range(rounds):
            order = list(async_clients)
            rng.shuffle(order)
            for name in order:
                create = async_clients[name][0].chat.completions.create
                start = time.process_time()
                for _ in range(calls):
                    await create(model=MODEL, messages=MESSAGES)
                samples[name].append((time.process_time() - start) / calls * 1e6)
        return samples, {n: b for n, (_, b) in async_clients.items()}

    async_samples, async_baselines = asyncio.run(run_async())
    return {
        "sync": sync_samples,
        "async": async_samples,
        "baselines": {
            "sync": {n: b for n, (_, b) in sync_clients.items()},
            "async": async_baselines,
        },
    }
