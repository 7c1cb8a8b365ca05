"""Amazon Bedrock Guardrails on the OpenAI-compatible API: the request side.

A ``Guardrail`` is an immutable, validated description of which guardrail to apply.
It produces the three ``X-Amzn-Bedrock-*`` headers and the
``amazon-bedrock-guardrailConfig`` body field that AWS documents for Chat
Completions (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html),
per call through ``**g.options()``, or for every call through
``create_client(guardrail=g)``.

Example::

    g = openai_bedrock.Guardrail("gr1a2b3c4d5e", version=1, trace=True, tag_suffix="xyz")
    client.chat.completions.create(model=..., messages=..., **g.options())
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

from ._errors import BedrockError, ConfigurationError

__all__ = ["Guardrail", "GuardrailError", "GuardrailNotEnforcedError"]

IDENTIFIER_HEADER = "X-Amzn-Bedrock-GuardrailIdentifier"
VERSION_HEADER = "X-Amzn-Bedrock-GuardrailVersion"
TRACE_HEADER = "X-Amzn-Bedrock-Trace"
CONFIG_FIELD = "amazon-bedrock-guardrailConfig"

# Shapes from botocore's bedrock-runtime service model (GuardrailIdentifier,
# GuardrailVersion, Trace) and the Well-Architected guidance on tag suffixes. The model
# says lower-case ids, but AWS's own Chat Completions example uses "GR12345", so ids
# may use either case.
_IDENTIFIER = re.compile(
    r"(?:[A-Za-z0-9]+"
    r"|arn:aws(?:-[a-z-]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[A-Za-z0-9]+)"
)
_IDENTIFIER_MAX = 2048
_VERSION = re.compile(r"[1-9][0-9]{0,7}")
_TRACE_VALUES = ("ENABLED", "DISABLED", "ENABLED_FULL")
_TAG_SUFFIX = re.compile(r"[A-Za-z0-9]{1,20}")


class GuardrailError(ConfigurationError):
    """A guardrail setting is invalid, or conflicts with the caller's own options."""


class GuardrailNotEnforcedError(BedrockError):
    """A guardrail was sent where Bedrock documents or reports that it is ignored.

    Raised instead of sending the request, so nobody believes a call was guarded when
    it was not. ``create_client(..., allow_unenforced_guardrail=True)`` sends anyway.
    """


