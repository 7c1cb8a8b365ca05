"""Bedrock's Responses API answers (stored, streamed). Part of ``_shapes``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from ._chat_shapes import sse_event

# --- Responses API (mantle, section 1) ---------------------------------------------------


def response_object(
    *,
    id: str,
    model: str,
    created_at: int,
    text: str,
    message_id: str,
    reasoning: Optional[str] = None,
    reasoning_id: Optional[str] = None,
    input_tokens: int = 0,
    output_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> dict[str, Any]:
    """A completed ``response`` object with an optional reasoning item and one message.

    Shape DOCUMENTED (OpenAI Responses API reference; mantle serves it, S-resp); every
    value, and the ``reasoning_text`` content of the reasoning item, GUESS.
    """
    output: list[dict[str, Any]] = []
    if reasoning is not None:
        output.append(
            {
                "type": "reasoning",
                "id": reasoning_id or f"rs_{id.removeprefix('resp_')}",
                "summary": [],
                "content": [{"type": "reasoning_text", "text": reasoning}],
            }
        )
    output.append(
        {
            "type": "message",
            "id": message_id,
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }
    )
    return {
        "id": id,
        "object": "response",
        "created_at": created_at,
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens,
        },
        "user": None,
        "metadata": {},
    }


def response_stream_events(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of a streamed ``response`` whose last output item is one message.

    ``response`` is the completed object (``response_object``). Event types, order and
    fields DOCUMENTED (OpenAI Responses API streaming reference): created, in_progress,
    output_item.added, content_part.added, one output_text.delta per word,
    output_text.done, content_part.done, output_item.done, completed; each carries a
    ``sequence_number``. That mantle streams them this way INFERRED (section 1: mantle
    serves the OpenAI Responses API); the per-word deltas GUESS.
    """
    final = dict(response)
    message = dict(final["output"][-1])
    text = "".join(part.get("text", "") for part in message["content"])
    index = len(final["output"]) - 1
    where = {"item_id": message["id"], "output_index": index, "content_index": 0}
    empty_part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**message, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "part": empty_part},
    ]
    events += [
        {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
        for piece in re.findall(r"\S+\s*|\s+", text)
    ]
    events += [
        {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": message["content"][0]},
        {"type": "response.output_item.done", "output_index": index, "item": message},
        {"type": "response.completed", "response": final},
    ]
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def sse_named_event(event: Mapping[str, Any]) -> bytes:
    """An ``event: <type>`` + ``data:`` frame, as the Responses API streams. DOCUMENTED
    (OpenAI); no ``[DONE]`` follows the last one."""
    return b"event: " + str(event["type"]).encode() + b"\n" + sse_event(event)
