"""Reading what the guardrail did: guardrail_outcome on every object it takes, the stream
wrappers, and the hint on an access-denied call sent without a guardrail."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

import openai_bedrock
from openai_bedrock import (
    AsyncGuardrailStream,
    BedrockError,
    Guardrail,
    GuardrailOutcome,
    GuardrailStream,
    guardrail_outcome,
)
from openai_bedrock.testing import _shapes as shapes
from support import MODEL, Factory, FakeBedrock, http_lib, raised, settle, static_keys

BLOCKED = shapes.BLOCKED_MESSAGE
ACTION, TRACE = shapes.GUARDRAIL_ACTION, shapes.GUARDRAIL_TRACE
A_TRACE = shapes.guardrail_trace("gr1", guarded_characters=5, total_characters=5)


def completion(content: str = "Hi!", finish_reason: str = "stop", **extra: Any) -> dict[str, Any]:
    return shapes.chat_completion(
        id="c1", model=MODEL, content=content, created=1, finish_reason=finish_reason, extra=extra
    )


def chunk(content: str | None = None, finish_reason: str | None = None, **extra: Any) -> Any:
    delta = {} if content is None else {"content": content}
    return shapes.chat_chunk(
        id="c1", model=MODEL, created=1, delta=delta, finish_reason=finish_reason, extra=extra
    )


def response(text: str = "Hi!", incomplete: str | None = None, **extra: Any) -> dict[str, Any]:
    body = shapes.response_object(
        id="resp_1", model=MODEL, created_at=1, text=text, message_id="msg_1"
    )
    if incomplete is not None:
        body.update(status="incomplete", incomplete_details={"reason": incomplete})
    return {**body, **extra}


# The same JSON as a raw dict and as the SDK's model of it.
FORMS: dict[str, Callable[[type[Any], dict[str, Any]], Any]] = {
    "raw dict": lambda model, body: copy.deepcopy(body),
    "SDK object": lambda model, body: model.construct(**copy.deepcopy(body)),
}

CASES = [
    # (id, model, body, blocked_messages, expected: (action, decided_by, finish) or None)
    (
        "the action key",
        ChatCompletion,
        completion(**{ACTION: "INTERVENED"}),
        (),
        ("INTERVENED", "guardrail_action", "stop"),
    ),
    (
        "the action NONE",
        ChatCompletion,
        completion(**{ACTION: "NONE"}),
        (),
        ("NONE", "guardrail_action", "stop"),
    ),
    (
        "an action in lower case",
        ChatCompletion,
        completion(**{ACTION: "intervened"}),
        (),
        ("INTERVENED", "guardrail_action", "stop"),
    ),
    (
        "an unknown action counts as an intervention",
        ChatCompletion,
        completion(**{ACTION: "BLOCKED"}),
        (),
        ("INTERVENED", "guardrail_action", "stop"),
    ),
    (
        "the action key wins over finish_reason",
        ChatCompletion,
        completion(finish_reason="content_filter", **{ACTION: "NONE"}),
        (),
        ("NONE", "guardrail_action", "content_filter"),
    ),
    (
        "finish_reason content_filter",
        ChatCompletion,
        completion(finish_reason="content_filter"),
        (),
        ("INTERVENED", "finish_reason", "content_filter"),
    ),
    (
        "the blocked message",
        ChatCompletion,
        completion(f"  {BLOCKED}\n"),
        (BLOCKED,),
        ("INTERVENED", "blocked_message", "stop"),
    ),
    (
        "one of several blocked messages",
        ChatCompletion,
        completion(BLOCKED),
        ("Nope.", BLOCKED),
        ("INTERVENED", "blocked_message", "stop"),
    ),
    (
        "an answer that only contains the blocked message",
        ChatCompletion,
        completion(f"Note: {BLOCKED}"),
        (BLOCKED,),
        None,
    ),
    ("no guardrail information", ChatCompletion, completion(), (BLOCKED,), None),
    (
        "a chunk with the action key",
        ChatCompletionChunk,
        chunk("x", **{ACTION: "INTERVENED"}),
        (),
        ("INTERVENED", "guardrail_action", None),
    ),
    ("a chunk without it", ChatCompletionChunk, chunk("x"), (), None),
    (
        "a Response with the action key",
        Response,
        response(**{ACTION: "INTERVENED"}),
        (),
        ("INTERVENED", "guardrail_action", None),
    ),
    (
        "a Response cut off by a content filter",
        Response,
        response(incomplete="content_filter"),
        (),
        ("INTERVENED", "finish_reason", "content_filter"),
    ),
    (
        "a Response with the blocked message",
        Response,
        response(BLOCKED),
        (BLOCKED,),
        ("INTERVENED", "blocked_message", None),
    ),
    ("a plain Response", Response, response(), (BLOCKED,), None),
]


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize(
    ("model", "body", "blocked", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_guardrail_outcome(
    form: str, model: type[Any], body: dict[str, Any], blocked: Any, expected: Any
) -> None:
    outcome = guardrail_outcome(FORMS[form](model, body), blocked_messages=blocked)
    if expected is None:
        assert outcome is None
    else:
        assert outcome is not None
        assert (outcome.action, outcome.decided_by, outcome.finish_reason) == expected
        assert outcome.intervened == (expected[0] == "INTERVENED")


@pytest.mark.parametrize("form", list(FORMS))
def test_the_trace_is_returned_as_plain_data(form: str) -> None:
    body = completion(**{ACTION: "INTERVENED", TRACE: A_TRACE})
    outcome = guardrail_outcome(FORMS[form](ChatCompletion, body))
    assert outcome is not None
    assert outcome.trace == A_TRACE
    outcome.trace["guardrail"]["outputs"].append("changed")  # type: ignore[index]
    assert guardrail_outcome(FORMS[form](ChatCompletion, body)).trace == A_TRACE  # type: ignore[union-attr]


def test_an_outcome_is_immutable() -> None:
    outcome = GuardrailOutcome("INTERVENED", "guardrail_action")
    assert outcome.intervened
    with pytest.raises(AttributeError):
        outcome.action = "NONE"  # type: ignore[misc]


def test_a_single_blocked_message_may_be_a_string() -> None:
    assert guardrail_outcome(completion("Nope."), blocked_messages="Nope.") is not None
    assert guardrail_outcome(completion("N"), blocked_messages="Nope.") is None


def _status_error(body: Any) -> openai.APIStatusError:
    request = http_lib.Request("POST", "https://example.invalid/v1/chat/completions")
    reply = http_lib.Response(400, json=body, request=request)
    inner = body.get("error", body) if isinstance(body, dict) else body
    return openai.BadRequestError("Error code: 400", response=reply, body=inner)


@pytest.mark.parametrize(
    ("body", "blocked", "expected"),
    [
        pytest.param(
            {"error": {"message": "blocked"}, ACTION: "INTERVENED", TRACE: A_TRACE},
            (),
            ("INTERVENED", "guardrail_action"),
            id="keys beside the error member",
        ),
        pytest.param(
            {"message": BLOCKED},
            (BLOCKED,),
            ("INTERVENED", "blocked_message"),
            id="an AWS body whose message is the blocked message",
        ),
        pytest.param(
            {"error": {"message": "unknown field", "code": "ValidationException"}},
            (BLOCKED,),
            None,
            id="an ordinary error",
        ),
    ],
)
def test_guardrail_outcome_of_an_api_error(body: Any, blocked: Any, expected: Any) -> None:
    outcome = guardrail_outcome(_status_error(body), blocked_messages=blocked)
    assert (outcome and (outcome.action, outcome.decided_by)) == expected


# --- streams ----------------------------------------------------------------------------


class Source:
    """A chunk iterator that records how far it has been read, and whether it was closed."""

    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = chunks
        self.pulled = 0
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        for item in self.chunks:
            self.pulled += 1
            yield item

    async def __aiter__(self) -> AsyncIterator[Any]:
        for item in self.chunks:
            self.pulled += 1
            yield item

    def close(self) -> None:
        self.closed = True


class AsyncSource(Source):
    async def close(self) -> None:  # type: ignore[override]  # AsyncStream.close is async
        self.closed = True


INTERVENED_STREAM = [
    chunk("", **{ACTION: "NONE"}),
    chunk("Sorry, the model ", **{ACTION: "INTERVENED"}),
    chunk("cannot answer this question.", **{ACTION: "NONE"}),
    chunk(finish_reason="stop", **{ACTION: "NONE", TRACE: A_TRACE}),
]

STREAMS = [
    # (id, chunks, blocked, expected (action, decided_by, finish), trace expected)
    (
        "an intervention in any chunk sticks, the trace is the last chunk's",
        INTERVENED_STREAM,
        (),
        ("INTERVENED", "guardrail_action", "stop"),
        True,
    ),
    (
        "every chunk says NONE",
        [chunk("a", **{ACTION: "NONE"}), chunk(finish_reason="stop", **{ACTION: "NONE"})],
        (),
        ("NONE", "guardrail_action", "stop"),
        False,
    ),
    (
        "the blocked message spread over chunks",
        [
            chunk("Sorry, the model "),
            chunk("cannot answer this question."),
            chunk(finish_reason="stop"),
        ],
        (BLOCKED,),
        ("INTERVENED", "blocked_message", "stop"),
        False,
    ),
    (
        "the blocked message followed by more text",
        [chunk(BLOCKED), chunk(" More."), chunk(finish_reason="stop")],
        (BLOCKED,),
        None,
        False,
    ),
    (
        "a content filter",
        [chunk("a"), chunk(finish_reason="content_filter")],
        (),
        ("INTERVENED", "finish_reason", "content_filter"),
        False,
    ),
    (
        "no guardrail information",
        [chunk("a"), chunk(finish_reason="stop")],
        (BLOCKED,),
        None,
        False,
    ),
]


def _check(outcome: Any, expected: Any, with_trace: bool) -> None:
    if expected is None:
        assert outcome is None
        return
    assert (outcome.action, outcome.decided_by, outcome.finish_reason) == expected
    assert (outcome.trace == A_TRACE) if with_trace else (outcome.trace is None)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize(
    ("chunks", "blocked", "expected", "with_trace"),
    [pytest.param(*case[1:], id=case[0]) for case in STREAMS],
)
def test_a_stream_passes_chunks_through_and_holds_the_outcome_at_the_end(
    form: str, chunks: list[Any], blocked: Any, expected: Any, with_trace: bool
) -> None:
    source = Source([FORMS[form](ChatCompletionChunk, c) for c in chunks])
    stream = GuardrailStream(source, blocked_messages=blocked)
    seen = []
    for item in stream:
        assert source.pulled == len(seen) + 1  # nothing read ahead
        seen.append(item)
        if len(seen) < len(chunks):
            with pytest.raises(BedrockError, match="not ended"):
                stream.outcome  # noqa: B018
    assert seen == source.chunks
    assert stream.done
    _check(stream.outcome, expected, with_trace)


@pytest.mark.parametrize(
    ("chunks", "blocked", "expected", "with_trace"),
    [pytest.param(*case[1:], id=case[0]) for case in STREAMS],
)
async def test_an_async_stream_does_the_same(
    chunks: list[Any], blocked: Any, expected: Any, with_trace: bool
) -> None:
    source = AsyncSource([ChatCompletionChunk.construct(**copy.deepcopy(c)) for c in chunks])
    stream = AsyncGuardrailStream(source, blocked_messages=blocked)
    seen = []
    async for item in stream:
        assert source.pulled == len(seen) + 1
        seen.append(item)
    assert seen == source.chunks
    _check(stream.outcome, expected, with_trace)


def test_a_stream_left_early_has_no_outcome_and_is_closed() -> None:
    source = Source(INTERVENED_STREAM)
    with GuardrailStream(source) as stream:
        next(stream)
    assert source.closed
    assert not stream.done
    with pytest.raises(BedrockError, match="Read the stream to the end"):
        stream.outcome  # noqa: B018


async def test_an_async_stream_is_closed_by_its_context_manager() -> None:
    source = AsyncSource(INTERVENED_STREAM)
    async with AsyncGuardrailStream(source) as stream:
        assert await stream.__anext__() == INTERVENED_STREAM[0]
    assert source.closed


async def test_sdk_streams_are_wrapped(factory: Factory, bedrock: FakeBedrock) -> None:
    events = shapes.guardrail_stream_events(id="c1", model=MODEL, created=1, trace=A_TRACE)
    bedrock.queue(
        http_lib.Response(
            200, content=shapes.sse(events), headers={"content-type": "text/event-stream"}
        )
    )
    client = factory(**static_keys(), transport=bedrock)
    stream = await settle(
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    if isinstance(stream, openai.AsyncStream):
        async with AsyncGuardrailStream(stream) as astream:
            chunks = [c async for c in astream]
        outcome = astream.outcome
    else:
        with GuardrailStream(stream) as sstream:
            chunks = list(sstream)
        outcome = sstream.outcome
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert outcome is not None
    assert outcome.intervened
    assert outcome.trace == A_TRACE


# --- the access-denied hint -------------------------------------------------------------

DENIED = shapes.access_denied(shapes.iam_denied("arn:aws:iam::123456789012:user/u", "arn:x"))
HINT = "bedrock:GuardrailIdentifier"


def _reply(error: shapes.ErrorReply) -> http_lib.Response:
    return http_lib.Response(
        error.status, content=error.content, headers={"x-amzn-ErrorType": error.error_type}
    )


@pytest.mark.parametrize(
    ("client_kwargs", "call_kwargs", "error", "hinted"),
    [
        pytest.param({}, {}, DENIED, True, id="no guardrail: hinted"),
        pytest.param(
            {"guardrail": Guardrail("gr1")}, {}, DENIED, False, id="a client-wide guardrail"
        ),
        pytest.param({}, Guardrail("gr1").options(), DENIED, False, id="a per-call guardrail"),
        pytest.param({}, {}, shapes.unrecognized_client(), False, id="another 403"),
        # Failed before: every AccessDeniedException without a guardrail got the hint,
        # hiding the real fix for these two (the commonest 403s).
        pytest.param({}, {}, shapes.no_model_access(), False, id="no model access"),
        pytest.param({}, {}, shapes.invalid_api_key(), False, id="a bad API key"),
        pytest.param({}, {}, shapes.throttling(), False, id="not a 403"),
    ],
)
async def test_access_denied_without_a_guardrail_says_one_may_be_required(
    factory: Factory,
    bedrock: FakeBedrock,
    client_kwargs: dict[str, Any],
    call_kwargs: dict[str, Any],
    error: shapes.ErrorReply,
    hinted: bool,
) -> None:
    bedrock.queue(_reply(error))
    client = factory(**static_keys(), transport=bedrock, max_retries=0, **client_kwargs)
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "x"}], **call_kwargs
            )
        )
    message = raised(caught.value, openai.APIStatusError).message
    assert error.body[next(iter(error.body))] in message  # Bedrock's own text is kept
    assert (HINT in message) == hinted
    if hinted:
        assert "create_client(guardrail=openai_bedrock.Guardrail(" in message


def test_access_denied_on_mantle_has_no_guardrail_hint(bedrock: FakeBedrock) -> None:
    """Mantle ignores guardrails, so suggesting one would mislead."""
    bedrock.queue(_reply(DENIED))
    client = openai_bedrock.create_client(
        **static_keys(endpoint="mantle"), transport=bedrock, max_retries=0
    )
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert HINT not in caught.value.message


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        pytest.param(shapes.no_model_access(), "request model access", id="no model access"),
        pytest.param(shapes.invalid_api_key(), "API key was refused", id="a bad API key"),
    ],
)
def test_an_access_denied_403_says_what_to_fix(
    bedrock: FakeBedrock, error: shapes.ErrorReply, advice: str
) -> None:
    bedrock.queue(_reply(error))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert advice in caught.value.message
    assert HINT not in caught.value.message
