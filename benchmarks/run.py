"""openai-bedrock's performance suite: what the library adds to each call, measured
side by side with a plain ``openai`` client.

    python benchmarks/run.py            # the full run (about eight minutes)
    python benchmarks/run.py --quick    # a short smoke run, as CI runs it
    python benchmarks/run.py --all-majors          # the full run on openai 1.x, 2.x, 3.x
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
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

import openai_bedrock
from openai_bedrock import _sigv4
from openai_bedrock._settings import resolve_settings
from openai_bedrock._transport import AsyncBedrockTransport, BedrockTransport

# The HTTP library the installed openai builds its own clients on (httpx2 on 3.x,
# httpx on 1.x and 2.x): the baseline and our clients both use it.
http: Any = openai_bedrock.http_library()
HERE = Path(__file__).resolve().parent
REGION = "us-west-2"
RUNTIME_URL = f"https://bedrock-runtime.{REGION}.amazonaws.com/openai/v1"
# AWS's published example credentials, not secrets.
ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWF0LTEyMzQ1Njc4OTAxMjpleGFtcGxlc2VjcmV0"
MODEL = "openai.gpt-oss-20b-1:0"
MESSAGES = [{"role": "user", "content": "Hello!"}]
COMPLETION = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1795521601,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }
).encode()
CHUNK = (
    "data: "
    + json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1795521601,
            "model": MODEL,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}],
        }
    )
    + "\n\n"
).encode()
# The stream server stamps the moment it sends the chunk in place of this id.
_CHUNK_ID = b'"chatcmpl-1"'
assert _CHUNK_ID in CHUNK
TARGETS = {
    "sigv4_sync": "<= 1.04",
    "sigv4_async": "<= 1.04",
    "api_key_sync": "<= 1.01",
    "api_key_async": "<= 1.01",
    "stream_first_chunk": "<= 1.02",
    "async_throughput": ">= 0.97",
    "our_longest_stall_ms": "<= 2",
    "import_extra_ms": "<= 8",
    "sigv4_client_build_ms": "<= 50",
    "large_body_extra_copies": "<= 1",
}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _has_sdk_bedrock() -> bool:
    try:
        import openai.providers.bedrock  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------------------
# 1. Client-side cost per call against an in-process mock transport.


def _reply(request: Any) -> http.Response:
    return http.Response(200, content=COMPLETION, headers={"content-type": "application/json"})


def _forced_httpx() -> Any:
    """httpx, when the installed openai uses another library (openai 3.x: httpx2) and
    httpx is installed: the row of a plain client forced onto it, for information."""
    if http.__name__ == "httpx":
        return None
    try:
        import httpx
    except ImportError:
        return None
    return httpx


def _mock_clients(is_async: bool) -> dict[str, tuple[Any, str]]:
    """name -> (client, name of the baseline it is compared with)."""
    transport: Any = http.MockTransport(_reply)
    if is_async:
        plain: Any = openai.AsyncOpenAI(
            api_key=API_KEY,
            base_url=RUNTIME_URL,
            # The SDK's default client class, on the mock transport.
            http_client=openai.DefaultAsyncHttpxClient(transport=transport),
        )
        factory: Callable[..., Any] = openai_bedrock.create_async_client
    else:
        plain = openai.OpenAI(
            api_key=API_KEY,
            base_url=RUNTIME_URL,
            http_client=openai.DefaultHttpxClient(transport=transport),
        )
        factory = openai_bedrock.create_client
    clients: dict[str, tuple[Any, str]] = {
        "plain openai, API key": (plain, "plain openai, API key"),
        "ours, API key": (
            factory(region=REGION, api_key=API_KEY, transport=transport),
            "plain openai, API key",
        ),
        "ours, SigV4": (
            factory(
                region=REGION,
                access_key_id=ACCESS_KEY_ID,
                secret_access_key=SECRET_ACCESS_KEY,
                transport=transport,
            ),
            "plain openai, API key",
        ),
    }
    forced = _forced_httpx()
    if forced is not None:
        name = "plain openai forced onto httpx, API key"

        def forced_reply(request: Any) -> Any:
            return forced.Response(
                200, content=COMPLETION, headers={"content-type": "application/json"}
            )

        forced_cls = forced.AsyncClient if is_async else forced.Client
        client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        forced_client = forced_cls(transport=forced.MockTransport(forced_reply))
        clients[name] = (
            client_cls(api_key=API_KEY, base_url=RUNTIME_URL, http_client=forced_client),
            "plain openai, API key",
        )
    if _has_sdk_bedrock():
        import inspect

        from openai.providers.bedrock import bedrock

        sdk_httpx = http
        client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        http_cls = sdk_httpx.AsyncClient if is_async else sdk_httpx.Client

        def reply(request: Any) -> Any:
            return sdk_httpx.Response(
                200, content=COMPLETION, headers={"content-type": "application/json"}
            )

        def on_sdk_stack(**kwargs: Any) -> Any:
            transport = sdk_httpx.MockTransport(reply)
            return client_cls(http_client=http_cls(transport=transport), **kwargs)

        provider = {"region": REGION, "base_url": RUNTIME_URL}
        if "endpoint" in inspect.signature(bedrock).parameters:
            provider["endpoint"] = "runtime"
        baseline = "plain openai, API key"
        clients["SDK bedrock provider, API key"] = (
            on_sdk_stack(provider=bedrock(api_key=API_KEY, **provider)),
            baseline,
        )
        clients["SDK bedrock provider, SigV4"] = (
            on_sdk_stack(
                provider=bedrock(
                    access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY, **provider
                )
            ),
            baseline,
        )
    return clients


def _interleaved(
    names: list[str], run_block: Callable[[str], float], rounds: int, rng: random.Random
) -> dict[str, list[float]]:
    """Per name, one measurement per round; the order is shuffled in every round."""
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        order = names[:]
        rng.shuffle(order)
        for name in order:
            samples[name].append(run_block(name))
    return samples


def _summarise(
    samples: dict[str, list[float]], baselines: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Median per variant, and the median of its per-round ratios to its baseline."""
    out: dict[str, dict[str, Any]] = {}
    for name, values in samples.items():
        base = samples[baselines[name]]
        pairs = [value / ref for value, ref in zip(values, base, strict=True)]
        out[name] = {
            "median": _median(values),
            "ratio": _median(pairs),
            "baseline": baselines[name],
            "rounds": len(values),
        }
    return out


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
            [sys.executable, __file__, "--per-call-worker", worker],
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


