"""What a guardrail did, read from what Bedrock sent back.

AWS documents the guardrail's verdict for InvokeModel only: top-level
``"amazon-bedrock-guardrailAction": "INTERVENED" | "NONE"`` and, when trace is enabled,
``"amazon-bedrock-trace"``; on InvokeModelWithResponseStream the action is in every
chunk and the trace only in the last
(https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-test.html,
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html).
For Chat Completions nothing is documented, so three signals are read, first match
wins: those top-level keys, then ``finish_reason == "content_filter"``, then the
answer's text being a blocked message the caller configured (a blocked request comes
back as HTTP 200 whose text is the guardrail's blocked messaging, as third parties
report). The openai SDK keeps unknown keys in ``model_extra``, so no raw response is
needed.

Example::

    completion = client.chat.completions.create(..., **guardrail.options())
    outcome = openai_bedrock.guardrail_outcome(completion)
    if outcome and outcome.intervened:
        ...

    with openai_bedrock.GuardrailStream(client.chat.completions.create(..., stream=True)) as s:
        for chunk in s:
            ...
    s.outcome
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Literal, Optional, TypeVar, Union

import openai

from ._errors import BedrockError, GuardrailError

__all__ = ["AsyncGuardrailStream", "GuardrailOutcome", "GuardrailStream", "guardrail_outcome"]

ACTION_KEY = "amazon-bedrock-guardrailAction"
TRACE_KEY = "amazon-bedrock-trace"
CONTENT_FILTER = "content_filter"

Action = Literal["INTERVENED", "NONE"]
Signal = Literal["guardrail_action", "finish_reason", "blocked_message"]
BlockedMessages = Union[str, Iterable[str]]


@dataclass(frozen=True)
class GuardrailOutcome:
    """What a guardrail did to one response.

    Attributes:
        action: ``"INTERVENED"`` or ``"NONE"``.
        intervened: ``action == "INTERVENED"``.
        decided_by: the signal that decided, the first of, in order:
            ``"guardrail_action"`` (Bedrock's ``amazon-bedrock-guardrailAction`` key; any
            value but ``NONE`` counts as an intervention), ``"finish_reason"`` (a choice
            finished with ``content_filter``; for a Response, ``incomplete_details.reason``),
            ``"blocked_message"`` (the text equals one of the ``blocked_messages`` given).
            Only the first is Bedrock's own word; the others are inferences.
        finish_reason: ``content_filter`` if any choice ended so, else the first choice's
            finish reason (None when the object has none).
        trace: Bedrock's ``amazon-bedrock-trace`` as plain data (a copy), when present.
    """

    action: Action
    decided_by: Signal
    finish_reason: Optional[str] = None
    trace: Optional[dict[str, Any]] = None
    intervened: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervened", self.action == "INTERVENED")


def guardrail_outcome(
    obj: object, *, blocked_messages: BlockedMessages = ()
) -> Optional[GuardrailOutcome]:
    """What the guardrail did, or None when ``obj`` carries no guardrail information.

    Args:
        obj: a ``ChatCompletion``, a ``ChatCompletionChunk``, a Responses API
            ``Response``, the raw JSON of any of them as a dict, or an
            ``openai.APIStatusError`` (its body and raw response are read).
        blocked_messages: your guardrail's blocked input and output messaging texts
            (as configured in Bedrock); an answer whose text equals one of them,
            ignoring surrounding whitespace, counts as an intervention.

    A single chunk rarely tells the whole story; wrap streams in ``GuardrailStream``
    or ``AsyncGuardrailStream`` instead. See ``GuardrailOutcome.decided_by`` for the
    order in which the signals are read.
    """
    blocked = _blocked_set(blocked_messages)
    if isinstance(obj, openai.APIStatusError):
        return _from_error(obj, blocked)
    finish_reasons, texts = _choices(obj)
    return _decide(_extra(obj, ACTION_KEY), _extra(obj, TRACE_KEY), finish_reasons, texts, blocked)


def _decide(
    action: object,
    trace: object,
    finish_reasons: list[Optional[str]],
    texts: list[str],
    blocked: frozenset[str],
) -> Optional[GuardrailOutcome]:
    reason = (
        CONTENT_FILTER
        if CONTENT_FILTER in finish_reasons
        else next((r for r in finish_reasons if r is not None), None)
    )
    kept = copy.deepcopy(trace) if isinstance(trace, dict) else None
    if isinstance(action, str):
        verdict: Action = "NONE" if action.strip().upper() == "NONE" else "INTERVENED"
        return GuardrailOutcome(verdict, "guardrail_action", reason, kept)
    if reason == CONTENT_FILTER:
        return GuardrailOutcome("INTERVENED", "finish_reason", reason, kept)
    if blocked and any(text.strip() in blocked for text in texts):
        return GuardrailOutcome("INTERVENED", "blocked_message", reason, kept)
    return None


def _blocked_set(blocked_messages: BlockedMessages) -> frozenset[str]:
    messages = [blocked_messages] if isinstance(blocked_messages, str) else blocked_messages
    found = set()
    for message in messages:
        if not isinstance(message, str):
            raise GuardrailError(f"blocked_messages must be strings, not {type(message).__name__}.")
        if message.strip():
            found.add(message.strip())
    return frozenset(found)


def _get(obj: object, name: str) -> Any:
    """A field of an SDK object or of its raw JSON dict."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _extra(obj: object, key: str) -> Any:
    """A key the SDK's models do not declare (pydantic v2 ``model_extra``, or v1 attrs)."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    extra = getattr(obj, "model_extra", None)
    if isinstance(extra, Mapping) and key in extra:
        return extra[key]
    return getattr(obj, "__dict__", {}).get(key)


def _choices(obj: object) -> tuple[list[Optional[str]], list[str]]:
    """Finish reasons and answer texts of a completion, chunk or Response."""
    choices = _get(obj, "choices")
    if isinstance(choices, list):
        reasons = [_get(choice, "finish_reason") for choice in choices]
        texts = []
        for choice in choices:
            message = _get(choice, "message") or _get(choice, "delta")
            content = _get(message, "content") if message is not None else None
            if isinstance(content, str):
                texts.append(content)
        return reasons, texts
    output = _get(obj, "output")
    if isinstance(output, list):  # a Responses API Response
        incomplete = _get(obj, "incomplete_details")
        reason = _get(incomplete, "reason") if incomplete is not None else None
        return [reason], [_output_text(obj, output)]
    return [], []


def _output_text(obj: object, output: list[Any]) -> str:
    text = None if isinstance(obj, Mapping) else getattr(obj, "output_text", None)
    if isinstance(text, str):
        return text
    # The SDK's Response.output_text, for the raw JSON: all output_text parts joined.
    return "".join(
        _get(part, "text") or ""
        for item in output
        if _get(item, "type") == "message"
        for part in _get(item, "content") or []
        if _get(part, "type") == "output_text"
    )


def _from_error(
    error: openai.APIStatusError, blocked: frozenset[str]
) -> Optional[GuardrailOutcome]:
    """The SDK keeps only the body's ``error`` member; the keys may sit beside it."""
    try:
        raw: Any = error.response.json()
    except Exception:  # unread or not JSON (httpx or httpx2 errors): use the parsed body
        raw = None
    sources = [s for s in (raw, error.body) if isinstance(s, Mapping)]
    action = next((s[ACTION_KEY] for s in sources if ACTION_KEY in s), None)
    trace = next((s[TRACE_KEY] for s in sources if TRACE_KEY in s), None)
    texts = [m for s in sources if isinstance(m := s.get("message"), str)]
    return _decide(action, trace, [], texts, blocked)


