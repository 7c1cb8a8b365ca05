"""The emulator's guardrails: which are known, and whether one blocks a request's
input, as Bedrock's runtime Chat Completions evaluates it (docs/wire.md section 4):
the tagged content when the request uses input tags, else all user text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from . import _shapes as shapes
from ._exchange import EmulatedRequest, Rejected

_GUARDRAIL_ID = "x-amzn-bedrock-guardrailidentifier"
_GUARDRAIL_VERSION = "x-amzn-bedrock-guardrailversion"
_TRACE = "x-amzn-bedrock-trace"
_GUARDRAIL_CONFIG = "amazon-bedrock-guardrailConfig"
_TAG = "amazon-bedrock-guardrails-guardContent_"


@dataclass
class EmulatedGuardrail:
    blocks: Callable[[str], bool]
    blocked_message: str
    topic: str


@dataclass(frozen=True)
class Assessment:
    blocked: bool
    message: str
    trace: Optional[dict[str, Any]]


def assess(
    record: EmulatedRequest,
    body: dict[str, Any],
    texts: list[tuple[Any, str]],
    known_guardrail: Callable[[str, str], Optional[EmulatedGuardrail]],
) -> Optional[Assessment]:
    """None without guardrail headers; else whether the guardrail blocks, and how.
    ``known_guardrail(bare_id, version)`` looks a registered guardrail up."""
    identifier = record.header(_GUARDRAIL_ID)
    version = record.header(_GUARDRAIL_VERSION)
    if identifier is None and version is None:
        if _GUARDRAIL_CONFIG in body:
            raise Rejected(
                shapes.validation(
                    "amazon-bedrock-guardrailConfig was sent without the "
                    "X-Amzn-Bedrock-GuardrailIdentifier header."
                )
            )
        return None
    if identifier is None or version is None:
        raise Rejected(
            shapes.validation(
                "X-Amzn-Bedrock-GuardrailIdentifier and X-Amzn-Bedrock-GuardrailVersion "
                "must be sent together."
            )
        )
    known = known_guardrail(bare_guardrail_id(identifier), version)
    if known is None:
        raise Rejected(shapes.guardrail_not_found(identifier, version))
    config = body.get(_GUARDRAIL_CONFIG)
    suffix = config.get("tagSuffix") if isinstance(config, dict) else None
    everything = "\n".join(text for _, text in texts)
    tagged = (
        re.findall(
            f"<{_TAG}{re.escape(suffix)}>(.*?)</{_TAG}{re.escape(suffix)}>",
            everything,
            re.DOTALL,
        )
        if isinstance(suffix, str)
        else []
    )
    evaluated = "\n".join(tagged) if tagged else "\n".join(t for r, t in texts if r == "user")
    blocked = bool(known.blocks(evaluated))
    trace = None
    if (record.header(_TRACE) or "").upper() in ("ENABLED", "ENABLED_FULL"):
        trace = shapes.guardrail_trace(
            bare_guardrail_id(identifier),
            guarded_characters=len(evaluated),
            total_characters=len(everything),
            # A denied topic in the trace when it blocks; only metrics when it passes.
            topic=known.topic if blocked else None,
        )
    return Assessment(blocked, known.blocked_message, trace)


def bare_guardrail_id(identifier: str) -> str:
    """``abc123`` for ``arn:aws:bedrock:REGION:ACCOUNT:guardrail/abc123`` or ``abc123``:
    Bedrock accepts either to name one guardrail, so both register and match as one."""
    return identifier.rsplit("/", 1)[-1]


def strip_tags(text: str) -> str:
    """The echo leaves out guardrail input tags (the model never sees them)."""
    return re.sub(f"</?{_TAG}[A-Za-z0-9]*>", "", text)