# --------------------------------------------------------------------------------------
# Local servers, each in its own process (so the server does not share our event loop
# or GIL): "fast" answers every request at once with a chat completion (keep-alive);
# "stream" sends the response head and one SSE chunk, then waits for the client to go.


async def _serve(mode: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if mode == "fast":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"x-amzn-requestid: 00000000-0000-0000-0000-000000000000\r\n"
                        b"content-length: "
                        + str(len(COMPLETION)).encode()
                        + b"\r\n\r\n"
                        + COMPLETION
                    )
                    continue
                # The chunk carries the moment it is sent, on a clock that every
                # process on the machine shares (see _CLOCK).
                chunk = CHUNK.replace(_CHUNK_ID, b'"chatcmpl-%d"' % _CLOCK())
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                    + f"{len(chunk):x}\r\n".encode()
                    + chunk
                    + b"\r\n"
                )
                await writer.drain()
                await reader.read()  # until the client closes the connection
                break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


class LocalServer:
    def __init__(self, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", mode], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/openai/v1"

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --------------------------------------------------------------------------------------
# 2. Time to the first streamed chunk.


# time.perf_counter reads one system-wide clock on every platform Python 3.10+ runs on
# (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS, QueryPerformanceCounter on
# Windows), so a time taken in the server's process can be subtracted from one taken in
# ours. (time.monotonic would do on Linux and macOS, but before Python 3.13 it ticks
# every 15.6 ms on Windows.)
_CLOCK = time.perf_counter_ns


class _SendClock(http.BaseTransport):
    """The network transport, noting when a request is handed to it."""

    def __init__(self) -> None:
        self.inner = http.HTTPTransport()
        self.sent = 0

    def handle_request(self, request: http.Request) -> http.Response:
        self.sent = _CLOCK()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def bench_stream(samples_per_variant: int, rng: random.Random) -> dict[str, Any]:
    """Time to the first chunk in user code, from three starting points:

    - the server's send of that chunk (stamped into it): the way back alone, where
      buffering would show ("nothing buffered"), and the figure the target reads;
    - the request's send (handed to the network transport, after the client's own
      work, signing included), which adds writing the request and the server's turn;
    - calling ``create(stream=True)``, which adds the per-call cost measured in 1.
    """
    with LocalServer("stream") as server:
        clocks = {
            name: _SendClock() for name in ("plain openai, API key", "ours, API key", "ours, SigV4")
        }
        clients = {
            "plain openai, API key": openai.OpenAI(
                api_key=API_KEY,
                base_url=server.url,
                http_client=openai.DefaultHttpxClient(transport=clocks["plain openai, API key"]),
            ),
            "ours, API key": openai_bedrock.create_client(
                region=REGION,
                base_url=server.url,
                api_key=API_KEY,
                transport=clocks["ours, API key"],
            ),
            "ours, SigV4": openai_bedrock.create_client(
                region=REGION,
                base_url=server.url,
                access_key_id=ACCESS_KEY_ID,
                secret_access_key=SECRET_ACCESS_KEY,
                transport=clocks["ours, SigV4"],
            ),
        }
        from_request: dict[str, list[float]] = {name: [] for name in clients}
        from_create: dict[str, list[float]] = {name: [] for name in clients}

        def first_chunk(name: str) -> float:
            create = clients[name].chat.completions.create
            start = _CLOCK()
            stream = create(model=MODEL, messages=MESSAGES, stream=True)
            chunk = next(iter(stream))
            end = _CLOCK()
            stream.close()
            sent = int(chunk.id.rpartition("-")[2])
            if not start < sent < end:
                raise RuntimeError(f"the chunk's send time {sent} is not within this call")
            from_create[name].append((end - start) / 1e3)
            from_request[name].append((end - clocks[name].sent) / 1e3)
            return (end - sent) / 1e3

        for name in clients:
            for _ in range(5):
                first_chunk(name)
        for values in (*from_request.values(), *from_create.values()):
            values.clear()
        samples = _interleaved(list(clients), first_chunk, samples_per_variant, rng)
    baseline = "plain openai, API key"
    return {
        "unit": "microseconds to the first chunk in user code",
        "variants": _summarise(samples, dict.fromkeys(samples, baseline)),
        "from_request": _summarise(from_request, dict.fromkeys(from_request, baseline)),
        "from_create": _summarise(from_create, dict.fromkeys(from_create, baseline)),
    }


# --------------------------------------------------------------------------------------
# 3. Async throughput over loopback, and event-loop stalls.

# The openai SDK's own connection pool size, which our factories also use.
_SDK_LIMITS = http.Limits(max_connections=1000, max_keepalive_connections=100)

_entered: contextvars.ContextVar[tuple[float, float, float]] = contextvars.ContextVar("entered")
# True while our transport runs (body reads after it returned are the SDK's).
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("inside", default=False)


# CPU time spent in garbage collection so far: a collection can start inside our code
# (any allocation may trigger one) but sweeps the whole process's objects, so a span's
# share of it is reported apart from the span itself.
_gc_cpu = [0.0, 0.0]  # [total, start of the collection in progress]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_cpu[1] = time.thread_time()
    else:
        _gc_cpu[0] += time.thread_time() - _gc_cpu[1]


def _now() -> tuple[float, float, float]:
    return time.perf_counter(), time.thread_time(), _gc_cpu[0]


def _span(spans: list[tuple[float, float, float]]) -> None:
    wall, cpu, gc_cpu = _entered.get()
    spans.append((time.perf_counter() - wall, time.thread_time() - cpu, _gc_cpu[0] - gc_cpu))


class _SpanProbe(http.AsyncBaseTransport):
    """Sits between our transport and the real one and records how long our code ran
    without yielding to the event loop: from entering our transport to reaching the
    inner transport, and from the inner transport's answer back to our caller. Each
    span is kept as (wall time, this thread's CPU time): wall time also counts the
    moments the OS gave the CPU to another process, which our code did not cause."""

    def __init__(
        self, inner: http.AsyncBaseTransport, spans: list[tuple[float, float, float]]
    ) -> None:
        self.inner = inner
        self.spans = spans

    async def handle_async_request(self, request: http.Request) -> http.Response:
        _span(self.spans)
        response = await self.inner.handle_async_request(request)
        _entered.set(_now())
        # Reading the body is network I/O too: our transport reads a short success
        # (runtime's 200 UnknownOperation envelope check) before it returns, and that
        # await yields to the event loop like the one above.
        return http.Response(
            response.status_code,
            headers=response.headers,
            stream=_ProbedStream(response.stream, self.spans),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class _ProbedStream(http.AsyncByteStream):
    """A response body whose every read, while our transport runs, ends one span of
    our code and starts the next (reads by the SDK after our transport returned are
    not ours: they are not counted)."""

    def __init__(self, inner: Any, spans: list[tuple[float, float, float]]) -> None:
        self.inner = inner
        self.spans = spans

    async def __aiter__(self) -> Any:
        chunks = self.inner.__aiter__()
        while True:
            inside = _inside.get()
            if inside:
                _span(self.spans)
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            finally:
                if inside:
                    _entered.set(_now())
            yield chunk

    async def aclose(self) -> None:
        # Closing hands the connection back to the pool, which may wait for its lock.
        inside = _inside.get()
        if inside:
            _span(self.spans)
        try:
            await self.inner.aclose()
        finally:
            if inside:
                _entered.set(_now())


def _instrumented(
    factory: Callable[..., Any], spans: list[tuple[float, float, float]], **kwargs: Any
) -> Any:
    """An async client of ours whose inner transport is a _SpanProbe, with our
    transport's entry and exit timed too."""
    inner = _SpanProbe(http.AsyncHTTPTransport(limits=_SDK_LIMITS), spans)
    client = factory(transport=inner, **kwargs)
    transport = client._client._transport
    assert isinstance(transport, AsyncBedrockTransport)
    original = transport.handle_async_request

    async def timed(request: http.Request) -> http.Response:
        _entered.set(_now())
        token = _inside.set(True)
        try:
            response = await original(request)
        finally:
            _inside.reset(token)
        _span(spans)
        return response

    transport.handle_async_request = timed  # type: ignore[method-assign]
    return client


async def _loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - start - 0.001)


async def _throughput_round(client: Any, requests: int, concurrency: int) -> dict[str, float]:
    remaining = iter(range(requests))
    lags: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(_loop_lag(stop, lags))

    async def worker() -> None:
        for _ in remaining:
            await client.chat.completions.create(model=MODEL, messages=MESSAGES)

    start, cpu_start = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    stop.set()
    await monitor
    return {
        "rps": requests / elapsed,
        "cpu_us_per_request": cpu / requests * 1e6,
        "max_loop_lag_ms": max(lags, default=0.0) * 1e3,
    }


def bench_throughput(
    requests: int, concurrency: int, rounds: int, probe_rounds: int, rng: random.Random
) -> dict[str, Any]:
    async def run(url: str) -> dict[str, Any]:
        factory = openai_bedrock.create_async_client
        sigv4 = {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}
        clients = {
            # The default a user would write: the SDK's own HTTP stack and pool.
            "plain openai, API key": openai.AsyncOpenAI(api_key=API_KEY, base_url=url),
            "ours, API key": factory(region=REGION, base_url=url, api_key=API_KEY),
            "ours, SigV4": factory(region=REGION, base_url=url, **sigv4),
        }
        # The stall probes time our transport's every step, which has a cost of its own,
        # so they run on clients of their own, apart from the compared ones.
        spans: list[tuple[float, float, float]] = []
        probed = [
            _instrumented(factory, spans, region=REGION, base_url=url, api_key=API_KEY),
            _instrumented(factory, spans, region=REGION, base_url=url, **sigv4),
        ]
        for client in [*clients.values(), *probed]:  # warm up and fill the connection pools
            await _throughput_round(client, concurrency, concurrency)
        spans.clear()
        rps: dict[str, list[float]] = {name: [] for name in clients}
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        lag: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(rounds):
            order = list(clients)
            rng.shuffle(order)
            for name in order:
                gc.collect()
                result = await _throughput_round(clients[name], requests, concurrency)
                rps[name].append(result["rps"])
                cpu[name].append(result["cpu_us_per_request"])
                lag[name].append(result["max_loop_lag_ms"])
        for _ in range(probe_rounds):
            for client in probed:
                gc.collect()
                await _throughput_round(client, requests, concurrency)
        for client in [*clients.values(), *probed]:
            await client.close()
        return {"rps": rps, "cpu": cpu, "lag": lag, "spans": spans}

    gc.callbacks.append(_on_gc)
    try:
        with LocalServer("fast") as server:
            raw = asyncio.run(run(server.url))
    finally:
        gc.callbacks.remove(_on_gc)
    baseline = "plain openai, API key"
    variants = _summarise(raw["rps"], dict.fromkeys(raw["rps"], baseline))
    cpu = _summarise(raw["cpu"], dict.fromkeys(raw["cpu"], baseline))
    for name, row in cpu.items():
        variants[name]["cpu_us_per_request"] = row["median"]
        variants[name]["cpu_ratio"] = row["ratio"]
    for name, values in raw["lag"].items():
        variants[name]["max_loop_lag_ms_median"] = _median(values)
        variants[name]["max_loop_lag_ms_max"] = max(values)
    wall_ms = sorted(wall * 1e3 for wall, _, _ in raw["spans"])
    cpu_ms = sorted((cpu - gc_cpu) * 1e3 for _, cpu, gc_cpu in raw["spans"])
    gc_ms = max((gc_cpu * 1e3 for _, _, gc_cpu in raw["spans"]), default=0.0)
    return {
        "unit": "requests per second",
        "requests": requests,
        "concurrency": concurrency,
        "variants": variants,
        "our_code": {
            "spans": len(cpu_ms),
            "cpu_max_ms": cpu_ms[-1] if cpu_ms else float("nan"),
            "cpu_p99_ms": cpu_ms[int(len(cpu_ms) * 0.99)] if cpu_ms else float("nan"),
            "cpu_median_ms": _median(cpu_ms),
            "wall_max_ms": wall_ms[-1] if wall_ms else float("nan"),
            "wall_p99_ms": wall_ms[int(len(wall_ms) * 0.99)] if wall_ms else float("nan"),
            "longest_gc_inside_ms": gc_ms,
        },
    }


# --------------------------------------------------------------------------------------
# 4. A 20 MB body.


def bench_large_body(size: int, repeats: int) -> dict[str, Any]:
    body = os.urandom(size)
    settings = resolve_settings(
        region=REGION, access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY
    )
    credentials = _sigv4.FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
    headers = [
        ("host", f"bedrock-runtime.{REGION}.amazonaws.com"),
        ("content-type", "application/json"),
    ]

    def ours() -> None:
        _sigv4.sign(
            method="POST",
            url=RUNTIME_URL + "/chat/completions",
            headers=headers,
            body=body,
            credentials=credentials,
            service="bedrock",
            region=REGION,
            now=_sigv4.utcnow(),
        )

    def botocore_add_auth() -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        request = AWSRequest("POST", RUNTIME_URL + "/chat/completions", dict(headers), body)
        SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "bedrock", REGION).add_auth(
            request
        )

    def timed(func: Callable[[], None]) -> float:
        values = []
        for _ in range(repeats):
            start = time.perf_counter()
            func()
            values.append((time.perf_counter() - start) * 1e3)
        return _median(values)

    def through_transport() -> int:
        transport = BedrockTransport(
            settings, inner=http.MockTransport(lambda r: http.Response(200))
        )
        request = http.Request(
            "POST", RUNTIME_URL + "/chat/completions", headers=dict(headers), content=body
        )
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        transport.handle_request(request).close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak - base

    def transport_time() -> None:
        transport = BedrockTransport(
            settings, inner=http.MockTransport(lambda r: http.Response(200))
        )
        request = http.Request(
            "POST", RUNTIME_URL + "/chat/completions", headers=dict(headers), content=body
        )
        transport.handle_request(request).close()

    extra = through_transport()
    return {
        "body_bytes": size,
        "sign_ms": timed(ours),
        "transport_ms": timed(transport_time),
        "botocore_add_auth_ms": timed(botocore_add_auth),
        "peak_extra_bytes": extra,
        "extra_copies": extra / size,
    }


