"""The whole client against the local emulator, over real HTTP on loopback.

Unlike the mock-transport tests, every request here is signed by the client, sent over
a socket, and checked by the emulator the way Bedrock checks it. Each test runs with
the sync and the async factory (the ``factory`` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock.testing import BedrockEmulator
from support import MODEL, Factory, raised, settle

HI: list[Any] = [{"role": "user", "content": "Hello there"}]
GUARDRAIL_ID = "gr1a2b3c4d5e"


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's retry backoff starts at 0.5 s; the behaviour under test is the same."""
    monkeypatch.setattr("openai._base_client.INITIAL_RETRY_DELAY", 0.001, raising=False)


def make(factory: Factory, emu: BedrockEmulator, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "base_url": emu.base_url,
        "region": emu.region,
        "endpoint": emu.endpoint,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "session_token": emu.session_token,
        "max_retries": 0,
    }
    kwargs.update(overrides)
    return factory(**kwargs)


async def call(client: Any, method: Any, /, **kwargs: Any) -> Any:
    """``method(**kwargs)`` on either client, streams read to the end, client closed."""
    try:
        result = await settle(method(**kwargs))
        if isinstance(result, openai.Stream):
            return list(result)
        if isinstance(result, openai.AsyncStream):
            return [chunk async for chunk in result]
        return result
    finally:
        await settle(client.close())


async def test_chat_completion(factory: Factory, emu: BedrockEmulator) -> None:
    client = make(factory, emu)
    completion = await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert completion.choices[0].message.content == "Hello there"
    assert completion._request_id == emu.requests[-1].request_id
    [request] = emu.requests
    assert (request.auth, request.verdict) == ("sigv4", "ok")


async def test_streaming_with_usage(factory: Factory, emu: BedrockEmulator) -> None:
    client = make(factory, emu)
    chunks = await call(
        client,
        client.chat.completions.create,
        model=MODEL,
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
        stream_options={"include_usage": True},
    )

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "one two three"
    )
    assert chunks[-1].usage.total_tokens == 6
    assert emu.requests[-1].json()["stream"] is True


async def test_a_session_token_is_signed() -> None:
    with BedrockEmulator(session_token=True) as emu:
        client = make(openai_bedrock.create_async_client, emu)
        await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert emu.requests[-1].verdict == "ok"
    assert "x-amz-security-token" in emu.requests[-1].headers["authorization"]


async def test_a_bedrock_api_key(factory: Factory, emu: BedrockEmulator) -> None:
    client = make(factory, emu, api_key=emu.api_key, access_key_id=None, secret_access_key=None)
    await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert emu.requests[-1].auth == "bearer"
    assert emu.requests[-1].headers["authorization"] == f"Bearer {emu.api_key}"


@pytest.mark.usefixtures("fast_retries")
async def test_the_sdk_retries_throttling_and_unavailability(
    factory: Factory, emu: BedrockEmulator
) -> None:
    emu.fail("throttle")
    emu.fail("unavailable")
    client = make(factory, emu, max_retries=2)
    completion = await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert completion.choices[0].message.content == "Hello there"
    assert [r.verdict for r in emu.requests] == [
        "ThrottlingException",
        "ServiceUnavailableException",
        "ok",
    ]
    # Each attempt was signed afresh and passed the emulator's signature check.
    assert {r.auth for r in emu.requests} == {"sigv4"}
    retry_counts = [r.headers.get("x-stainless-retry-count") for r in emu.requests]
    assert retry_counts == ["0", "1", "2"]


@pytest.mark.usefixtures("fast_retries")
async def test_the_sdk_retries_a_dropped_connection(factory: Factory, emu: BedrockEmulator) -> None:
    emu.fail("drop")
    client = make(factory, emu, max_retries=1)
    await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert [r.verdict for r in emu.requests] == ["dropped", "ok"]


async def test_throttling_without_retries_is_a_rate_limit_error(
    factory: Factory, emu: BedrockEmulator
) -> None:
    emu.fail("throttle")
    client = make(factory, emu)
    with pytest.raises(openai.RateLimitError) as caught:
        await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert caught.value.code == "ThrottlingException"
    assert caught.value.request_id == emu.requests[-1].request_id


