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
import statistics
import subprocess
import sys
import time
from typing import Any

import openai

import openai_bedrock
from openai_bedrock import _signing, _sigv4_signer, _transport
from suite.fixtures import (
    ACCESS_KEY_ID,
    API_KEY,
    MESSAGES,
    MODEL,
    REGION,
    RUNTIME_URL,
    SECRET_ACCESS_KEY,
    _reply,
    http,
)

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
    if is_async:
        plain: Any = openai.AsyncOpenAI(
            api_key=API_KEY,
            base_url=RUNTIME_URL,
            http_client=openai.DefaultAsyncHttpxClient(transport=transport),
        )
        factory: Any = openai_bedrock.create_async_client
    else:
        plain = openai.OpenAI(
            api_key=API_KEY,
            base_url=RUNTIME_URL,
            http_client=openai.DefaultHttpxClient(transport=transport),
        )
        factory = openai_bedrock.create_client

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


def _worker(calls: int, rounds: int, seed: int) -> dict[str, dict[str, list[float]]]:
    rng = random.Random(seed)
    out: dict[str, dict[str, list[float]]] = {}
    sync_clients = _clients(is_async=False)
    samples: dict[str, list[float]] = {name: [] for name in sync_clients}
    for client in sync_clients.values():
        for _ in range(20):
            client.chat.completions.create(model=MODEL, messages=MESSAGES)
    for _ in range(rounds):
        order = list(sync_clients)
        rng.shuffle(order)
        for name in order:
            create = sync_clients[name].chat.completions.create
            start = time.process_time()
            for _ in range(calls):
                create(model=MODEL, messages=MESSAGES)
            samples[name].append((time.process_time() - start) / calls * 1e6)
    out["sync"] = samples

    async def run_async() -> dict[str, list[float]]:
        async_clients = _clients(is_async=True)
        found: dict[str, list[float]] = {name: [] for name in async_clients}
        for client in async_clients.values():
            for _ in range(20):
                await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        for _ in range(rounds):
            order = list(async_clients)
            rng.shuffle(order)
            for name in order:
                create = async_clients[name].chat.completions.create
                start = time.process_time()
                for _ in range(calls):
                    await create(model=MODEL, messages=MESSAGES)
                found[name].append((time.process_time() - start) / calls * 1e6)
        return found

    out["async"] = asyncio.run(run_async())
    return out


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
        base = samples["plain openai"]
        plain = statistics.median(base)
        # Per-round ratios to the plain client's block of the same round: steadier than
        # differences of medians, as a round's blocks share the machine's state.
        ratios = {
            name: statistics.median(v / b for v, b in zip(values, base, strict=True))
            for name, values in samples.items()
        }
        print(f"\n{mode} (plain openai: {plain:.1f} us)")
        for name, values in samples.items():
            print(f"  {name:26s} {statistics.median(values):8.1f}  x{ratios[name]:.3f}")
        for stage, (with_it, without) in STAGES.items():
            cost = (ratios[with_it] - ratios[without]) * plain
            print(f"  stage {stage:20s} {cost:+8.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
