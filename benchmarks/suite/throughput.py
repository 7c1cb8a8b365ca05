"""3. Async throughput over loopback, and event-loop stalls."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import random
import time
from collections.abc import Callable
from typing import Any

import openai

import openai_bedrock
from openai_bedrock._transport import AsyncBedrockTransport

from .fixtures import ACCESS_KEY_ID, API_KEY, MESSAGES, MODEL, REGION, SECRET_ACCESS_KEY, http
from .sampling import _median, _summarise
from .servers import LocalServer

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
