"""What a guardrail did to a response, read from Bedrock's extra response fields.

Kept to one small function so it can be replaced by ``openai_bedrock.guardrail_outcome``
once that lands. Bedrock documents ``amazon-bedrock-guardrailAction`` ("INTERVENED" or
"NONE") and ``amazon-bedrock-trace`` at the top level of InvokeModel bodies
(https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-test.html); the SDK
keeps such unknown keys in ``model_extra`` (BEDROCK_WIRE.md section 4).
"""

from __future__ import annotations

from typing import Any, Optional

ACTION = "amazon-bedrock-guardrailAction"
TRACE = "amazon-bedrock-trace"


def _extra(response: object) -> dict[str, Any]:
    extra = getattr(response, "model_extra", None)
    return extra if isinstance(extra, dict) else {}


def guardrail_action(response: object) -> Optional[str]:
    """``"INTERVENED"``, ``"NONE"``, or None when the response does not say."""
    action = _extra(response).get(ACTION)
    return action if isinstance(action, str) else None


def guardrail_trace(response: object) -> Optional[Any]:
    """The guardrail trace Bedrock returned (with ``--trace``), or None."""
    return _extra(response).get(TRACE)
