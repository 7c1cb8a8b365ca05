"""What the emulated model answers on Chat Completions: the completion, its stream
events, or a guardrail's intervention, as plain data (the emulator writes it out).

Tokens are counted as words: enough for usage fields that add up.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any, Optional, Union

from . import _shapes as shapes
from ._emulated_guardrail import Assessment

_WORDS = re.compile(r"\S+\s*")


def text_of(content: Any) -> str:
    """The text of a message ``content``: a string or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def tokens(text: str) -> int:
    return len(text.split())


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def chat_answer(
    body: dict[str, Any],
    texts: list[tuple[Any, str]],
    message: Optional[Mapping[str, Any]],
    guardrail: Optional[Assessment],
    now: dt.datetime,
) -> Union[dict[str, Any], list[Any]]:
    """The completion (a dict), or its stream events (a list) when ``body`` streams.

    ``texts`` are the request's (role, text) pairs; ``message`` the assistant message
    fields to answer with (None only when ``guardrail`` blocks).
    """
    prompt_tokens = sum(tokens(text) for _, text in texts)
    stream = body.get("stream") is True
    common = {"id": f"chatcmpl-{uuid.uuid4().hex}", "model": body["model"]}
    created = int(now.timestamp())

    if guardrail is not None and guardrail.blocked:
        if not stream:
            return shapes.guardrail_intervention(
                **common,
                created=created,
                blocked_message=guardrail.message,
                trace=guardrail.trace,
            )
        return shapes.guardrail_stream_events(
            **common,
            created=created,
            blocked_message=guardrail.message,
            trace=guardrail.trace,
        )

    assert message is not None  # given whenever no guardrail blocks
    message = dict(message)
    content = message.pop("content", None)
    finish = message.pop("finish_reason", None) or (
        "tool_calls" if message.get("tool_calls") else "stop"
    )
    completion_tokens = tokens(content or "")
    if not stream:
        completion = shapes.chat_completion(
            **common,
            created=created,
            content=content,
            message=message,
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
        if guardrail is not None:
            completion = shapes.guardrail_passed(completion, trace=guardrail.trace)
        return completion
    if "tool_calls" in message:  # stream deltas index their tool calls
        message["tool_calls"] = [
            {"index": i, **call} for i, call in enumerate(message["tool_calls"])
        ]
    return shapes.chat_stream_events(
        **common,
        created=created,
        pieces=_WORDS.findall(content or ""),
        include_usage=_include_usage(body),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        message=message,
        finish_reason=finish,
        every_chunk={shapes.GUARDRAIL_ACTION: "NONE"} if guardrail else None,
        last_chunk={shapes.GUARDRAIL_TRACE: guardrail.trace}
        if guardrail and guardrail.trace
        else None,
    )
