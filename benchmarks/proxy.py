"""What the local signing proxy adds: per-request latency (p50, p99) and first-chunk
delay on loopback, against calling the emulator directly through our client; and 200
concurrent streams held open through the proxy.

    python benchmarks/proxy.py            # 500 calls each way, 200 streams
    python benchmarks/proxy.py -n 2000

Everything runs in this process on 127.0.0.1 (emulator, uvicorn in a thread, clients).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import openai

import openai_bedrock
from openai_bedrock.proxy import create_app
from openai_bedrock.testing import BedrockEmulator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_proxy import running  # the tests' in-process uvicorn runner

MODEL = "openai.gpt-oss-20b-1:0"
MESSAGES: Any = [{"role": "user", "content": "Hello!"}]
TOKEN = "benchmark-token"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def timed(client: openai.OpenAI, count: int, stream: bool) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        if stream:
            chunks = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            next(iter(chunks))
            samples.append(time.perf_counter() - start)
            for _ in chunks:
                pass
        else:
            client.chat.completions.create(model=MODEL, messages=MESSAGES)
            samples.append(time.perf_counter() - start)
    return samples


async def held(url: str, count: int) -> tuple[int, int]:
    """Open ``count`` streams, read each one's first chunk, hold all open, then drain."""
    all_open = asyncio.Event()
    opened = 0
    async with openai.AsyncOpenAI(base_url=url, api_key=TOKEN, max_retries=0) as client:

        async def one() -> int:
            nonlocal opened
            stream = await client.chat.completions.create(
                model=MODEL, messages=MESSAGES, stream=True
            )
            iterator = stream.__aiter__()
            await iterator.__anext__()
            opened += 1
            if opened == count:
                all_open.set()
            await all_open.wait()
            n = 1
            async for _ in iterator:
                n += 1
            return n

        results = await asyncio.gather(*(one() for _ in range(count)))
    return opened, sum(1 for r in results if r > 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--streams", type=int, default=200)
    args = parser.parse_args()
    with BedrockEmulator() as emu:
        settings = dict(
            region=emu.region,
            base_url=emu.base_url,
            access_key_id=emu.access_key_id,
            secret_access_key=emu.secret_access_key,
        )
        direct = openai_bedrock.create_client(**settings, max_retries=0)
        with running(create_app(token=TOKEN, **settings)) as url:
            proxied = openai.OpenAI(base_url=url, api_key=TOKEN, max_retries=0)
            for client in (direct, proxied):
                timed(client, 50, False)  # warm up
            rows = {}
            for name, client in (("direct", direct), ("proxy", proxied)):
                rows[name, "call"] = timed(client, args.n, False)
                rows[name, "first chunk"] = timed(client, args.n, True)
            for kind in ("call", "first chunk"):
                d, p = rows["direct", kind], rows["proxy", kind]
                print(
                    f"{kind:12} direct p50 {pct(d, 0.5):6.2f} ms p99 {pct(d, 0.99):6.2f} ms | "
                    f"proxy p50 {pct(p, 0.5):6.2f} ms p99 {pct(p, 0.99):6.2f} ms | "
                    f"added p50 {pct(p, 0.5) - pct(d, 0.5):+.2f} ms "
                    f"p99 {pct(p, 0.99) - pct(d, 0.99):+.2f} ms"
                )
            emu.reset()
            opened, completed = asyncio.run(held(url, args.streams))
            ok = sum(1 for r in emu.requests if r.verdict == "ok")
            print(
                f"concurrent streams: {opened}/{args.streams} open at once, {completed} "
                f"completed, {ok} signature-checked ok by the emulator"
            )


if __name__ == "__main__":
    main()
