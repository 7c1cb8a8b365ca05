"""Amazon Bedrock Guardrails on the OpenAI-compatible API: the request side.

A ``Guardrail`` is an immutable, validated description of which guardrail to apply.
It produces the three ``X-Amzn-Bedrock-*`` headers and the
``amazon-bedrock-guardrailConfig`` body field that AWS documents for Chat
Completions (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html),
per call through ``**g.options()``, or for every call through
``create_client(guardrail=g)``.

Input tagging (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-tagging.html)
marks the user input that the guardrail evaluates; ``g.tag_messages(messages)`` tags the
user messages with a fresh random suffix and returns the matching options in one step.

What the guardrail did is read from the response by ``guardrail_outcome`` (see
``_outcome.py``), re-exported here.

Example::

    g = openai_bedrock.Guardrail("gr1a2b3c4d5e", version=1, trace=True)
    client.chat.completions.create(model=..., **g.tag_messages(messages))
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, TypedDict, Union, overload

from ._errors import GuardrailError, GuardrailNotEnforcedError, GuardTagError
from ._outcome import AsyncGuardrailStream, GuardrailOutcome, GuardrailStream, guardrail_outcome

__all__ = [
    "AsyncGuardrailStream",
    "GuardTagError",
    "Guardrail",
    "GuardrailError",
    "GuardrailNotEnforcedError",
    "GuardrailOutcome",
    "GuardrailStream",
    "TaggedRequest",
    "guardrail_outcome",
]

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
# The tag name prefix AWS reserves for input tags (guardrails-tagging.html).
TAG_PREFIX = "amazon-bedrock-guardrails-guardContent_"
_SUFFIX_ALPHABET = string.ascii_letters + string.digits
_SUFFIX_LENGTH = 20  # the longest suffix AWS allows: about 119 random bits


class TaggedRequest(TypedDict):
    """``Guardrail.tag_messages``'s result: ``create(model=..., **request)``."""

    messages: list[Any]
    extra_headers: dict[str, Any]
    extra_body: dict[str, Any]


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

    @overload
    def tag(self, content: str) -> str: ...

    @overload
    def tag(self, content: Iterable[Any]) -> list[Any]: ...

    def tag(self, content: Union[str, Iterable[Any]]) -> Union[str, list[Any]]:
        """``content`` wrapped in this guardrail's input tags, so the guardrail evaluates it.

        ``content`` is a string, or a list of content parts: each ``{"type": "text"}``
        part is tagged on its own and other parts (images, audio, files) are returned
        as they are. Nothing is modified in place.

        Text that already contains a guard tag is **refused**, not neutralised: an
        opening or closing ``<amazon-bedrock-guardrails-guardContent_...>`` tag for any
        suffix, in any case, with whitespace, control or zero-width characters
        anywhere in it, in full-width or HTML-escaped form. Such a tag could close the
        guard tag early and move what follows out of the guardrail's evaluation;
        rewriting it would change what the model reads in ways nobody can check.

        Raises:
            GuardrailError: this guardrail has no ``tag_suffix`` (``tag_messages``
                draws one for you).
            GuardTagError: the text contains a guard tag.
        """
        suffix = self.tag_suffix
        if suffix is None:
            raise GuardrailError(
                "Guardrail.tag() needs a tag_suffix, which Bedrock must also receive in the "
                "request body. Use guardrail.tag_messages(messages), which draws a fresh "
                "suffix and returns the matching options, or build the Guardrail with "
                "tag_suffix=..."
            )
        if isinstance(content, str):
            return _wrap(content, suffix, "the text")
        if isinstance(content, Mapping) or not isinstance(content, Iterable):
            raise GuardrailError(
                f"Guardrail.tag() takes a string or a list of content parts, not "
                f"{type(content).__name__}."
            )
        return [_tag_part(part, suffix, f"content part {i}") for i, part in enumerate(content)]

    def tag_messages(
        self,
        messages: Iterable[Any],
        *,
        which: Literal["user", "last_user"] = "user",
        extra_headers: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> TaggedRequest:
        """Tag the user messages with a fresh random suffix; return them with the options.

        ``client.chat.completions.create(model=..., **g.tag_messages(messages))``
        sends this guardrail's headers, ``{"amazon-bedrock-guardrailConfig":
        {"tagSuffix": <fresh>}}`` and the tagged messages. The suffix is 20 letters
        and digits from ``secrets`` for every call, as AWS advises, so a user cannot
        guess it; it replaces this guardrail's own ``tag_suffix``.

        Once any text is tagged, Bedrock's input policies evaluate only tagged text
        (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-tagging.html).
        ``which="user"`` (the default) tags every ``role: "user"`` message, so no user
        text in the conversation escapes evaluation, even history a client sent back.
        ``which="last_user"`` tags only the newest user message, for conversations
        whose earlier turns you keep yourself and already had evaluated. System,
        developer, assistant and tool messages are never tagged. The messages given
        are not modified; untouched ones are passed through as they are.

        Args:
            messages: Chat Completions messages (dicts, or SDK message objects for
                roles other than ``user``).
            which: ``"user"`` or ``"last_user"``.
            extra_headers, extra_body: the caller's own, merged as by ``options()``.

        Raises:
            GuardTagError: a user message already contains a guard tag (see ``tag``).
            GuardrailError: ``which`` is not valid, or the options conflict.
        """
        if which not in ("user", "last_user"):
            raise GuardrailError(f"which must be 'user' or 'last_user', not {_shown(which)}.")
        messages = list(messages)
        users = [i for i, message in enumerate(messages) if _role(message) == "user"]
        chosen = set(users[-1:] if which == "last_user" else users)
        suffix = _fresh_suffix()
        tagged = [
            _tag_message(message, suffix, i) if i in chosen else message
            for i, message in enumerate(messages)
        ]
        fresh = dataclasses.replace(self, tag_suffix=suffix)
        options = fresh.options(extra_headers=extra_headers, extra_body=extra_body)
        return TaggedRequest(
            messages=tagged,
            extra_headers=options["extra_headers"],
            extra_body=options["extra_body"],
        )

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
            given = {IDENTIFIER_HEADER: identifier, VERSION_HEADER: version, TRACE_HEADER: trace}
            sent = [name for name, value in given.items() if value is not None]
            missing = [name for name in (IDENTIFIER_HEADER, VERSION_HEADER) if given[name] is None]
            raise GuardrailError(
                f"A request sets {' and '.join(sent)} without {' and '.join(missing)}; "
                f"Bedrock needs {IDENTIFIER_HEADER} and {VERSION_HEADER} together. Pass "
                "**Guardrail(...).options() rather than setting the headers by hand (to "
                "trace one call of a client with a guardrail, pass that guardrail's options "
                "with trace=True)."
            )
        return cls(identifier, version, trace if trace is not None else False)


def _fresh_suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)


