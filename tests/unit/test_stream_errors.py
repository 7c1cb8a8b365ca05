"""An error Bedrock sends inside a stream, after content, is raised, not handed over as a
chunk (docs/wire.md 10.8: typeless ``{"message": ...}`` objects and ``error`` events
whose data is stringified JSON, seen on mantle streams under throttling)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from support import MODEL, Factory, FakeBedrock, http_lib, settle, static_keys

MESSAGES: Any = [{"role": "user", "content": "Hi"}]


class _Chunks(http_lib.SyncByteStream, http_lib.AsyncByteStream):  # type: ignore[misc]
    """A streamed body, sent in the given pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def _chunk(text: str) -> bytes:
    event = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(event).encode() + b"\n\n"


def _stream(pieces: list[bytes]) -> http_lib.Response:
    return http_lib.Response(
        200, stream=_Chunks(pieces), headers={"content-type": "text/event-stream"}
    )


async def _texts(factory: Factory, bedrock: FakeBedrock) -> list[str]:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    stream = await settle(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    )
    texts: list[str] = []
    if hasattr(stream, "__aiter__"):
        async for chunk in stream:
            texts.extend(choice.delta.content or "" for choice in chunk.choices)
    else:
        for chunk in stream:
            texts.extend(choice.delta.content or "" for choice in chunk.choices)
    return texts


THROTTLED = b'data: {"message": "Too many tokens, please wait before trying again."}\n\n'
ERROR_FRAMES = [
    pytest.param([THROTTLED], id="a typeless message object"),
    pytest.param(
        [
            b'data: {"__type": "com.amazon.coral#ThrottlingException", '
            b'"message": "Too many tokens, please wait before trying again."}\n\n'
        ],
        id="an AWS object with __type",
    ),
    pytest.param(
        [
            b"event: error\n",
            b'data: "{\\"message\\": \\"Too many tokens, please wait before trying again.'
            b'\\", \\"code\\": null}"\n\n',
        ],
        id="an error event with stringified JSON",
    ),
    pytest.param([THROTTLED[:17], THROTTLED[17:40], THROTTLED[40:]], id="split across pieces"),
]


@pytest.mark.parametrize("frames", ERROR_FRAMES)
async def test_an_error_frame_after_content_raises(
    factory: Factory, bedrock: FakeBedrock, frames: list[bytes]
) -> None:
    """Failed before: the frame came back as a chunk without choices (or a str), and the
    stream ended as if complete."""
    bedrock.queue(_stream([_chunk("Hel"), _chunk("lo"), *frames]))
    with pytest.raises(openai_bedrock.StreamError) as caught:
        await _texts(factory, bedrock)
    assert isinstance(caught.value, openai.APIError)
    assert "Too many tokens, please wait" in caught.value.message
    assert caught.value.request.url.path.endswith("/chat/completions")


async def test_content_that_mentions_message_or_error_passes(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    """Only error frames are errors: text naming them, split anywhere, is content."""
    said = ['He said "message": and "error"', 'event: error {"message": "x"}']
    body = b"".join([_chunk(said[0]), _chunk(said[1]), b"data: [DONE]\n\n"])
    bedrock.queue(_stream([body[i : i + 7] for i in range(0, len(body), 7)]))
    assert "".join(await _texts(factory, bedrock)) == "".join(said)


def test_a_responses_stream_with_message_items_passes(bedrock: FakeBedrock) -> None:
    """Responses events name "message" output items; they are events, not errors."""
    events = [
        {"type": "response.output_item.added", "item": {"type": "message", "id": "m"}},
        {"type": "response.output_text.delta", "delta": "Hi"},
    ]
    body = b"".join(
        f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode() for event in events
    )
    bedrock.queue(_stream([body]))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=0)
    with client.responses.with_streaming_response.create(
        model=MODEL, input="Hi", stream=True
    ) as response:
        assert b"".join(response.iter_bytes()) == body


async def test_an_error_frame_after_a_line_longer_than_an_error_raises(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    """A long event (past the length an error frame can have) is not kept whole; the
    lines after it are still watched."""
    long = _chunk("x" * 100_000)
    pieces = [long[i : i + 4096] for i in range(0, len(long), 4096)]
    bedrock.queue(_stream([*pieces, THROTTLED]))
    with pytest.raises(openai_bedrock.StreamError, match="Too many tokens"):
        await _texts(factory, bedrock)
