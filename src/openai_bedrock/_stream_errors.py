"""Errors inside a stream: raised, never handed over as a chunk.

A Bedrock stream may end, after content, with an AWS error object such as
``data: {"message": "Too many tokens ..."}`` (no ``choices``, no ``type``) or with an
``error`` event whose data is stringified JSON (docs/wire.md, "Streaming failures";
https://github.com/vercel/ai/pull/20505). The SDK raises only for frames shaped
``{"error": {...}}``; it hands these over as an empty chunk (or a ``str``) and ends the
stream as if it were complete. ``ErrorFrames`` passes a stream's bytes through as they
come and raises ``StreamError`` at such a frame.

Written by hand: the SDK parses the events after us and offers no hook, and no SSE
library checks AWS's shapes. Kept cheap, as it sees every piece of every stream: a
piece is searched (in C) for ``"message`` and ``error``, and its lines are looked at
only when one is there (or an ``error`` event is open).
"""

from __future__ import annotations

import json
from typing import Any, Optional, cast

from ._errors import StreamError
from ._http import http
from ._responses import PassThrough

# Keys of every legitimate event's JSON (Chat Completions chunks, Responses events,
# the SDK's own {"error": {...}} frames): an object with a message and none of these
# is an AWS error object.
_EVENT_KEYS = frozenset({"choices", "type", "object", "error", "id"})
# Error frames are short: a longer line (a large Responses event) is not kept whole.
_LONGEST_LINE = 64 * 1024


def error_frame(payload: bytes, in_error_event: bool) -> Optional[Any]:
    """The error a ``data:`` line's payload carries, or None for any other event."""
    if in_error_event:
        try:
            frame: Any = json.loads(payload)
            if isinstance(frame, str):  # stringified JSON
                frame = json.loads(frame)
        except ValueError:
            frame = payload.decode("utf-8", "replace")
        return frame if frame not in (None, "", {}) else {"message": "error event"}
    if b'"message"' not in payload:
        return None
    try:
        frame = json.loads(payload)
    except ValueError:
        return None
    if (
        isinstance(frame, dict)
        and isinstance(frame.get("message"), str)
        and _EVENT_KEYS.isdisjoint(frame)
    ):
        return frame
    return None


class ErrorFrames(PassThrough):
    """A response stream, passed through, that raises ``StreamError`` at an error frame.

    ``request`` is the SDK's (the error carries it); ``wire`` the request sent, whose
    secrets are redacted from the message should the frame quote any back.
    """

    def __init__(self, inner: Any, request: http.Request, wire: http.Request) -> None:
        super().__init__(inner)
        self._request = request
        self._wire = wire
        self._pending = b""  # the line so far, when a piece ended inside one
        self._skipping = False  # inside a line too long to be an error frame
        self._in_error_event = False

    def seen(self, piece: bytes) -> None:
        data = self._pending + piece if self._pending else piece
        cut = data.rfind(b"\n")
        head_skipped = self._skipping  # the first line ends a line too long to be an error
        complete, rest = (b"", data) if cut < 0 else (data[:cut], data[cut + 1 :])
        if cut < 0 and head_skipped:
            rest = b""
        self._skipping = len(rest) > _LONGEST_LINE or (cut < 0 and head_skipped)
        self._pending = b"" if self._skipping else rest
        if cut < 0 or not (self._in_error_event or b'"message' in complete or b"error" in complete):
            return
        lines = complete.split(b"\n")
        if head_skipped:
            del lines[0]
        for line in lines:
            self._line(line.rstrip(b"\r"))

    def _line(self, line: bytes) -> None:
        if not line:
            self._in_error_event = False  # an event ends at a blank line
        elif line.startswith(b"event:"):
            self._in_error_event = line[6:].strip() == b"error"
        elif line.startswith(b"data:"):
            frame = error_frame(line[5:].strip(), self._in_error_event)
            if frame is not None:
                raise self._error(frame)

    def _error(self, frame: Any) -> StreamError:
        from . import _redact  # errors only: not loaded at import

        secrets = _redact.sent_secrets(self._wire)
        safe = json.loads(_redact.redact(json.dumps(frame).encode("utf-8"), secrets))
        said = safe.get("message") if isinstance(safe, dict) else safe
        text = str(said) if said else json.dumps(safe)
        return StreamError(
            f"Bedrock sent an error in the stream after it began, so the answer is "
            f"incomplete: {text} (retry the call)",
            cast(Any, self._request),  # the SDK's library, typed as httpx
            body=safe,
        )


def watched(request: http.Request, wire: http.Request, response: http.Response) -> http.Response:
    """``response`` (a stream) with its error frames raised as ``StreamError``."""
    response.stream = ErrorFrames(response.stream, request, wire)
    return response


__all__ = ["ErrorFrames", "error_frame", "watched"]