def _tag_message(message: Any, suffix: str, index: int) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        raise GuardrailError(
            f"Message {index} is a user message of type {type(message).__name__}; "
            "tag_messages() needs user messages as dicts ({'role': 'user', 'content': ...})."
        )
    content = message.get("content")
    where = f"message {index}"
    if isinstance(content, str):
        tagged: Any = _wrap(content, suffix, where)
    elif isinstance(content, Iterable) and not isinstance(content, Mapping):
        tagged = [
            _tag_part(part, suffix, f"{where}, content part {i}") for i, part in enumerate(content)
        ]
    else:
        raise GuardrailError(
            f"The content of {where} is {type(content).__name__}; expected a string or a "
            "list of content parts."
        )
    return {**message, "content": tagged}


def _tag_part(part: Any, suffix: str, where: str) -> Any:
    """A text part with its text tagged; any other part unchanged."""
    if not isinstance(part, Mapping):
        if getattr(part, "type", None) == "text":  # left untagged, it would go unevaluated
            raise GuardrailError(
                f"{where.capitalize()} is a {type(part).__name__}; pass text parts as dicts "
                "({'type': 'text', 'text': ...}) to tag them."
            )
        return part
    if part.get("type") != "text":
        return part
    text = part.get("text")
    if not isinstance(text, str):
        raise GuardrailError(f"The text of {where} is {type(text).__name__}, not a string.")
    return {**part, "text": _wrap(text, suffix, where)}


# Hand-written because no library parses text the way Bedrock's tag scanner might: the
# probe removes whitespace, control and zero-width characters, folds case and
# full-width forms (NFKC) and decodes HTML entities, so every spelling of an opening
# or closing guard tag that a lenient parser could accept is caught.
_PROBE_TAGS = ("<" + TAG_PREFIX.casefold(), "</" + TAG_PREFIX.casefold())
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def contains_guard_tag(text: str) -> bool:
    """Whether ``text`` contains something a parser could read as a guard tag."""
    probe = unicodedata.normalize("NFKC", text)
    if "<" not in probe and "&" not in probe:
        return False  # the common case, cheaply
    import html  # here, not at the top: it adds about 1 ms to `import openai_bedrock`

    probe = "".join(
        ch
        for ch in html.unescape(probe)
        if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE
    ).casefold()
    return any(tag in probe for tag in _PROBE_TAGS)


def _wrap(text: str, suffix: str, where: str) -> str:
    if contains_guard_tag(text):
        raise GuardTagError(
            f"Refused to tag {where}: it already contains an Amazon Bedrock guard tag "
            f"(<{TAG_PREFIX}...>), which could end the guard tag early and hide the rest "
            "of the text from the guardrail. Reject this input, or remove the tag first."
        )
    return f"<{TAG_PREFIX}{suffix}>{text}</{TAG_PREFIX}{suffix}>"


def _conflict(what: str, name: str) -> GuardrailError:
    return GuardrailError(
        f"The {what} {name!r} is set both by this Guardrail and by the caller, to "
        "different values. Remove it from your own options or from the Guardrail."
    )


def _shown(value: object) -> str:
    """A short repr of user input for messages (CR/LF shown escaped, never raw)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
