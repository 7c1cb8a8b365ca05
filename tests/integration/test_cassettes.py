"""Replay cassettes/ (built from docs/wire.md section 8) through real clients.

vcrpy patches httpx's own transports, which our Bedrock transport wraps, so each test
runs the whole client: the SDK builds the request, our transport signs it, vcrpy answers
from the cassette, and our transport normalises the answer. Every test runs with the
sync and the async client. The calls match scripts/record_cassettes.py; keep them in step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import openai
import pytest
import vcr
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from vcr.errors import CannotOverwriteExistingCassetteException

import openai_bedrock
from openai_bedrock.testing import vcr_config
from support import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, http_lib, static_keys

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
REPLAY = vcr.VCR(**vcr_config(), cassette_library_dir=str(CASSETTES), record_mode="none")
RUNTIME_MODEL = "openai.gpt-oss-20b-1:0"
HELLO: list[Any] = [
    {"role": "developer", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello!"},
]
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<scope>[^,]+), SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def replay(name: str) -> Iterator[list[http_lib.Request]]:
    """Replay ``cassettes/<name>.yaml``; yield the requests as they reached the wire.

    vcrpy only keeps a scrubbed copy, so each request is captured as it enters vcrpy's
    stub, where it still carries the real signature.
    """
    wire: list[http_lib.Request] = []
    with REPLAY.use_cassette(f"{name}.yaml") as cassette:
        # Inside the cassette these are vcrpy's stubs; the spies delegate to them and
        # are removed before vcrpy restores the originals.
        stub = http_lib.HTTPTransport.handle_request
        async_stub = http_lib.AsyncHTTPTransport.handle_async_request

        def spy(self: http_lib.HTTPTransport, request: http_lib.Request) -> http_lib.Response:
            wire.append(request)
            return stub(self, request)

        async def async_spy(self: http_lib.AsyncHTTPTransport, request: http_lib.Request) -> Any:
            wire.append(request)
            return await async_stub(self, request)

        with (
            mock.patch.object(http_lib.HTTPTransport, "handle_request", spy),
            mock.patch.object(http_lib.AsyncHTTPTransport, "handle_async_request", async_spy),
        ):
            yield wire
        assert cassette.all_played, f"{name}.yaml was not fully replayed"


async def run(mode: str, call: Callable[[Any], Any], **overrides: Any) -> Any:
    """Make ``call(client)`` with a sync or async client; streams are read to the end."""
    kwargs = static_keys(max_retries=0, **overrides)
    if mode == "sync":
        with openai_bedrock.create_client(**kwargs) as client:
            result = call(client)
            return list(result) if isinstance(result, openai.Stream) else result
    async with openai_bedrock.create_async_client(**kwargs) as aclient:
        awaitable: Awaitable[Any] = call(aclient)
        result = await awaitable
        if isinstance(result, openai.AsyncStream):
            return [chunk async for chunk in result]
        return result


def assert_signed(
    wire: list[http_lib.Request], service: str, session_token: str | None = None
) -> None:
    """Exactly one request went out, SigV4-signed for ``service`` in us-west-2.

    The signature is recomputed independently with botocore from what was sent.
    """
    assert len(wire) == 1
    request = wire[0]
    match = AUTHORIZATION.fullmatch(request.headers["authorization"])
    assert match is not None, request.headers["authorization"]
    assert match["scope"] == f"{ACCESS_KEY_ID}/20261124/us-west-2/{service}/aws4_request"
    signed = match["signed"].split(";")
    assert {"host", "content-type", "x-amz-date"} <= set(signed)
    assert "x-amz-content-sha256" not in signed  # botocore's SigV4Auth never signs it
    assert ("x-amz-security-token" in signed) == (session_token is not None)
    assert request.headers["x-amz-date"] == "20261124T120000Z"
    assert "x-amz-content-sha256" not in request.headers

    expected = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={name: request.headers[name] for name in signed},
    )
    expected.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(
        Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, session_token), service, "us-west-2"
    )
    string_to_sign = signer.string_to_sign(expected, signer.canonical_request(expected))
    assert match["signature"] == signer.signature(string_to_sign, expected)


async def test_chat_completion(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("chat_completion") as wire:
        completion = await run(
            mode, lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO)
        )

    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 99
    assert completion._request_id == "6f1c2a3e-9b7d-4e0a-8c51-2d7e4b9a1f00"
    assert_signed(wire, "bedrock")


async def test_chat_completion_stream(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("chat_completion_stream") as wire:
        chunks = await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL,
                messages=[{"role": "user", "content": "Count to three."}],
                stream=True,
                stream_options={"include_usage": True},
            ),
            session_token=SESSION_TOKEN,
        )

    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "One, two, three."
    assert [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices][-1] == "stop"
    usage_chunks = [chunk for chunk in chunks if not chunk.choices]
    assert len(usage_chunks) == 1
    assert usage_chunks[0].usage.total_tokens == 82
    assert_signed(wire, "bedrock", session_token=SESSION_TOKEN)


async def test_throttling_becomes_rate_limit_error(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("throttling_429") as wire, pytest.raises(openai.RateLimitError) as caught:
        await run(mode, lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO))

    error = caught.value
    assert error.status_code == 429
    assert error.code == "ThrottlingException"
    assert "Too many tokens, please wait before trying again." in error.message
    assert error.request_id == "ca47a5ce-e260-4824-aa0e-2e62669d5d6e"
    assert_signed(wire, "bedrock")  # one attempt: max_retries=0


async def test_validation_error_becomes_bad_request(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("validation_400") as wire, pytest.raises(openai.BadRequestError) as caught:
        await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL,
                messages=[{"role": "user", "content": "Hello!"}],
                extra_body={"thinking": {"type": "enabled", "budget_tokens": 1024}},
            ),
        )

    error = caught.value
    assert error.status_code == 400
    assert error.code == "validation_error"  # OpenAI-style, as captured on runtime
    assert error.type == "invalid_request_error"
    assert "unknown field `thinking`" in error.message
    assert error.request_id == "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a"
    assert_signed(wire, "bedrock")


async def test_access_denied_becomes_permission_denied(
    mode: str, frozen_clock: dt.datetime
) -> None:
    with replay("access_denied_403") as wire, pytest.raises(openai.PermissionDeniedError) as caught:
        await run(mode, lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO))

    error = caught.value
    assert error.status_code == 403
    assert error.code == "AccessDeniedException"
    # The capital-M "Message" body still reaches the user.
    assert "is not authorized to perform: bedrock:InvokeModel" in error.message
    assert error.request_id == "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
    assert_signed(wire, "bedrock")


async def test_mantle_responses(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("mantle_responses") as wire:
        response = await run(
            mode,
            lambda c: c.responses.create(
                model="openai.gpt-oss-120b", input="Say hello in one short sentence."
            ),
            endpoint="mantle",
        )

    assert response.output_text == "Hello, nice to meet you!"
    assert response.status == "completed"
    assert response._request_id == "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"
    assert str(wire[0].url) == "https://bedrock-mantle.us-west-2.api.aws/v1/responses"
    assert_signed(wire, "bedrock-mantle")


async def test_replay_ignores_signature_and_date(mode: str) -> None:
    """Signed at the real current time (no frozen clock), the request still matches."""
    with replay("chat_completion") as wire:
        completion = await run(
            mode, lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO)
        )

    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    assert wire[0].headers["x-amz-date"] != "20261124T120000Z"


async def test_a_different_request_is_not_replayed(mode: str, frozen_clock: dt.datetime) -> None:
    """Matching includes the body: another prompt finds no recorded answer."""
    # openai 3.x lets the vcrpy error through; older SDKs wrap it in APIConnectionError.
    with (
        pytest.raises(
            (CannotOverwriteExistingCassetteException, openai.APIConnectionError)
        ) as caught,
        REPLAY.use_cassette("chat_completion.yaml"),
    ):
        await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL, messages=[{"role": "user", "content": "Goodbye!"}]
            ),
        )

    error: BaseException | None = caught.value
    while error is not None and not isinstance(error, CannotOverwriteExistingCassetteException):
        error = error.__cause__
    assert error is not None, f"not refused by vcrpy: {caught.value!r}"
