"""What Bedrock's OpenAI-compatible endpoints send back: one place for every shape.

The emulator (``_emulator.py``), the committed cassettes (``scripts/build_cassettes.py``)
and ``docs/wire.md`` sections 4-8 must agree; when a live account shows a shape is
wrong, correct it here and rebuild the cassettes. Every function returns plain data
(dicts, bytes, SSE text) and notes where its shape comes from:

- DOCUMENTED: AWS or OpenAI documentation, or botocore's service data.
- INFERRED: our reasoning, or a third party's report of a live call (3P-observed).
- GUESS: no source gives it; invented to look plausible.

Section numbers refer to docs/wire.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Optional

__all__ = [
    "AUTH_ERROR_NAMESPACE",
    "BLOCKED_MESSAGE",
    "ERROR_NAMESPACE",
    "GUARDRAIL_ACTION",
    "GUARDRAIL_TRACE",
    "SSE_DONE",
    "UNKNOWN_OPERATION_ENVELOPE",
    "ErrorReply",
    "access_denied",
    "background_not_supported",
    "chat_chunk",
    "chat_completion",
    "chat_stream_events",
    "dumps",
    "expired_token",
    "guardrail_intervention",
    "guardrail_not_found",
    "guardrail_passed",
    "guardrail_stream_events",
    "guardrail_trace",
    "iam_denied",
    "incomplete_signature",
    "internal_error",
    "invalid_api_key",
    "invalid_model_identifier",
    "missing_authentication",
    "model",
    "model_not_found",
    "models_list",
    "no_model_access",
    "openai_error",
    "resource_not_found",
    "response_not_found",
    "response_object",
    "response_stream_events",
    "service_unavailable",
    "signature_expired",
    "signature_mismatch",
    "signature_not_yet_current",
    "sse",
    "sse_event",
    "sse_named_event",
    "throttling",
    "unknown_operation",
    "unrecognized_client",
    "usage",
    "validation",
    "wrong_base",
]

# x-amzn-ErrorType is "<Code>:<namespace>". INFERRED (3P-observed on runtime, section 5).
ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"
# Errors raised by AWS's authentication layer in front of the service. GUESS (section 8E).
AUTH_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.coral.service/"

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


# --- Errors (section 5, 8D, 8E) ----------------------------------------------------------


class ErrorReply(NamedTuple):
    """An error: status, code and JSON body. AWS-style ones (``aws``) carry
    ``x-amzn-ErrorType``; OpenAI-style ones (``{"error": {...}}``, what both endpoints
    were captured answering, docs/wire.md "Error shapes") do not."""

    status: int
    code: str
    body: dict[str, Any]
    namespace: str = ERROR_NAMESPACE
    aws: bool = True

    @property
    def error_type(self) -> str:
        """The ``x-amzn-ErrorType`` header value."""
        return f"{self.code}:{self.namespace}"

    @property
    def content(self) -> bytes:
        return dumps(self.body)


def throttling(message: str = "Too many tokens, please wait before trying again.") -> ErrorReply:
    """429 ThrottlingException, ``{"message": ...}``, no Retry-After. Status DOCUMENTED
    (S-bc); body and text INFERRED (3P-observed, section 8D)."""
    return ErrorReply(429, "ThrottlingException", {"message": message})


def openai_error(
    status: int, code: str, message: str, type: str = "invalid_request_error"
) -> ErrorReply:
    """An OpenAI-style error body with all four keys, as captured on both endpoints
    (docs/wire.md, "Error shapes")."""
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return ErrorReply(status, code, body, aws=False)


def validation(message: str) -> ErrorReply:
    """400 ``validation_error``, OpenAI-style: CAPTURED on both endpoints
    (docs/wire.md, "Error shapes")."""
    return openai_error(400, "validation_error", message)


def invalid_model_identifier() -> ErrorReply:
    """runtime: an unknown model id. 400 and the text CAPTURED (docs/wire.md,
    "Error shapes"); the code ``validation_error`` INFERRED from the same envelope."""
    return validation("The provided model identifier is invalid")


def model_not_found(model: str) -> ErrorReply:
    """mantle: an unknown model id. 404 ``model_not_found`` INFERRED from public client
    code (docs/wire.md, "Error shapes"); text GUESS (OpenAI's wording)."""
    return openai_error(
        404,
        "model_not_found",
        f"The model `{model}` does not exist or you do not have access to it.",
    )


def wrong_base(model: str, status: int = 400) -> ErrorReply:
    """mantle: a model sent to the base that does not serve it. Both bodies CAPTURED
    (docs/wire.md, "Mantle bases")."""
    if status == 401:
        return openai_error(
            401,
            "access_denied",
            "Berm is not enabled for this account",
            type="permission_denied_error",
        )
    error = {
        "code": "validation_error",
        "message": f"model `{model}` isn't supported on this route",
    }
    return ErrorReply(400, "validation_error", {"error": error}, aws=False)


def background_not_supported() -> ErrorReply:
    """runtime: ``background: true``. 400 and text CAPTURED (docs/wire.md, "Stored
    responses")."""
    return validation("The background parameter is not supported.")


def response_not_found() -> ErrorReply:
    """404 for a stored response this base does not hold. Text CAPTURED on mantle
    (docs/wire.md, "Stored responses")."""
    return openai_error(404, "not_found", "Response not found.")


# runtime's answer to a path it does not serve: HTTP 200 (docs/wire.md, "Unserved paths").
UNKNOWN_OPERATION_ENVELOPE: dict[str, Any] = {
    "Output": {"__type": "com.amazon.coral.service#UnknownOperationException"},
    "Version": "1.0",
}


def guardrail_not_found(guardrail_id: str, version: str) -> ErrorReply:
    """An unknown guardrail id or version: non-200 is 3P-observed (section 4); 400
    ValidationException and the text GUESS."""
    # Kept AWS-style: no capture shows this rejection's body (docs/wire.md 10.6).
    message = (
        f"The guardrail identifier or version provided in the request does not exist: "
        f"{guardrail_id}:{version}."
    )
    return ErrorReply(400, "ValidationException", {"message": message})


def access_denied(message: str) -> ErrorReply:
    """403 AccessDeniedException with a capital-M ``{"Message"}`` body. Status DOCUMENTED
    (S-bc); the capital M INFERRED (3P-observed for auth-layer errors, section 5)."""
    return ErrorReply(403, "AccessDeniedException", {"Message": message})


def iam_denied(principal_arn: str, resource_arn: str, action: str = "bedrock:InvokeModel") -> str:
    """The IAM denial text. INFERRED (3P-observed, section 5)."""
    return (
        f"User: {principal_arn} is not authorized to perform: {action} on resource: "
        f"{resource_arn} because no identity-based policy allows the {action} action"
    )


def no_model_access() -> ErrorReply:
    """403 AccessDeniedException for a model the account cannot use. Text INFERRED
    (3P-observed, section 5); lower-case ``message`` GUESS."""
    return ErrorReply(
        403,
        "AccessDeniedException",
        {"message": "You don't have access to the model with the specified model ID."},
    )


def invalid_api_key() -> ErrorReply:
    """A Bedrock API key that is not valid (or used outside its Region). Capital-M text
    INFERRED (3P-observed, section 5); 403 AccessDeniedException GUESS."""
    return access_denied("Authentication failed: Please make sure your API Key is valid.")


def signature_mismatch() -> ErrorReply:
    """403 InvalidSignatureException, signature does not match. Text INFERRED (3P-observed,
    section 5; AWS's standard wording); the error type and namespace GUESS (section 8E)."""
    return ErrorReply(
        403,
        "InvalidSignatureException",
        {
            "message": "The request signature we calculated does not match the signature "
            "you provided. Check your AWS Secret Access Key and signing method. Consult the "
            "service documentation for details."
        },
        AUTH_ERROR_NAMESPACE,
    )


def signature_expired(request_time: str, server_time: str, earliest: str) -> ErrorReply:
    """403 InvalidSignatureException for a request dated more than 5 minutes ago.

    ``"Signature expired: <request> is now earlier than <server - 5 min> (<server> - 5
    min.)"``: INFERRED (3P-observed on Bedrock, section 2 and 8E); times are
    ``YYYYMMDDTHHMMSSZ``. Error type GUESS.
    """
    message = (
        f"Signature expired: {request_time} is now earlier than {earliest} ({server_time} - 5 min.)"
    )
    return ErrorReply(403, "InvalidSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE)


def signature_not_yet_current(request_time: str, server_time: str, latest: str) -> ErrorReply:
    """403 InvalidSignatureException for a request dated more than 5 minutes ahead. Text
    INFERRED (AWS's wording, section 2); error type GUESS."""
    message = (
        f"Signature not yet current: {request_time} is still later than {latest} "
        f"({server_time} + 5 min.)"
    )
    return ErrorReply(403, "InvalidSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE)


def unrecognized_client() -> ErrorReply:
    """403 UnrecognizedClientException, unknown access key or session token. Text
    INFERRED (3P-observed, section 5); error type INFERRED (botocore's name for it)."""
    return ErrorReply(
        403,
        "UnrecognizedClientException",
        {"message": "The security token included in the request is invalid."},
        AUTH_ERROR_NAMESPACE,
    )


def expired_token() -> ErrorReply:
    """403 ExpiredTokenException for an expired session token. Text INFERRED
    (3P-observed, section 5); error type GUESS."""
    return ErrorReply(
        403,
        "ExpiredTokenException",
        {"message": "The security token included in the request is expired"},
        AUTH_ERROR_NAMESPACE,
    )


def incomplete_signature(message: str) -> ErrorReply:
    """400 IncompleteSignatureException (malformed Authorization or scope). Status
    DOCUMENTED (S-ts); text GUESS."""
    return ErrorReply(
        400, "IncompleteSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE
    )


def missing_authentication() -> ErrorReply:
    """403 MissingAuthenticationTokenException for a request without credentials. GUESS
    (AWS's generic API Gateway-style answer)."""
    return ErrorReply(
        403,
        "MissingAuthenticationTokenException",
        {"message": "Missing Authentication Token"},
        AUTH_ERROR_NAMESPACE,
    )


def resource_not_found(message: str) -> ErrorReply:
    """404 ResourceNotFoundException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(404, "ResourceNotFoundException", {"message": message})


def unknown_operation() -> ErrorReply:
    """404 for a path the endpoint does not serve, including ``GET /models`` on runtime
    (that runtime does not implement it is DOCUMENTED, S-cc). Status, type and text GUESS
    (AWS's generic answer; the body runtime sends there is not documented)."""
    return ErrorReply(404, "UnknownOperationException", {"message": "Not Found"})


def internal_error() -> ErrorReply:
    """500 InternalServerException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(
        500, "InternalServerException", {"message": "Internal server error. Please try again."}
    )


def service_unavailable() -> ErrorReply:
    """503 ServiceUnavailableException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(
        503,
        "ServiceUnavailableException",
        {"message": "Service is temporarily unavailable. Please try again."},
    )
