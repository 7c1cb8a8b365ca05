"""Reliability proofs against the local Bedrock emulator (real HTTP on loopback, every
signature checked as Bedrock checks it): clock skew, rotating credentials, a slow
refresh beside a busy event loop, shared clients under concurrency, and os.fork()."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from botocore.credentials import RefreshableCredentials

import openai_bedrock
from openai_bedrock.testing import BedrockEmulator
from support import MODEL, http_lib


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


def keys(emu: BedrockEmulator) -> dict[str, Any]:
    return {
        "base_url": emu.base_url,
        "region": emu.region,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "max_retries": 0,
    }


def say(text: str) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}]}


def verdicts(emu: BedrockEmulator) -> list[str]:
    return [request.verdict for request in emu.requests]


class SessionOf:
    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def get_credentials(self) -> Any:
        return self.credentials


class RotatingSource:
    """Credentials that the emulator rotates at every refresh; they expire ``every``
    steps of a step clock (one step per request), so botocore refreshes every ``every``
    requests, inside its 15-minute advisory window."""

    def __init__(self, emu: BedrockEmulator, every: int, refresh_seconds: float = 0.0) -> None:
        self.emu = emu
        self.every = every
        self.refresh_seconds = refresh_seconds
        self.now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
        self.refreshes = 0
        self.refresh_threads: set[int] = set()
        self.refresh_windows: list[tuple[float, float]] = []
        self.credentials = RefreshableCredentials.create_from_metadata(
            self._metadata(), refresh_using=self._refresh, method="assume-role"
        )
        self.credentials._time_fetcher = lambda: self.now  # botocore's clock seam

    def _metadata(self) -> dict[str, str]:
        expiry = self.now + dt.timedelta(seconds=15 * 60 + self.every)
        return {
            "access_key": self.emu.access_key_id,
            "secret_key": self.emu.secret_access_key,
            "token": "",
            "expiry_time": expiry.isoformat(),
        }

    def _refresh(self) -> dict[str, str]:
        self.refresh_threads.add(threading.get_ident())
        started = time.perf_counter()
        if self.refresh_seconds:
            time.sleep(self.refresh_seconds)  # STS / SSO / a credential_process, slowly
        self.refreshes += 1
        self.emu.rotate_credentials()  # from now on the old set is rejected
        self.refresh_windows.append((started, time.perf_counter()))
        return self._metadata()

    def step(self) -> None:
        self.now += dt.timedelta(seconds=1)


# -- clock skew ------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [15, -15])
def test_a_skewed_clock_costs_at_most_one_extra_round_trip_sync(
    emu: BedrockEmulator, minutes: int
) -> None:
    emu.clock_offset = minutes * 60
    client = openai_bedrock.create_client(**keys(emu))
    answers = [client.chat.completions.create(**say(f"m{i}")) for i in range(20)]
    assert [a.choices[0].message.content for a in answers] == [f"m{i}" for i in range(20)]
    assert verdicts(emu) == ["InvalidSignatureException"] + ["ok"] * 20


@pytest.mark.parametrize("minutes", [15, -15])
async def test_a_skewed_clock_costs_at_most_one_extra_round_trip_async(
    emu: BedrockEmulator, minutes: int
) -> None:
    emu.clock_offset = minutes * 60
    client = openai_bedrock.create_async_client(**keys(emu))
    # 50 concurrent first requests are all signed before any answer arrives: each may
    # need its one extra round trip, never two.
    first = await asyncio.gather(
        *(client.chat.completions.create(**say(f"c{i}")) for i in range(50))
    )
    assert [a.choices[0].message.content for a in first] == [f"c{i}" for i in range(50)]
    assert 51 <= len(emu.requests) <= 100
    assert verdicts(emu).count("ok") == 50
    emu.reset()
    for i in range(20):
        await client.chat.completions.create(**say(f"s{i}"))
    assert verdicts(emu) == ["ok"] * 20


def test_a_bad_signature_is_not_retried_against_the_emulator(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_client(**{**keys(emu), "secret_access_key": "wrong" * 8})
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(**say("hi"))
    assert len(emu.requests) == 1
    assert verdicts(emu) != ["ok"]


# -- rotating credentials ----------------------------------------------------------------


@pytest.mark.slow  # 1,000 requests; CI runs it (`-m slow`)
def test_credentials_rotating_every_50_requests_cost_no_failure_sync(
    emu: BedrockEmulator,
) -> None:
    source = RotatingSource(emu, every=50)
    client = openai_bedrock.create_client(
        base_url=emu.base_url,
        region=emu.region,
        session=SessionOf(source.credentials),
        max_retries=0,
    )
    failures = 0
    for i in range(1000):
        source.step()
        try:
            answer = client.chat.completions.create(**say(f"r{i}"))
            assert answer.choices[0].message.content == f"r{i}"
        except openai.APIStatusError:
            failures += 1
    assert failures == 0
    assert source.refreshes == 19  # every 50 requests after the first 50
    assert verdicts(emu) == ["ok"] * 1000


@pytest.mark.slow  # 1,000 requests; CI runs it (`-m slow`)
async def test_credentials_rotating_every_50_requests_cost_no_failure_async(
    emu: BedrockEmulator,
) -> None:
    source = RotatingSource(emu, every=50)
    client = openai_bedrock.create_async_client(
        base_url=emu.base_url,
        region=emu.region,
        session=SessionOf(source.credentials),
        max_retries=0,
    )
    failures = 0
    for i in range(1000):
        source.step()
        try:
            answer = await client.chat.completions.create(**say(f"r{i}"))
            assert answer.choices[0].message.content == f"r{i}"
        except openai.APIStatusError:
            failures += 1
    assert failures == 0
    assert source.refreshes == 19
    assert threading.get_ident() not in source.refresh_threads  # always off the loop
    assert verdicts(emu) == ["ok"] * 1000


async def test_a_one_second_refresh_never_stalls_the_event_loop(emu: BedrockEmulator) -> None:
    refresh_seconds = 1.0
    source = RotatingSource(emu, every=5, refresh_seconds=refresh_seconds)
    client = openai_bedrock.create_async_client(
        base_url=emu.base_url,
        region=emu.region,
        session=SessionOf(source.credentials),
        max_retries=0,
    )
    await client.chat.completions.create(**say("warm up"))  # connections, imports
    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        ticks.append(time.perf_counter())
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks.append(time.perf_counter())

    async def traffic() -> None:
        for i in range(12):  # crosses two refreshes, one second each
            source.step()
            await client.chat.completions.create(**say(f"t{i}"))
        done.set()

    await asyncio.gather(ticker(), traffic())
    gaps = [(b - a, a, b) for a, b in itertools.pairwise(ticks)]
    during = [
        gap
        for gap, a, b in gaps
        if any(a < end and b > start for start, end in source.refresh_windows)
    ]
    stall = max(during)
    print(
        f"\nloop stall during {source.refreshes} refreshes of {refresh_seconds:.0f} s: "
        f"max {stall * 1000:.1f} ms over {len(during)} ticks "
        f"(whole run: max {max(g for g, _, _ in gaps) * 1000:.1f} ms)"
    )
    assert source.refreshes == 2
    assert sum(end - start for start, end in source.refresh_windows) >= 2 * refresh_seconds
    assert len(during) > 100  # the loop kept ticking through the refreshes
    # Run on the loop, one refresh would stall it for the whole second; off it, the loop
    # ticks through (above). The bound only tells those apart: a loaded 2-core CI machine
    # has shown 270 ms gaps, while the printed figure is under 10 ms on a quiet machine
    # (benchmarks/loop_stall.py measures it).
    assert stall < refresh_seconds * 0.9
    assert set(verdicts(emu)) == {"ok"}


# -- concurrency -------------------------------------------------------------------------


@pytest.mark.slow  # 1,000 requests; CI runs it (`-m slow`)
def test_one_sync_client_shared_by_32_threads_times_100_requests(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_client(**keys(emu))
    mismatches: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(32)

    def worker(n: int) -> None:
        start.wait()
        for i in range(100):
            text = f"thread {n} request {i}"
            try:
                answer = client.chat.completions.create(**say(text))
            except BaseException as exc:
                errors.append(exc)
                continue
            if answer.choices[0].message.content != text:
                mismatches.append(text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert mismatches == []
    assert len(emu.requests) == 3200
    assert set(verdicts(emu)) == {"ok"}


@pytest.mark.slow  # 1,000 requests; CI runs it (`-m slow`)
async def test_one_async_client_with_1000_concurrent_requests(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_async_client(**{**keys(emu), "max_retries": 2})
    texts = [f"request {i}" for i in range(1000)]
    answers = await asyncio.gather(*(client.chat.completions.create(**say(t)) for t in texts))
    assert [a.choices[0].message.content for a in answers] == texts
    assert len(emu.requests) == 1000  # no SDK retry was needed
    assert set(verdicts(emu)) == {"ok"}


# -- os.fork() -----------------------------------------------------------------------------

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")


def in_child(work: Any) -> tuple[int, str]:
    """Run ``work()`` in a forked child; its exit status and what it wrote."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # The emulator's threads make Python 3.12+ warn that forking may deadlock.
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            message = str(work())
            status = 0
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"
        finally:
            os.write(write_end, message.encode())
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