class _Watcher:
    """Accumulates the guardrail signals of a chat completion stream, chunk by chunk.

    Text is kept only while it could still equal a blocked message, so memory stays
    bounded by the longest blocked message whatever the stream's length.
    """

    def __init__(self, blocked_messages: BlockedMessages) -> None:
        self.blocked = _blocked_set(blocked_messages)
        self.longest = max((len(m) for m in self.blocked), default=0)
        self.action: Optional[str] = None
        self.trace: object = None
        self.finish_reasons: dict[int, str] = {}
        self.texts: dict[int, Optional[str]] = {}
        self.done = False

    def observe(self, chunk: object) -> None:
        action = _extra(chunk, ACTION_KEY)
        if isinstance(action, str) and self.action != "INTERVENED":
            # Every chunk carries the action; an intervention anywhere sticks.
            self.action = "NONE" if action.strip().upper() == "NONE" else "INTERVENED"
        trace = _extra(chunk, TRACE_KEY)
        if trace is not None:
            self.trace = trace  # documented in the last chunk only
        for choice in _get(chunk, "choices") or []:
            index = _get(choice, "index") or 0
            reason = _get(choice, "finish_reason")
            if reason is not None:
                self.finish_reasons[index] = reason
            delta = _get(choice, "delta")
            content = _get(delta, "content") if delta is not None else None
            seen = self.texts.get(index, "")
            if self.blocked and isinstance(content, str) and seen is not None:
                text = seen + content
                # None: longer than every blocked message, so it can never equal one.
                self.texts[index] = None if len(text.strip()) > self.longest else text

    def outcome(self) -> Optional[GuardrailOutcome]:
        if not self.done:
            raise BedrockError(
                "The stream has not ended, so the guardrail's verdict is not known yet. "
                "Read the stream to the end before reading .outcome."
            )
        reasons: list[Optional[str]] = [self.finish_reasons[i] for i in sorted(self.finish_reasons)]
        texts = [text for _, text in sorted(self.texts.items()) if text is not None]
        return _decide(self.action, self.trace, reasons, texts, self.blocked)