# --------------------------------------------------------------------------------------
# 5. Import and client build, in fresh interpreters.

_IMPORT_SCRIPT = """
import json, sys, time
clock = time.process_time if sys.argv[2] == "cpu" else time.perf_counter
t0 = clock()
import openai
t1 = clock()
# What a user pays: `import openai_bedrock` alone loads nearly nothing (its names are
# imported on first use, PEP 562), so the factory is looked up too.
import openai_bedrock
openai_bedrock.create_client
t2 = clock()
kwargs = {"region": "us-west-2"}
if sys.argv[1] == "sigv4":
    kwargs.update(access_key_id="AKIDEXAMPLE", secret_access_key="wJalrXUtnFEMI/K7MDENG")
else:
    kwargs.update(api_key="ABSKexample")
t3 = clock()
openai_bedrock.create_client(**kwargs)
t4 = clock()
openai_bedrock.create_client(**kwargs)
t5 = clock()
print(json.dumps({
    "import_openai_ms": (t1 - t0) * 1e3,
    "import_extra_ms": (t2 - t1) * 1e3,
    "first_build_ms": (t4 - t3) * 1e3,
    "second_build_ms": (t5 - t4) * 1e3,
    "botocore_imported": "botocore" in sys.modules,
}))
"""

_BARE_IMPORT_SCRIPT = """
import json, sys
import openai_bedrock.testing.pytest_plugin
heavy = ("openai", "httpx", "httpx2", "botocore")
print(json.dumps({"heavy": sorted(m for m in heavy if m in sys.modules)}))
"""