@fork_only
def test_a_client_used_after_fork_works_in_the_child(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_client(**keys(emu))
    assert client.chat.completions.create(**say("parent before")).choices[0].message.content

    parent_pool = client._client._transport.inner  # type: ignore[attr-defined]

    def child() -> str:
        texts = [client.chat.completions.create(**say(f"child {i}")) for i in range(3)]
        # Its own connection pool, not the parent's sockets.
        assert client._client._transport.inner is not parent_pool  # type: ignore[attr-defined]
        return ",".join(str(t.choices[0].message.content) for t in texts)

    status, output = in_child(child)
    assert (status, output) == (0, "child 0,child 1,child 2")
    # The parent's pooled connection was left alone and still works.
    answer = client.chat.completions.create(**say("parent after"))
    assert answer.choices[0].message.content == "parent after"
    assert set(verdicts(emu)) == {"ok"}


@fork_only
def test_an_async_client_used_after_fork_works_in_the_child(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_async_client(**keys(emu))

    async def ask(text: str) -> str:
        answer = await client.chat.completions.create(**say(text))
        return str(answer.choices[0].message.content)

    assert asyncio.run(ask("parent")) == "parent"
    parent_pool = client._client._transport.inner  # type: ignore[attr-defined]

    def child() -> str:
        text = asyncio.run(ask("child"))
        assert client._client._transport.inner is not parent_pool  # type: ignore[attr-defined]
        return text

    status, output = in_child(child)
    assert (status, output) == (0, "child")
    assert set(verdicts(emu)) == {"ok"}


@fork_only
def test_a_client_on_a_callers_transport_fails_clearly_after_fork(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_client(**keys(emu), transport=http_lib.HTTPTransport())
    client.chat.completions.create(**say("parent"))

    def child() -> str:
        try:
            client.chat.completions.create(**say("child"))
        except openai.OpenAIError as exc:
            seen: BaseException | None = exc
            while seen is not None and not isinstance(seen, openai_bedrock.ForkedClientError):
                seen = seen.__cause__
            return f"{type(seen).__name__}: {seen}"
        return "no error"

    status, output = in_child(child)
    assert status == 0
    assert output.startswith("ForkedClientError: This client was built in process")
    assert "Build a new client in the child" in output
    assert len(emu.requests) == 1  # nothing was sent from the child


@fork_only
def test_closing_a_client_in_a_child_leaves_the_parents_pool_alone(emu: BedrockEmulator) -> None:
    client = openai_bedrock.create_client(**keys(emu))
    client.chat.completions.create(**say("parent before"))
    parent_pool = client._client._transport.inner  # type: ignore[attr-defined]
    assert parent_pool._pool.connections  # one kept-alive connection

    def child() -> str:
        client.close()  # before any use in the child
        return str(len(parent_pool._pool.connections))

    assert in_child(child) == (0, "1")
    answer = client.chat.completions.create(**say("parent after"))
    assert answer.choices[0].message.content == "parent after"


def test_threads_of_a_child_share_one_rebuilt_pool() -> None:
    from openai_bedrock._fork import PerProcess

    built: list[object] = []
    second = threading.Event()

    def rebuild() -> object:
        built.append(object())
        if len(built) == 1:
            second.wait(timeout=1.0)  # a racing second rebuild would arrive meanwhile
        else:
            second.set()
        return built[-1]

    per_process: PerProcess[object] = PerProcess(object(), rebuild)
    per_process._pid = -1  # as if built in the parent of this process
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(per_process.get())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 1
    assert got == [built[0], built[0]]