_T = TypeVar("_T")


class GuardrailStream(Generic[_T]):
    """Passes a chat completion stream's chunks through and learns what the guardrail did.

    Each chunk reaches you as soon as the SDK yields it; nothing is buffered. Once the
    stream has been read to the end, ``outcome`` is the ``GuardrailOutcome`` (or None
    when the stream carried no guardrail information), combining every chunk: an
    ``amazon-bedrock-guardrailAction`` of ``INTERVENED`` in any chunk wins, the trace
    is the last one sent, finish reasons and text are per choice.

    Usable as a context manager, which closes the wrapped stream.

    Args:
        stream: ``client.chat.completions.create(..., stream=True)`` or any iterable
            of chunks (objects or dicts).
        blocked_messages: as for ``guardrail_outcome``.
    """

    def __init__(self, stream: Iterable[_T], *, blocked_messages: BlockedMessages = ()) -> None:
        self.stream = stream
        self._iterator = iter(stream)
        self._watcher = _Watcher(blocked_messages)

    def __iter__(self) -> Iterator[_T]:
        return self

    def __next__(self) -> _T:
        try:
            chunk = next(self._iterator)
        except StopIteration:
            self._watcher.done = True
            raise
        self._watcher.observe(chunk)
        return chunk

    @property
    def done(self) -> bool:
        """Whether the stream has been read to the end."""
        return self._watcher.done

    @property
    def outcome(self) -> Optional[GuardrailOutcome]:
        """What the guardrail did; raises ``BedrockError`` before the stream has ended."""
        return self._watcher.outcome()

    def close(self) -> None:
        """Close the wrapped stream (and its HTTP response), if it can be closed."""
        close = getattr(self.stream, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> GuardrailStream[_T]:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncGuardrailStream(Generic[_T]):
    """The async twin of ``GuardrailStream``, for ``AsyncOpenAI`` streams."""

    def __init__(
        self, stream: AsyncIterable[_T], *, blocked_messages: BlockedMessages = ()
    ) -> None:
        self.stream = stream
        self._iterator = stream.__aiter__()
        self._watcher = _Watcher(blocked_messages)

    def __aiter__(self) -> AsyncIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._watcher.done = True
            raise
        self._watcher.observe(chunk)
        return chunk

    @property
    def done(self) -> bool:
        """Whether the stream has been read to the end."""
        return self._watcher.done

    @property
    def outcome(self) -> Optional[GuardrailOutcome]:
        """What the guardrail did; raises ``BedrockError`` before the stream has ended."""
        return self._watcher.outcome()

    async def close(self) -> None:
        """Close the wrapped stream (and its HTTP response), if it can be closed."""
        close = getattr(self.stream, "close", None) or getattr(self.stream, "aclose", None)
        if callable(close):
            result = close()
            if inspect.isawaitable(result):
                await result

    async def __aenter__(self) -> AsyncGuardrailStream[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        await self.close()