_PLAIN_BUILD_SCRIPT = """
import json, sys, time
import openai
clock = time.process_time if sys.argv[1] == "cpu" else time.perf_counter
t0 = clock()
openai.OpenAI(api_key="sk", base_url="https://example.invalid/v1")
t1 = clock()
print(json.dumps({"first_build_ms": (t1 - t0) * 1e3}))
"""


def _fresh(script: str, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull)
    env.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def bench_import(runs: int) -> dict[str, Any]:
    """Import and build times in fresh interpreters: CPU time (what the work costs,
    which the target is read against) and wall time (what a user waits, which also
    counts other processes taking the CPU on a busy machine)."""
    _fresh(_IMPORT_SCRIPT, "sigv4", "cpu")  # writes bytecode caches, as pip install does
    out: dict[str, Any] = {"runs": runs}
    for clock in ("cpu", "wall"):
        rows: dict[str, list[dict[str, Any]]] = {"sigv4": [], "api_key": [], "plain": []}
        for _ in range(runs):  # interleaved, like everything else
            rows["sigv4"].append(_fresh(_IMPORT_SCRIPT, "sigv4", clock))
            rows["api_key"].append(_fresh(_IMPORT_SCRIPT, "api_key", clock))
            rows["plain"].append(_fresh(_PLAIN_BUILD_SCRIPT, clock))

        def med(kind: str, key: str, rows: dict[str, list[dict[str, Any]]] = rows) -> float:
            return _median([row[key] for row in rows[kind]])

        out[clock] = {
            "import_openai_ms": _median(
                [row["import_openai_ms"] for row in rows["sigv4"] + rows["api_key"]]
            ),
            "import_extra_ms": _median(
                [row["import_extra_ms"] for row in rows["sigv4"] + rows["api_key"]]
            ),
            "sigv4_client_build_ms": med("sigv4", "first_build_ms"),
            "sigv4_client_second_build_ms": med("sigv4", "second_build_ms"),
            "api_key_client_build_ms": med("api_key", "first_build_ms"),
            "plain_openai_client_build_ms": med("plain", "first_build_ms"),
        }
        out["api_key_client_imported_botocore"] = any(
            row["botocore_imported"] for row in rows["api_key"]
        )
        out["sigv4_static_client_imported_botocore"] = any(
            row["botocore_imported"] for row in rows["sigv4"]
        )
    out["pytest_plugin_imports"] = _fresh(_BARE_IMPORT_SCRIPT)["heavy"]
    return out


