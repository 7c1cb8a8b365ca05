"""Bedrock's successful answers on Chat Completions (plain and streamed), with and
without a guardrail, and the models list; JSON and SSE framing shared by all shapes.
Part of ``_shapes`` (sources and section numbers as explained there)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Optional

# The Bedrock console's default blocked-input text. INFERRED (3P, section 8C).
BLOCKED_MESSAGE = "Sorry, the model cannot answer this question."


def dumps(value: Any) -> bytes:
    """Compact JSON, as the section 8 examples show Bedrock's bodies."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


# --- Chat Completions -------------------------------------------------------------------


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    """The ``usage`` object. DOCUMENTED (OpenAI chat.completion object, S-oai)."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def chat_completion(
    *,
    id: str,
    model: str,
    content: Optional[str],
    created: int,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    reasoning: Optional[str] = None,
    message: Optional[Mapping[str, Any]] = None,
    finish_reason: str = "stop",
    service_tier: Optional[str] = "default",
    extra: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` (section 8A).

    Shape DOCUMENTED (S-oai); ``service_tier: "default"`` INFERRED (3P-observed); the
    ``reasoning`` key name for GPT-OSS INFERRED (unverified). ``message`` adds or
    overrides assistant message fields (``tool_calls``, ...); ``extra`` adds top-level
    keys (guardrail fields).
    """
    fields: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        fields["reasoning"] = reasoning
    fields.update(message or {})
    body: dict[str, Any] = {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "message": fields, "finish_reason": finish_reason}],
        "usage": usage(prompt_tokens, completion_tokens),
    }
    if service_tier is not None:
        body["service_tier"] = service_tier
    body.update(extra or {})
    return body


