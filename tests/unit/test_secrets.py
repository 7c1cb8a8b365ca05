"""No secret in any log, repr, str, exception message or traceback, with every
relevant logger at DEBUG and ``OPENAI_LOG=debug``, across every path a request takes:
success, SDK retries, streaming, a clock-skew re-sign, AWS errors that quote the
session token back, failing credential refreshes and short-term keys."""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from support import (
    API_KEY,
    FROZEN_TIME,
    MODEL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Factory,
    FakeBedrock,
    chat_completion,
    http_lib,
    settle,
    sse,
    static_keys,
)
from test_clock_skew import skew_reply

LOGGERS = ("", "openai_bedrock", "openai", "httpx", "httpcore", "botocore", "botocore.auth")
HELLO = [{"role": "user", "content": "Hello!"}]


@pytest.fixture
def debug_everything(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[pytest.LogCaptureFixture]:
    """Every relevant logger at DEBUG, and the SDK's own OPENAI_LOG=debug switch on."""
    from openai._utils import _logs

    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(lg, lg.level, list(lg.handlers)) for lg in loggers]
    root_handlers = list(logging.getLogger().handlers)
    monkeypatch.setenv("OPENAI_LOG", "debug")
    _logs.setup_logging()
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    for lg, level, handlers in saved:
        lg.setLevel(level)
        lg.handlers[:] = handlers
    logging.getLogger().handlers[:] = root_handlers


def signatures(bedrock: FakeBedrock) -> list[str]:
    found = []
    for request in bedrock.requests:
        found += re.findall(r"Signature=([0-9a-f]{64})", request.headers.get("Authorization", ""))
    return found


def echoing_denial(request: http_lib.Request) -> http_lib.Response:
    """A 403 that quotes the canonical request, session token included."""
    token = request.headers.get("X-Amz-Security-Token", "")
    message = (
        "The request signature we calculated does not match the signature you provided. "
        f"The Canonical String for this request should have been 'POST\n/openai/v1/chat/"
        f"completions\n\nhost:x\nx-amz-security-token:{token}\n' "
        f"Authorization: {request.headers.get('Authorization', '')}"
    )
    return http_lib.Response(
        403, json={"message": message}, headers={"x-amzn-ErrorType": "InvalidSignatureException"}
    )


def bearer_denial(request: http_lib.Request) -> http_lib.Response:
    key = request.headers["Authorization"].removeprefix("Bearer ")
    return http_lib.Response(401, json={"Message": f"Authentication failed for {key}"})


def failing_refresh() -> Any:
    from botocore.credentials import RefreshableCredentials

    def refresh() -> dict[str, str]:
        raise RuntimeError("STS is unreachable")

    expired = (FROZEN_TIME - dt.timedelta(hours=1)).isoformat()
    credentials = RefreshableCredentials.create_from_metadata(
        {
            "access_key": "AKIDEXAMPLE",
            "secret_key": SECRET_ACCESS_KEY,
            "token": SESSION_TOKEN,
            "expiry_time": expired,
        },
        refresh_using=refresh,
        method="assume-role",
    )

    class Session:
        def get_credentials(self) -> Any:
            return credentials

    return Session()