# --------------------------------------------------------------------------------------


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    versions = {"python": platform.python_version(), "openai": openai.__version__}
    versions[http.__name__] = http.__version__
    versions["openai_bedrock"] = openai_bedrock.__version__
    try:
        import botocore

        versions["botocore"] = botocore.__version__
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def _ratios(results: dict[str, Any]) -> dict[str, float]:
    mock = results["per_call"]
    stream = results["stream"]["variants"]
    from_request = results["stream"]["from_request"]
    from_create = results["stream"]["from_create"]
    throughput = results["throughput"]["variants"]
    return {
        "our_longest_stall_ms": results["throughput"]["our_code"]["cpu_max_ms"],
        "import_extra_ms": results["import"]["cpu"]["import_extra_ms"],
        "sigv4_client_build_ms": results["import"]["cpu"]["sigv4_client_build_ms"],
        "large_body_extra_copies": results["large_body"]["extra_copies"],
        "sigv4_sync": mock["sync"]["ours, SigV4"]["ratio"],
        "sigv4_async": mock["async"]["ours, SigV4"]["ratio"],
        "api_key_sync": mock["sync"]["ours, API key"]["ratio"],
        "api_key_async": mock["async"]["ours, API key"]["ratio"],
        "stream_first_chunk": stream["ours, SigV4"]["ratio"],
        "stream_first_chunk_api_key": stream["ours, API key"]["ratio"],
        "stream_from_request_sigv4": from_request["ours, SigV4"]["ratio"],
        "stream_from_request_api_key": from_request["ours, API key"]["ratio"],
        "stream_from_create_sigv4": from_create["ours, SigV4"]["ratio"],
        "stream_from_create_api_key": from_create["ours, API key"]["ratio"],
        "async_throughput": throughput["ours, SigV4"]["ratio"],
        "async_throughput_api_key": throughput["ours, API key"]["ratio"],
    }


