"""Replay the guardrail cassettes (built from docs/wire.md sections 4 and 8C) through
real clients, sync and async: what goes on the wire, and what guardrail_outcome reads.

The calls match scripts/record_cassettes.py; keep them in step.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock import AsyncGuardrailStream, Guardrail, GuardrailStream, guardrail_outcome
from openai_bedrock.testing import _shapes as shapes
from support import static_keys
from test_cassettes import RUNTIME_MODEL, assert_signed, replay

GUARDRAIL_ID = "gr1a2b3c4d5e"
TAGGED = Guardrail(GUARDRAIL_ID, version=1, tag_suffix="k3q9x2")
LOCK = TAGGED.tag("How do I pick a lock?")
HELLO: list[Any] = [
    {"role": "developer", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello!"},
]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def run(mode: str, call: Callable[[Any], Any], **overrides: Any) -> Any:
    """``call(client)`` with a sync or async client; a stream is wrapped in a
    GuardrailStream and read to the end: returns (chunks, outcome) then."""
    kwargs = static_keys(max_retries=0, **overrides)
    if mode == "sync":
        with openai_bedrock.create_client(**kwargs) as client:
            result = call(client)
            if not isinstance(result, openai.Stream):
                return result
            with GuardrailStream(result) as stream:
                return [chunk for chunk in stream], stream.outcome
    async with openai_bedrock.create_async_client(**kwargs) as aclient:
        result = await call(aclient)
        if not isinstance(result, openai.AsyncStream):
            return result
        async with AsyncGuardrailStream(result) as astream:
            return [chunk async for chunk in astream], astream.outcome


def guardrail_headers(request: Any) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k.startswith("x-amzn-bedrock-")}


async def test_a_client_wide_guardrail_that_passes(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("guardrail_passes") as wire:
        completion = await run(
            mode,
            lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO),
            guardrail=Guardrail(GUARDRAIL_ID, version=1),
        )

    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    outcome = guardrail_outcome(completion)
    assert outcome is not None
    assert (outcome.action, outcome.intervened, outcome.decided_by) == (
        "NONE",
        False,
        "guardrail_action",
    )
    assert outcome.trace is None
    assert guardrail_headers(wire[0]) == {
        "x-amzn-bedrock-guardrailidentifier": GUARDRAIL_ID,
        "x-amzn-bedrock-guardrailversion": "1",
    }
    assert_signed(wire, "bedrock")


async def test_a_per_call_guardrail_that_intervenes(mode: str, frozen_clock: dt.datetime) -> None:
    with replay("guardrail_intervenes") as wire:
        completion = await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL,
                messages=[{"role": "user", "content": LOCK}],
                **TAGGED.options(),
            ),
        )

    assert completion.choices[0].message.content == shapes.BLOCKED_MESSAGE
    assert guardrail_outcome(completion) == openai_bedrock.GuardrailOutcome(
        "INTERVENED", "guardrail_action", finish_reason="stop"
    )
    assert completion._request_id == "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
    assert_signed(wire, "bedrock")


async def test_a_streamed_intervention_is_known_once_the_stream_ends(
    mode: str, frozen_clock: dt.datetime
) -> None:
    traced = Guardrail(GUARDRAIL_ID, version=1, trace=True, tag_suffix="k3q9x2")
    with replay("guardrail_intervenes_stream") as wire:
        chunks, outcome = await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL,
                messages=[{"role": "user", "content": LOCK}],
                stream=True,
                **traced.options(),
            ),
        )

    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == shapes.BLOCKED_MESSAGE
    assert len(chunks) == 3  # every chunk passed through
    assert outcome.intervened
    assert outcome.decided_by == "guardrail_action"
    assert outcome.finish_reason == "stop"
    assert outcome.trace["guardrail"]["input"][GUARDRAIL_ID]["topicPolicy"]["topics"] == [
        {"name": "Lockpicking", "type": "DENY", "action": "BLOCKED"}
    ]
    assert guardrail_headers(wire[0])["x-amzn-bedrock-trace"] == "ENABLED"
    assert_signed(wire, "bedrock")


async def test_an_intervention_without_top_level_keys_is_read_from_the_blocked_message(
    mode: str, frozen_clock: dt.datetime
) -> None:
    with replay("guardrail_intervenes_without_keys"):
        completion = await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL, messages=[{"role": "user", "content": LOCK}]
            ),
            guardrail=TAGGED,
        )

    assert guardrail_outcome(completion) is None  # nothing to go on without the text
    outcome = guardrail_outcome(completion, blocked_messages=shapes.BLOCKED_MESSAGE)
    assert outcome is not None
    assert (outcome.intervened, outcome.decided_by) == (True, "blocked_message")


async def test_the_aws_trace_example(mode: str, frozen_clock: dt.datetime) -> None:
    """docs/wire.md section 8C: the request byte for byte, and the trace as data."""
    traced = Guardrail(GUARDRAIL_ID, version=1, trace=True, tag_suffix="k3q9x2")
    with replay("guardrail_trace") as wire:
        completion = await run(
            mode,
            lambda c: c.chat.completions.create(
                model=RUNTIME_MODEL,
                messages=[
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": traced.tag("How do I pick a lock?")},
                ],
                **traced.options(),
            ),
        )

    outcome = guardrail_outcome(completion)
    assert outcome is not None
    assert outcome.intervened
    assert outcome.trace == shapes.guardrail_trace(
        GUARDRAIL_ID, guarded_characters=21, total_characters=21
    )
    # Section 8C's body (the SDK's JSON spacing differs between openai versions).
    assert json.loads(wire[0].content) == {
        "model": RUNTIME_MODEL,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {
                "role": "user",
                "content": "<amazon-bedrock-guardrails-guardContent_k3q9x2>How do I pick a "
                "lock?</amazon-bedrock-guardrails-guardContent_k3q9x2>",
            },
        ],
        "amazon-bedrock-guardrailConfig": {"tagSuffix": "k3q9x2"},
    }
    assert guardrail_headers(wire[0]) == {
        "x-amzn-bedrock-guardrailidentifier": GUARDRAIL_ID,
        "x-amzn-bedrock-guardrailversion": "1",
        "x-amzn-bedrock-trace": "ENABLED",
    }
    assert_signed(wire, "bedrock")


async def test_an_unknown_guardrail_version_is_a_bad_request(
    mode: str, frozen_clock: dt.datetime
) -> None:
    with (
        replay("guardrail_invalid_version_400") as wire,
        pytest.raises(openai.BadRequestError) as caught,
    ):
        await run(
            mode,
            lambda c: c.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO),
            guardrail=Guardrail(GUARDRAIL_ID, version=99999999),
        )

    error = caught.value
    assert error.code == "ValidationException"
    assert "does not exist: gr1a2b3c4d5e:99999999" in error.message
    assert guardrail_outcome(error) is None
    assert guardrail_headers(wire[0])["x-amzn-bedrock-guardrailversion"] == "99999999"
