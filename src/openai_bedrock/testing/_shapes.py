"""What Bedrock's OpenAI-compatible endpoints send back: one place for every shape.

The shapes live in ``_chat_shapes`` (Chat Completions, guardrails, models, JSON and
SSE framing), ``_responses_shapes`` and ``_error_shapes``; this module gathers them,
so callers say ``shapes.validation(...)`` wherever a shape lives.

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

from ._chat_shapes import (
    BLOCKED_MESSAGE,
    GUARDRAIL_ACTION,
    GUARDRAIL_TRACE,
    SSE_DONE,
    chat_chunk,
    chat_completion,
    chat_stream_events,
    dumps,
    guardrail_intervention,
    guardrail_passed,
    guardrail_stream_events,
    guardrail_trace,
    model,
    models_list,
    sse,
    sse_event,
    usage,
)
from ._error_shapes import (
    AUTH_ERROR_NAMESPACE,
    ERROR_NAMESPACE,
    UNKNOWN_OPERATION_ENVELOPE,
    ErrorReply,
    access_denied,
    background_not_supported,
    expired_token,
    guardrail_not_found,
    iam_denied,
    incomplete_signature,
    internal_error,
    invalid_api_key,
    invalid_model_identifier,
    missing_authentication,
    model_not_found,
    no_model_access,
    openai_error,
    resource_not_found,
    response_not_found,
    service_unavailable,
    signature_expired,
    signature_mismatch,
    signature_not_yet_current,
    throttling,
    unknown_operation,
    unrecognized_client,
    validation,
    wrong_base,
)
from ._responses_shapes import (
    response_object,
    response_stream_events,
    sse_named_event,
)

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