async def test_no_secret_reaches_logs_reprs_errors_or_tracebacks(
    factory: Factory,
    bedrock: FakeBedrock,
    frozen_clock: dt.datetime,
    debug_everything: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    guardrail = openai_bedrock.Guardrail("gr1a2b3c4d5e", version=1, trace=True, tag_suffix="x1")
    provider = openai_bedrock.short_term_token_provider(**static_keys(session_token=SESSION_TOKEN))
    minted = provider.token()
    sigv4 = factory(
        **static_keys(session_token=SESSION_TOKEN),
        transport=bedrock,
        guardrail=guardrail,
        max_retries=1,
    )
    bearer = factory(region="us-west-2", api_key=API_KEY, transport=bedrock, max_retries=0)
    short_term = factory(
        region="us-west-2", token_provider=provider, transport=bedrock, max_retries=0
    )
    refreshing = factory(
        region="us-west-2", session=failing_refresh(), transport=bedrock, max_retries=0
    )
    errors: list[BaseException] = []

    async def attempt(call: Any) -> None:
        try:
            result = await settle(call())
            if isinstance(result, (openai.Stream, openai.AsyncStream)):
                async for _ in _iterate(result):
                    pass
        except Exception as exc:
            errors.append(exc)

    bedrock.queue(
        http_lib.Response(500, json={"message": "internal"}),  # retried by the SDK
        http_lib.Response(200, json=chat_completion()),
        http_lib.Response(
            200,
            content=sse(
                {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": MODEL,
                    "choices": [],
                }
            ),
            headers={"content-type": "text/event-stream"},
        ),
        skew_reply(frozen_clock + dt.timedelta(minutes=15)),
        http_lib.Response(200, json=chat_completion()),
        echoing_denial,
        bearer_denial,
        http_lib.Response(200, json=chat_completion()),
    )
    chat = {"model": MODEL, "messages": HELLO}
    await attempt(lambda: sigv4.chat.completions.create(**chat))
    await attempt(lambda: sigv4.chat.completions.create(**chat, stream=True))
    await attempt(lambda: sigv4.chat.completions.create(**chat))
    await attempt(lambda: sigv4.with_options(timeout=9).chat.completions.create(**chat))
    await attempt(lambda: bearer.chat.completions.create(**chat))
    await attempt(lambda: short_term.chat.completions.create(**chat))
    await attempt(lambda: refreshing.chat.completions.create(**chat))
    await attempt(lambda: sigv4.get("https://elsewhere.example/x", cast_to=http_lib.Response))
    assert len(errors) == 4, errors

    secrets = {
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        API_KEY,
        minted.token,
        *signatures(bedrock),
        *re.findall(r"X-Amz-Signature%3D([0-9a-f]{64})", minted.token),
    }
    assert len(signatures(bedrock)) >= 5
    captured = capfd.readouterr()
    shown = [debug_everything.text, captured.out, captured.err]
    for error in errors:
        shown += [str(error), repr(error), "".join(traceback.format_exception(error))]
        shown += [str(getattr(error, "body", "")), str(getattr(error, "message", ""))]
    objects: list[Any] = [guardrail, provider, minted, openai_bedrock.ConfigurationError("x")]
    for client in (sigv4, bearer, short_term, refreshing, sigv4.with_options(timeout=1)):
        transport = client._client._transport
        settings = transport.settings  # type: ignore[attr-defined]
        objects += [client, client._client, transport, settings, settings.auth]
        if isinstance(settings.auth, openai_bedrock._auth.SigV4Auth):
            objects.append(settings.auth.clock)
            if client is not refreshing:
                objects.append(settings.auth.frozen_credentials())
    shown += [text for obj in objects for text in (repr(obj), str(obj))]
    assert debug_everything.records, "DEBUG logging was not captured, so this proves nothing"
    everything = "\n".join(shown)
    for secret in secrets:
        assert secret not in everything


async def _iterate(stream: Any) -> Any:
    if isinstance(stream, openai.AsyncStream):
        async for chunk in stream:
            yield chunk
    else:
        for chunk in stream:
            yield chunk


async def test_no_secret_reaches_logs_over_real_http(
    debug_everything: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The same with the emulator, so httpcore's and h11's DEBUG traces are in play."""
    from openai_bedrock.testing import BedrockEmulator

    with BedrockEmulator(session_token=True) as emu:
        kwargs = {
            "base_url": emu.base_url,
            "region": emu.region,
            "access_key_id": emu.access_key_id,
            "secret_access_key": emu.secret_access_key,
            "session_token": emu.session_token,
            "max_retries": 1,
        }
        secrets = {emu.secret_access_key, str(emu.session_token), emu.api_key}
        sync = openai_bedrock.create_client(**kwargs)
        aio = openai_bedrock.create_async_client(**kwargs)
        bearer = openai_bedrock.create_client(
            base_url=emu.base_url, region=emu.region, api_key=emu.api_key
        )
        emu.clock_offset = 600  # one skew re-sign
        sync.chat.completions.create(model=MODEL, messages=HELLO)
        emu.fail("internal")  # one SDK retry
        await aio.chat.completions.create(model=MODEL, messages=HELLO)
        for _ in sync.chat.completions.create(model=MODEL, messages=HELLO, stream=True):
            pass
        bearer.chat.completions.create(model=MODEL, messages=HELLO)
        emu.rotate_credentials()  # the clients' keys are now rejected
        errors: list[BaseException] = []
        for call in (
            lambda: sync.chat.completions.create(model=MODEL, messages=HELLO),
            lambda: bearer.chat.completions.create(model=MODEL, messages=HELLO),
        ):
            with pytest.raises(openai.APIStatusError) as caught:
                call()
            errors.append(caught.value)
        for request in emu.requests:
            secrets.update(
                re.findall(r"Signature=([0-9a-f]{64})", request.headers.get("authorization", ""))
            )
    # Same body, same second, same key: identical signatures, so fewer distinct ones.
    assert len(secrets) >= 5
    assert any("httpcore" in record.name for record in debug_everything.records)
    captured = capfd.readouterr()
    shown = [debug_everything.text, captured.out, captured.err]
    shown += ["".join(traceback.format_exception(error)) for error in errors]
    everything = "\n".join(shown)
    for secret in secrets:
        assert secret not in everything