@dataclass(frozen=True)
class Guardrail:
    """Which Bedrock guardrail to apply, validated at construction.

    Args:
        identifier: A guardrail id (``gr1a2b3c``) or ARN.
        version: ``"DRAFT"`` or a positive integer (int or digit string).
        trace: ``True`` (sent as ``ENABLED``), ``False`` (no trace header), or one of
            ``"ENABLED"``, ``"DISABLED"``, ``"ENABLED_FULL"``.
        tag_suffix: The suffix of input tags (1-20 letters and digits), sent as
            ``{"amazon-bedrock-guardrailConfig": {"tagSuffix": ...}}``.

    Raises:
        GuardrailError: an ``openai.OpenAIError`` and ``ValueError`` saying what is
            wrong.
    """

    identifier: str
    version: Union[str, int] = "DRAFT"
    trace: Union[bool, str] = False
    tag_suffix: Optional[str] = None

    def __post_init__(self) -> None:
        identifier = self.identifier
        if (
            not isinstance(identifier, str)
            or len(identifier) > _IDENTIFIER_MAX
            or not _IDENTIFIER.fullmatch(identifier)
        ):
            raise GuardrailError(
                f"Guardrail identifier {_shown(identifier)} is not a guardrail id or ARN. "
                "Use the id shown in the Bedrock console (letters and digits only, such "
                "as 'gr1a2b3c4d5e') or its ARN "
                "('arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID')."
            )
        version = self.version
        if isinstance(version, bool) or not isinstance(version, (str, int)):
            raise GuardrailError(f"Guardrail version must be 'DRAFT' or a number, not {version!r}.")
        text = str(version)
        if text != "DRAFT" and not _VERSION.fullmatch(text):
            raise GuardrailError(
                f"Guardrail version {_shown(version)} is not valid. Use 'DRAFT' or a published "
                "version number from 1 to 99999999."
            )
        object.__setattr__(self, "version", text)
        trace = self.trace
        if isinstance(trace, str):
            if trace.upper() not in _TRACE_VALUES:
                raise GuardrailError(
                    f"Guardrail trace {_shown(trace)} is not valid. Use True, False, or one "
                    f"of {', '.join(_TRACE_VALUES)}."
                )
            object.__setattr__(self, "trace", trace.upper())
        elif not isinstance(trace, bool):
            raise GuardrailError(f"Guardrail trace must be a bool or a string, not {trace!r}.")
        suffix = self.tag_suffix
        if suffix is not None and (
            not isinstance(suffix, str) or not _TAG_SUFFIX.fullmatch(suffix)
        ):
            raise GuardrailError(
                f"Guardrail tag_suffix {_shown(suffix)} is not valid. Use 1 to 20 letters "
                "and digits, ideally fresh and random for each request."
            )

    @property
    def extra_headers(self) -> dict[str, str]:
        """The request headers that apply this guardrail."""
        headers = {IDENTIFIER_HEADER: self.identifier, VERSION_HEADER: str(self.version)}
        trace = "ENABLED" if self.trace is True else self.trace
        if trace:
            headers[TRACE_HEADER] = str(trace)
        return headers

    @property
    def extra_body(self) -> dict[str, Any]:
        """The body fields that apply this guardrail (empty without a tag suffix)."""
        if self.tag_suffix is None:
            return {}
        return {CONFIG_FIELD: {"tagSuffix": self.tag_suffix}}

    def options(
        self,
        extra_headers: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> dict[str, dict[str, Any]]:
        """``extra_headers`` and ``extra_body`` for one SDK call, merged with the caller's.

        The caller's other keys are kept; a caller key that would set a guardrail
        header or body field differently raises ``GuardrailError`` instead of
        silently winning or losing.
        """
        headers = dict(extra_headers or {})
        by_name = {name.lower(): name for name in headers}  # header names ignore case
        for name, value in self.extra_headers.items():
            theirs = by_name.get(name.lower())
            if theirs is None:
                headers[name] = value
            elif str(headers[theirs]) != value:
                raise _conflict("header", name)
        body = dict(extra_body or {})  # JSON keys are case-sensitive
        for key, value in self.extra_body.items():
            if key not in body:
                body[key] = value
            elif body[key] != value:
                raise _conflict("body field", key)
        return {"extra_headers": headers, "extra_body": body}

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Optional[Guardrail]:
        """The guardrail that request headers name, validated, or None if they name none.

        ``headers`` must look names up case-insensitively (``httpx.Headers`` does).
        """
        identifier = headers.get(IDENTIFIER_HEADER)
        version = headers.get(VERSION_HEADER)
        trace = headers.get(TRACE_HEADER)
        if identifier is None and version is None and trace is None:
            return None
        if identifier is None or version is None:
            raise GuardrailError(
                f"A request sets {VERSION_HEADER if identifier is None else IDENTIFIER_HEADER} "
                f"without {IDENTIFIER_HEADER if identifier is None else VERSION_HEADER}; "
                "Bedrock needs both. Pass **Guardrail(...).options() rather than setting the "
                "headers by hand."
            )
        return cls(identifier, version, trace if trace is not None else False)


def _conflict(what: str, name: str) -> GuardrailError:
    return GuardrailError(
        f"The {what} {name!r} is set both by this Guardrail and by the caller, to "
        "different values. Remove it from your own options or from the Guardrail."
    )


def _shown(value: object) -> str:
    """A short repr of user input for messages (CR/LF shown escaped, never raw)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
