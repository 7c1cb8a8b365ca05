"""How many small chat completions per second go through a SigV4 client and the
local BedrockEmulator (both in this process, as in a test suite).

    python benchmarks/emulator_throughput.py                # 2000 requests, 1 thread
    python benchmarks/emulator_throughput.py -n 5000 --threads 4
    python benchmarks/emulator_throughput.py --profile      # where the time goes

Each request is a real HTTP/1.1 round trip on loopback: the client signs it with
SigV4, the emulator recomputes and checks the signature, answers a chat completion,
and the SDK parses it. Prints requests per second; no pass/fail.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
import time

import openai_bedrock
from openai_bedrock.testing import BedrockEmulator

MODEL = "openai.gpt-oss-20b-1:0"
MESSAGES = [{"role": "user", "content": "Hello!"}]


def run(emu: BedrockEmulator, count: int) -> None:
    with openai_bedrock.create_client(
        base_url=emu.base_url,
        region=emu.region,
        access_key_id=emu.access_key_id,
        secret_access_key=emu.secret_access_key,
        max_retries=0,
    ) as client:
        for _ in range(count):
            client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="requests in total")
    parser.add_argument("--threads", type=int, default=1, help="client threads")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    args = parser.parse_args()

    with BedrockEmulator() as emu:
        run(emu, 50)  # warm up: imports, first connection
        emu.reset()
        per_thread = args.n // args.threads
        threads = [
            threading.Thread(target=run, args=(emu, per_thread)) for _ in range(args.threads)
        ]
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        start, cpu_start = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        if profiler:
            profiler.disable()
        served = [r for r in emu.requests if r.verdict == "ok"]
        assert len(served) == per_thread * args.threads, "some requests failed"

    total = per_thread * args.threads
    print(
        f"{total / elapsed:.0f} req/s  ({total} SigV4 chat completions, "
        f"{args.threads} client thread(s), {elapsed:.2f} s wall)"
    )
    # Client and emulator share this process (and its GIL), so on an otherwise idle
    # machine wall time is close to CPU time; on a busy one, compare this figure.
    print(f"{total / cpu:.0f} req per CPU-second of this process  ({cpu:.2f} s CPU)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