async def test_a_bad_signature_is_rejected(factory: Factory, emu: BedrockEmulator) -> None:
    client = make(factory, emu, secret_access_key="not-the-secret-" + "x" * 25)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert caught.value.status_code == 403
    assert caught.value.code == "InvalidSignatureException"
    assert emu.requests[-1].verdict == "InvalidSignatureException"


async def test_a_client_wide_guardrail_reaches_the_wire_and_the_emulator_intervenes(
    factory: Factory, emu: BedrockEmulator
) -> None:
    emu.add_guardrail(GUARDRAIL_ID, version=1, blocks=lambda text: "lock" in text)
    guardrail = openai_bedrock.Guardrail(GUARDRAIL_ID, version=1, trace=True)
    client = make(factory, emu, guardrail=guardrail)
    try:
        blocked = await settle(
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "How do I pick a lock?"}]
            )
        )
        allowed = await settle(client.chat.completions.create(model=MODEL, messages=HI))
    finally:
        await settle(client.close())

    assert blocked.choices[0].message.content == "Sorry, the model cannot answer this question."
    assert (blocked.model_extra or {})["amazon-bedrock-guardrailAction"] == "INTERVENED"
    assert GUARDRAIL_ID in (blocked.model_extra or {})["amazon-bedrock-trace"]["guardrail"]["input"]
    assert allowed.choices[0].message.content == "Hello there"
    assert (allowed.model_extra or {})["amazon-bedrock-guardrailAction"] == "NONE"
    # The project's own reader agrees with what the emulator answered.
    blocked_outcome = openai_bedrock.guardrail_outcome(blocked)
    allowed_outcome = openai_bedrock.guardrail_outcome(allowed)
    assert blocked_outcome is not None
    assert blocked_outcome.intervened
    assert blocked_outcome.decided_by == "guardrail_action"
    assert allowed_outcome is not None
    assert not allowed_outcome.intervened
    assert allowed_outcome.trace is not None  # trace was asked for, so it comes either way
    for request in emu.requests:
        assert request.headers["x-amzn-bedrock-guardrailidentifier"] == GUARDRAIL_ID
        assert request.headers["x-amzn-bedrock-guardrailversion"] == "1"
        assert request.headers["x-amzn-bedrock-trace"] == "ENABLED"
        assert request.verdict == "ok"  # the guardrail headers were signed too


async def test_an_unknown_guardrail_is_refused_by_bedrock(
    factory: Factory, emu: BedrockEmulator
) -> None:
    client = make(factory, emu, guardrail=openai_bedrock.Guardrail("grmissing", version=2))
    with pytest.raises(openai.BadRequestError) as caught:
        await call(client, client.chat.completions.create, model=MODEL, messages=HI)

    assert caught.value.code == "ValidationException"


async def test_mantle_responses(factory: Factory) -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        client = make(factory, emu)
        response = await call(
            client, client.responses.create, model="openai.gpt-oss-120b", input="Hi mantle"
        )

    assert response.output_text == "Hi mantle"
    assert emu.requests[-1].path == "/v1/responses"
    assert emu.requests[-1].verdict == "ok"


async def test_a_guardrail_where_bedrock_ignores_it_is_refused_before_sending(
    factory: Factory, emu: BedrockEmulator
) -> None:
    """Runtime's Responses API ignores guardrails, so the client never sends the call."""
    client = make(factory, emu, guardrail=openai_bedrock.Guardrail(GUARDRAIL_ID))
    with pytest.raises(openai.OpenAIError) as caught:
        await call(client, client.responses.create, model=MODEL, input="Hi")

    raised(caught.value, openai_bedrock.GuardrailNotEnforcedError)
    assert emu.requests == []


def test_a_blocked_stream_reads_as_intervened(emu: BedrockEmulator) -> None:
    emu.add_guardrail(GUARDRAIL_ID, version=1)
    guardrail = openai_bedrock.Guardrail(GUARDRAIL_ID, version=1, trace=True)
    with make(openai_bedrock.create_client, emu, guardrail=guardrail) as client:
        stream = client.chat.completions.create(model=MODEL, messages=HI, stream=True)
        with openai_bedrock.GuardrailStream(stream) as guarded:
            text = "".join(c.choices[0].delta.content or "" for c in guarded if c.choices)

    assert text == "Sorry, the model cannot answer this question."
    assert guarded.outcome is not None
    assert guarded.outcome.intervened
    assert guarded.outcome.trace is not None