def _table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    mock = results["per_call"]
    add("Client-side cost per chat.completions.create, in-process mock transport")
    add(f"  {'client':<34} {'sync us':>9} {'ratio':>7} {'async us':>9} {'ratio':>7}")
    for name in mock["sync"]:
        sync, asy = mock["sync"][name], mock["async"][name]
        add(
            f"  {name:<34} {sync['median']:>9.1f} {sync['ratio']:>7.3f} "
            f"{asy['median']:>9.1f} {asy['ratio']:>7.3f}"
        )
    add("  (baseline: plain openai.OpenAI(api_key=..., base_url=...) on its own HTTP stack)")
    add("Time to the first streamed chunk in user code, loopback server that sends one chunk")
    add("then waits; from the server's send of the chunk, the request's send, and create()")
    add(
        f"  {'client':<29} {'from chunk sent':>15} {'ratio':>6} {'from request':>13} "
        f"{'ratio':>6} {'from create()':>14} {'ratio':>6}"
    )
    stream = results["stream"]
    for name, row in stream["variants"].items():
        request = stream["from_request"][name]
        created = stream["from_create"][name]
        add(
            f"  {name:<29} {row['median']:>12.1f} us {row['ratio']:>6.3f} "
            f"{request['median']:>10.1f} us {request['ratio']:>6.3f} "
            f"{created['median']:>11.1f} us {created['ratio']:>6.3f}"
        )
    tp = results["throughput"]
    add(f"Async throughput, {tp['requests']} requests at concurrency {tp['concurrency']}, loopback")
    for name, row in tp["variants"].items():
        add(
            f"  {name:<34} {row['median']:>9.0f} req/s {row['ratio']:>7.3f}"
            f"  CPU {row['cpu_us_per_request']:.0f} us/req ({row['cpu_ratio']:.3f})"
            f"  loop lag max {row['max_loop_lag_ms_median']:.1f} ms"
        )
    ours = tp["our_code"]
    add(
        f"  our transport's longest synchronous stretch ({ours['spans']} spans): CPU "
        f"{ours['cpu_max_ms']:.3f} ms (p99 {ours['cpu_p99_ms']:.3f}, median "
        f"{ours['cpu_median_ms']:.3f}) without garbage collection"
    )
    add(
        f"  (longest collection that started inside one: {ours['longest_gc_inside_ms']:.3f} ms "
        f"CPU; wall max {ours['wall_max_ms']:.3f} ms, p99 {ours['wall_p99_ms']:.3f}, counts "
        "collections and preemption by other processes)"
    )
    big = results["large_body"]
    add(f"Signing a {big['body_bytes'] / 2**20:.0f} MiB body")
    add(
        f"  ours: sign {big['sign_ms']:.1f} ms, whole transport {big['transport_ms']:.1f} ms, "
        f"peak extra memory {big['peak_extra_bytes'] / 2**20:.2f} MiB "
        f"({big['extra_copies']:.2f} copies of the body); "
        f"botocore add_auth {big['botocore_add_auth_ms']:.1f} ms"
    )
    imp = results["import"]
    add(f"Import and build (fresh interpreters, bytecode cached, median of {imp['runs']})")
    for clock in ("cpu", "wall"):
        row = imp[clock]
        add(
            f"  {clock:>4}: import openai {row['import_openai_ms']:.1f} ms; import "
            f"openai_bedrock (and create_client) after it +{row['import_extra_ms']:.1f} ms; "
            "first SigV4 client "
            f"(static keys) {row['sigv4_client_build_ms']:.1f} ms, next "
            f"{row['sigv4_client_second_build_ms']:.1f} ms; first API-key client "
            f"{row['api_key_client_build_ms']:.1f} ms; plain openai.OpenAI "
            f"{row['plain_openai_client_build_ms']:.1f} ms"
        )
    add(
        "  botocore imported by an API-key client: "
        f"{imp['api_key_client_imported_botocore']}; by a static-key SigV4 client: "
        f"{imp['sigv4_static_client_imported_botocore']}; loading the pytest plugin imports: "
        f"{', '.join(imp['pytest_plugin_imports']) or 'none of openai, httpx, httpx2, botocore'}"
    )
    add("Summary (ratios are ours / plain), targets")
    for key, value in results["ratios"].items():
        add(f"  {key:<28} {value:>7.3f}  {TARGETS.get(key, '')}")
    return "\n".join(lines)


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


MAJORS = (1, 2, 3)


def _all_majors(args: argparse.Namespace) -> int:
    """Run this script once per supported openai major, each in its own venv."""
    root = HERE.parent
    combined: dict[str, Any] = {}
    for major in MAJORS:
        venv = HERE / ".venvs" / f"openai{major}"
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Quick when already satisfied; pytest for the plugin's import figure.
        requirement = f"openai>={major},<{major + 1}"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-e", str(root), requirement, "pytest"],
            check=True,
        )
        output = venv / "results.json"
        command = [str(python), str(Path(__file__).resolve()), "--output", str(output)]
        command += ["--seed", str(args.seed)] + (["--quick"] if args.quick else [])
        print(f"openai {major}.x ...", file=sys.stderr, flush=True)
        subprocess.run(command, check=True)
        combined[f"{major}.x"] = json.loads(output.read_text(encoding="utf-8"))
    newest = combined[f"{MAJORS[-1]}.x"]
    results = {**newest, "majors": combined}
    results["table"] = "\n\n".join(
        f"openai {key} ({row['machine']['versions']['openai']})\n{row['table']}"
        for key, row in combined.items()
    )
    print(results["table"])
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
