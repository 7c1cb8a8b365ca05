"""The package's own status error for a response the transport turned into an error
(today: runtime's 200 UnknownOperation envelope, ``_responses.unknown_operation``),
raised so that it reaches the user as it is, through any client built on our
transport, copies (``with_options``, ``copy``) included.

- openai 2.31.0 and later re-raise an ``openai.OpenAIError`` raised inside the
  transport as it is, without retrying or wrapping it in ``APIConnectionError``
  (https://github.com/openai/openai-python/commit/5be95364a5a82746cb7b1c77df10dfaf138496bb,
  "Propagate OpenAIErrors as-is"): there the transport raises the error itself.
- Older openai (1.66 to 2.30) wraps anything a transport raises in
  ``APIConnectionError`` after its retries, but calls the response's public
  ``raise_for_status()`` before mapping the status to a class, and lets any exception
  other than the HTTP library's ``HTTPStatusError`` through: there the transport
  answers a response whose ``raise_for_status()`` raises the error.

Neither path touches the SDK or the HTTP library beyond their public API.
"""

from __future__ import annotations

import re
from typing import Any, cast

import openai

from ._errors import UnknownOperationError
from ._http import http


def propagates_errors(version: str) -> bool:
    """Whether openai ``version`` lets an ``OpenAIError`` raised in a transport through."""
    found = re.match(r"(\d+)\.(\d+)", version)
    return found is not None and (int(found[1]), int(found[2])) >= (2, 31)


SDK_PROPAGATES_ERRORS = propagates_errors(openai.__version__)
"""Decided once, from the installed openai."""


def _error(response: http.Response, body: dict[str, Any]) -> UnknownOperationError:
    data = body.get("error", body)
    message = data.get("message") if isinstance(data, dict) else None
    return UnknownOperationError(
        f"Error code: {response.status_code} - {message}",
        response=cast(Any, response),  # the SDK's library, typed as httpx
        body=data,
    )


class _RaisingResponse(http.Response):
    """An error response whose ``raise_for_status()`` raises the package's error (the
    path for openai < 2.31, see the module's docstring)."""

    def __init__(self, response: http.Response, body: dict[str, Any]) -> None:
        super().__init__(
            response.status_code,
            headers=response.headers,
            content=response.content,
            request=response.request,
            extensions=response.extensions,
        )
        self.error_body = body

    def raise_for_status(self) -> http.Response:
        raise _error(self, self.error_body)


def unknown_operation(response: http.Response, body: dict[str, Any]) -> http.Response:
    """Raise ``UnknownOperationError`` for ``response`` (an error response, already
    read), or, where the installed openai would wrap it, return a response that raises
    it when the SDK checks its status."""
    if SDK_PROPAGATES_ERRORS:
        raise _error(response, body)
    return _RaisingResponse(response, body)
