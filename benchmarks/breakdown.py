"""Where our per-call time goes: the request path with one stage stubbed out at a time.

A diagnostic for work on the request path, not a target (the targets are run.py's).
Each variant is a client of ours whose transport skips one stage; the calls go to a mock
transport, as in run.py's per-call figures, so a stubbed request needs no valid
signature. Variants and a plain ``openai.OpenAI`` are timed in interleaved blocks of
calls (CPU time), in several fresh processes one after another, and each stage's cost is
the difference of two variants' per-round ratios to the plain client, in
microseconds of a plain call:

    transport     the wrapper itself: origin check, fork check, triage (API key client)
    api key       the API key's checks of the SDK's headers (Signing.prepare)
    sigv4 copy    SigV4 less its hashing: header shape, the signed copy, its headers
    sigv4 hashes  the signer: canonical request, two SHA-256 hashes, one HMAC

Usage: python benchmarks/breakdown.py [--processes 4] [--rounds 10] [--calls 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from typing import Any

import openai

from openai_bedrock import _signing, _sigv4_signer, _transport
from suite.clients import plain_client
from suite.fixtures import (
    ACCESS_KEY_ID,
    API_KEY,
    MESSAGES,
    MODEL,
    REGION,
    SECRET_ACCESS_KEY,
    _reply,
    http,
)
from suite.sampling import _summarise

KEYS = {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}


class _Unsigned(_signing.Signing):
    """Sends the SDK's request as it is (no header checks, no signature)."""

    def prepare(self, request: http.Request, credential: Any, path: Any = None) -> http.Request:
        return request


class _NoHashes(_sigv4_signer.Signer):
    """Fixed signature headers: everything but the signer's own work."""

    __slots__ = ()

    def headers(self, *args: Any) -> tuple[str, None, str]:
        return "20260101T000000Z", None, "AWS4-HMAC-SHA256 Credential=stub"


def _clients(is_async: bool) -> dict[str, Any]:
    transport: Any = http.MockTransport(_reply)
    plain, factory = plain_client(is_async, transport)

    def ours(**auth: str) -> tuple[Any, Any]:
        client = factory(region=REGION, transport=transport, **auth)
        bedrock = client._client._transport  # the package's own transport
        assert isinstance(bedrock, (_transport.BedrockTransport, _transport.AsyncBedrockTransport))
        return client, bedrock.signing

    clients = {"plain openai": plain}
    clients["API key"], _ = ours(api_key=API_KEY)
    clients["API key, transport only"], signing = ours(api_key=API_KEY)
    signing.__class__ = _Unsigned
    clients["SigV4"], _ = ours(**KEYS)
    clients["SigV4, no hashes"], signing = ours(**KEYS)
    signing._signer.__class__ = _NoHashes
    return clients


async def _block(client: Any, calls: int, is_async: bool) -> float:
    """CPU microseconds per call, over ``calls`` back-to-back calls."""
    create = client.chat.completions.create
    start = time.process_time()
    if is_async:
        for _ in range(calls):
            await create(model=MODEL, messages=MESSAGES)
    else:
        for _ in range(calls):
            create(model=MODEL, messages=MESSAGES)
    return (time.process_time() - start) / calls * 1e6


def _worker(calls: int, rounds: int, seed: int) -> dict[str, dict[str, list[float]]]:
    rng = random.Random(seed)

    async def measure(is_async: bool) -> dict[str, list[float]]:
        clients = _clients(is_async)
        for client in clients.values():  # warm up: imports, caches
            await _block(client, 20, is_async)
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(rounds):
            order = list(clients)
            rng.shuffle(order)
            for name in order:
                samples[name].append(await _block(clients[name], calls, is_async))
        return samples

    return {mode: asyncio.run(measure(mode == "async")) for mode in ("sync", "async")}


# stage -> (variant with it, variant without it)
STAGES = {
    "transport": ("API key, transport only", "plain openai"),
    "api key": ("API key", "API key, transport only"),
    "sigv4 copy": ("SigV4, no hashes", "API key, transport only"),
    "sigv4 hashes": ("SigV4", "SigV4, no hashes"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10, help="per process")
    parser.add_argument("--calls", type=int, default=100, help="per block")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # "calls,rounds,seed"
    args = parser.parse_args()
    if args.worker:
        calls, rounds, seed = (int(part) for part in args.worker.split(","))
        print(json.dumps(_worker(calls, rounds, seed)))
        return 0
    rng = random.Random(args.seed)
    pooled: dict[str, dict[str, list[float]]] = {"sync": {}, "async": {}}
    for _ in range(args.processes):
        worker = f"{args.calls},{args.rounds},{rng.randrange(2**32)}"
        found = subprocess.run(
            [sys.executable, __file__, "--worker", worker],
            capture_output=True,
            text=True,
            check=True,
        )
        for mode, samples in json.loads(found.stdout).items():
            for name, values in samples.items():
                pooled[mode].setdefault(name, []).extend(values)
    print(f"openai {openai.__version__}, CPU us per chat.completions.create (median)")
    for mode, samples in pooled.items():
        # Ratios are medians of per-round ratios to the plain client's block of the same
        # round (run.py's summary): steadier than differences of medians.
        summary = _summarise(samples, dict.fromkeys(samples, "plain openai"))
        plain = summary["plain openai"]["median"]
        print(f"\n{mode} (plain openai: {plain:.1f} us)")
        for name, row in summary.items():
            print(f"  {name:26s} {row['median']:8.1f}  x{row['ratio']:.3f}")
        for stage, (with_it, without) in STAGES.items():
            cost = (summary[with_it]["ratio"] - summary[without]["ratio"]) * plain
            print(f"  stage {stage:20s} {cost:+8.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