def chat_chunk(
    *,
    id: str,
    model: str,
    created: int,
    delta: Optional[Mapping[str, Any]] = None,
    finish_reason: Optional[str] = None,
    chunk_usage: Optional[Mapping[str, int]] = None,
    usage_only: bool = False,
    extra: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` (section 6, 8B).

    Every chunk carries ``"usage": null`` except the usage-only chunk
    (``usage_only=True``: ``"choices": []`` and the usage). INFERRED (3P-observed on
    mantle, section 6).
    """
    choices: list[dict[str, Any]] = []
    if not usage_only:
        choices.append({"index": 0, "delta": dict(delta or {}), "finish_reason": finish_reason})
    body: dict[str, Any] = {
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": dict(chunk_usage) if usage_only and chunk_usage is not None else None,
    }
    body.update(extra or {})
    return body


def chat_stream_events(
    *,
    id: str,
    model: str,
    created: int,
    pieces: Iterable[str],
    include_usage: bool = False,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    message: Optional[Mapping[str, Any]] = None,
    finish_reason: str = "stop",
    every_chunk: Optional[Mapping[str, Any]] = None,
    last_chunk: Optional[Mapping[str, Any]] = None,
) -> list[dict[str, Any]]:
    """The chunks of a streamed completion, in order, without ``[DONE]``.

    A role chunk with empty content (GUESS), one chunk per piece of text, a finish
    chunk, and with ``include_usage`` a usage-only chunk (INFERRED, 3P-observed on
    mantle, section 6). ``message`` fields other than ``content`` (``tool_calls``) go
    into the last content delta. ``every_chunk`` keys are added to each chunk,
    ``last_chunk`` keys to the final one: InvokeModelWithResponseStream sends
    ``amazon-bedrock-guardrailAction`` in every chunk and the trace in the last one
    (DOCUMENTED for InvokeModel, INFERRED for Chat Completions, section 4).
    """
    common: dict[str, Any] = {"id": id, "model": model, "created": created, "extra": every_chunk}
    events = [chat_chunk(delta={"role": "assistant", "content": ""}, **common)]
    events += [chat_chunk(delta={"content": piece}, **common) for piece in pieces]
    other = {k: v for k, v in (message or {}).items() if k not in ("role", "content")}
    if other:
        events.append(chat_chunk(delta=other, **common))
    events.append(chat_chunk(delta={}, finish_reason=finish_reason, **common))
    if include_usage:
        events.append(
            chat_chunk(
                usage_only=True, chunk_usage=usage(prompt_tokens, completion_tokens), **common
            )
        )
    events[-1].update(last_chunk or {})
    return events


def sse_event(event: Mapping[str, Any]) -> bytes:
    """One ``data:`` frame. INFERRED (3P-observed on mantle, section 6)."""
    return b"data: " + dumps(event) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"


def sse(events: Iterable[Mapping[str, Any]]) -> bytes:
    """A whole ``text/event-stream`` body ending in ``data: [DONE]``. INFERRED (section 6)."""
    return b"".join(sse_event(event) for event in events) + SSE_DONE


# --- Guardrails (section 4, 8C) ----------------------------------------------------------

# Top-level keys of InvokeModel responses: DOCUMENTED there (S-grtest, S-invoke),
# INFERRED for Chat Completions (section 4).
GUARDRAIL_ACTION = "amazon-bedrock-guardrailAction"
GUARDRAIL_TRACE = "amazon-bedrock-trace"


def guardrail_trace(
    guardrail_id: str,
    *,
    guarded_characters: int,
    total_characters: int,
    topic: Optional[str] = "Lockpicking",
    latency_ms: int = 212,
) -> dict[str, Any]:
    """``amazon-bedrock-trace`` for an input blocked by a denied topic.

    ``topic=None`` gives the trace of an input that passed: no policy assessment, only
    the metrics. Layout DOCUMENTED for InvokeModel (S-grtest, S-invoke), INFERRED for
    Chat Completions; the topic name and numbers GUESS (section 8C).
    """
    assessment: dict[str, Any] = {}
    if topic is not None:
        assessment["topicPolicy"] = {
            "topics": [{"name": topic, "type": "DENY", "action": "BLOCKED"}]
        }
    return {
        "guardrail": {
            "input": {
                guardrail_id: {
                    **assessment,
                    "invocationMetrics": {
                        "guardrailProcessingLatency": latency_ms,
                        "usage": {
                            "topicPolicyUnits": 1,
                            "contentPolicyUnits": 0,
                            "wordPolicyUnits": 0,
                            "sensitiveInformationPolicyUnits": 0,
                            "sensitiveInformationPolicyFreeUnits": 0,
                            "contextualGroundingPolicyUnits": 0,
                        },
                        "guardrailCoverage": {
                            "textCharacters": {
                                "guarded": guarded_characters,
                                "total": total_characters,
                            }
                        },
                    },
                }
            },
            "outputs": [],
        }
    }


def guardrail_intervention(
    *,
    id: str,
    model: str,
    created: int,
    blocked_message: str = BLOCKED_MESSAGE,
    trace: Optional[Mapping[str, Any]] = None,
    top_level_keys: bool = True,
) -> dict[str, Any]:
    """A chat completion whose input a guardrail blocked (section 8C).

    HTTP 200 with the blocked message as content: INFERRED (3P-observed). Top-level
    ``"amazon-bedrock-guardrailAction": "INTERVENED"`` and ``amazon-bedrock-trace`` (only
    when trace is enabled): DOCUMENTED for InvokeModel, INFERRED here.
    ``top_level_keys=False`` gives the variant without them. ``finish_reason: "stop"``
    and zero usage: GUESS.
    """
    extra: dict[str, Any] = {}
    if top_level_keys:
        extra[GUARDRAIL_ACTION] = "INTERVENED"
        if trace is not None:
            extra[GUARDRAIL_TRACE] = dict(trace)
    return chat_completion(
        id=id,
        model=model,
        content=blocked_message,
        created=created,
        service_tier=None,
        extra=extra,
    )


def guardrail_passed(
    completion: Mapping[str, Any], *, trace: Optional[Mapping[str, Any]] = None
) -> dict[str, Any]:
    """``completion`` as a guardrail that did not intervene returns it: with
    ``"amazon-bedrock-guardrailAction": "NONE"`` and, when trace is enabled, the trace.
    DOCUMENTED for InvokeModel, INFERRED for Chat Completions (section 4)."""
    body = {**completion, GUARDRAIL_ACTION: "NONE"}
    if trace is not None:
        body[GUARDRAIL_TRACE] = dict(trace)
    return body


def guardrail_stream_events(
    *,
    id: str,
    model: str,
    created: int,
    blocked_message: str = BLOCKED_MESSAGE,
    trace: Optional[Mapping[str, Any]] = None,
) -> list[dict[str, Any]]:
    """The chunks of a streamed completion whose input a guardrail blocked.

    ``"amazon-bedrock-guardrailAction": "INTERVENED"`` in every chunk and the trace
    (when enabled) in the last one: DOCUMENTED for InvokeModelWithResponseStream,
    INFERRED for the Chat Completions stream (section 4). The blocked message as the
    streamed content, in one piece, with ``finish_reason: "stop"``: GUESS (the
    non-streamed answer's content is 3P-observed, section 8C).
    """
    return chat_stream_events(
        id=id,
        model=model,
        created=created,
        pieces=[blocked_message],
        every_chunk={GUARDRAIL_ACTION: "INTERVENED"},
        last_chunk={GUARDRAIL_TRACE: dict(trace)} if trace is not None else None,
    )


# --- Models (section 1) ------------------------------------------------------------------


def model(model_id: str, *, created: int, owned_by: str = "system") -> dict[str, Any]:
    """One ``model`` object. Shape DOCUMENTED (OpenAI Models API, mantle serves it,
    S-resp); ``owned_by`` and ``created`` GUESS. Runtime does not implement ``GET
    /models`` (DOCUMENTED, S-cc): the emulator answers it there with ``unknown_operation``.
    """
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


def models_list(model_ids: Iterable[str], *, created: int) -> dict[str, Any]:
    """``GET /models``: ``{"object": "list", "data": [...]}``. DOCUMENTED (OpenAI shape)."""
    return {"object": "list", "data": [model(m, created=created) for m in model_ids]}
