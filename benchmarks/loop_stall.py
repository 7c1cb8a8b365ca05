"""How long does the event loop stall while the async client refreshes credentials?

Runs an async client against the local emulator with credentials whose refresh takes
``--refresh`` seconds (a slow STS / SSO / credential_process call), while a ticker task
wakes every millisecond; prints the longest gap between ticks during each refresh.
Run on the loop, a refresh would stall it for the whole refresh time.

    python benchmarks/loop_stall.py --runs 5 --refresh 1.0
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import statistics
import time
from typing import Any

from botocore.credentials import RefreshableCredentials

import openai_bedrock
from openai_bedrock.testing import BedrockEmulator

MODEL = "openai.gpt-oss-20b-1:0"


async def one_run(refresh_seconds: float) -> tuple[float, float]:
    """(max stall during refreshes, max stall outside them), in seconds."""
    with BedrockEmulator() as emu:
        now = [dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)]
        windows: list[tuple[float, float]] = []

        def metadata() -> dict[str, str]:
            expiry = now[0] + dt.timedelta(seconds=15 * 60 + 5)  # refresh every 5 requests
            return {
                "access_key": emu.access_key_id,
                "secret_key": emu.secret_access_key,
                "token": "",
                "expiry_time": expiry.isoformat(),
            }

        def refresh() -> dict[str, str]:
            started = time.perf_counter()
            time.sleep(refresh_seconds)
            emu.rotate_credentials()
            windows.append((started, time.perf_counter()))
            return metadata()

        credentials: Any = RefreshableCredentials.create_from_metadata(
            metadata(), refresh_using=refresh, method="assume-role"
        )
        credentials._time_fetcher = lambda: now[0]

        class Session:
            def get_credentials(self) -> Any:
                return credentials

        client = openai_bedrock.create_async_client(
            base_url=emu.base_url, region=emu.region, session=Session(), max_retries=0
        )
        hi = [{"role": "user", "content": "hi"}]
        await client.chat.completions.create(model=MODEL, messages=hi)
        ticks: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            ticks.append(time.perf_counter())
            while not done.is_set():
                await asyncio.sleep(0.001)
                ticks.append(time.perf_counter())

        async def traffic() -> None:
            for _ in range(12):
                now[0] += dt.timedelta(seconds=1)
                await client.chat.completions.create(model=MODEL, messages=hi)
            done.set()

        await asyncio.gather(ticker(), traffic())
        during, outside = [0.0], [0.0]
        for a, b in itertools.pairwise(ticks):
            hit = any(a < end and b > start for start, end in windows)
            (during if hit else outside).append(b - a)
        return max(during), max(outside)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refresh", type=float, default=1.0, help="seconds per refresh")
    args = parser.parse_args()
    results = [asyncio.run(one_run(args.refresh)) for _ in range(args.runs)]
    during = [d * 1000 for d, _ in results]
    outside = [o * 1000 for _, o in results]
    print(f"refresh of {args.refresh:.1f} s, {args.runs} runs, 2 refreshes each")
    print(
        f"max loop stall during refreshes: median {statistics.median(during):.1f} ms, "
        f"worst {max(during):.1f} ms"
    )
    print(
        f"max loop stall outside refreshes: median {statistics.median(outside):.1f} ms, "
        f"worst {max(outside):.1f} ms"
    )


if __name__ == "__main__":
    main()
