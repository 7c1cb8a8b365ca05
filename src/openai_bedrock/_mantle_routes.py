"""Which bedrock-mantle base serves which model, and the routing built on it.

bedrock-mantle serves some model families under ``/openai/v1`` and the rest under
``/v1``; the wrong base answers 400 "isn't supported on this route" or a misleading
401 "... is not enabled for this account" (docs/wire.md, "Mantle bases"). A client
built with ``endpoint="mantle"`` and no explicit ``base_url`` sends each request to
the base of its model, from ``ROUTES``; a model missing there that gets a wrong-base
answer is tried once on the other base, and the base that worked is remembered for
that model. Requests without a model (``/responses/{id}``) go where this client
created that response; the control plane (``/models``, ``/files``, ...) is only
under ``/v1``.
"""

from __future__ import annotations

import collections
import json
import re
import threading
from typing import Any, NamedTuple, Optional

from ._http import http
from ._responses import PassThrough

V1 = "/v1"
OPENAI_V1 = "/openai/v1"

_SPMB = "https://github.com/aws-samples/sample-per-model-bedrock/blob/main/_shared/bedrock.py"
_HERMES = "https://github.com/NousResearch/hermes-agent/issues/52316"
_TANSTACK = "https://github.com/TanStack/ai/pull/1270"

# (model id prefix, base path, source). The one place to update when AWS adds a model
# family; longer prefixes first where two overlap.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("openai.gpt-oss-", V1, _SPMB),
    ("openai.gpt-5", OPENAI_V1, _SPMB),
    ("xai.", OPENAI_V1, _HERMES),
    ("google.gemma-4", OPENAI_V1, _TANSTACK),
    ("google.gemma-3", V1, _SPMB),
    ("qwen.", V1, _SPMB),
    ("deepseek.", V1, _SPMB),
    ("zai.", V1, _SPMB),
    ("minimax.", V1, _SPMB),
    ("moonshotai.", V1, _SPMB),
    ("mistral.", V1, _SPMB),
    ("nvidia.", V1, _SPMB),
    ("writer.", V1, _SPMB),
)
_PREFIXES = tuple(prefix for prefix, _, _ in ROUTES)

# Paths that exist only under /v1 on mantle (docs/wire.md, "Mantle control plane").
CONTROL_PLANE = frozenset(
    {"models", "files", "fine_tuning", "organization", "data_retention", "batches"}
)


def base_of(model: str) -> Optional[str]:
    """The base path ``ROUTES`` gives ``model``, or None for a model it does not know."""
    if model.startswith(_PREFIXES):
        for prefix, base, _ in ROUTES:
            if model.startswith(prefix):
                return base
    return None


def other(base: str) -> str:
    return V1 if base == OPENAI_V1 else OPENAI_V1


def is_wrong_base(status: int, content: bytes) -> bool:
    """Whether an error is mantle's answer for a model sent to the wrong base."""
    if status == 400:
        return b"supported on this route" in content
    if status == 401:
        return b"access_denied" in content and b"is not enabled for this account" in content
    return False


# The first JSON "model" string value, and the first "id": the SDK's bodies are
# compact JSON, whose strings escape every quote, so a match is a key.
_MODEL = re.compile(rb'"model"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ID = re.compile(rb'"id"\s*:\s*"([^"\\]{1,200})"')
# Response ids remembered per client (bounded: old ones fall out first).
_MAX_RESPONSES = 4096


def model_of(request: http.Request) -> Optional[str]:
    try:
        content = request.content
    except http.RequestNotRead:
        return None  # a streamed upload (files): no model
    found = _MODEL.findall(content)
    if len(found) == 1:
        try:
            model: Any = json.loads(b'"' + found[0] + b'"')
        except ValueError:
            return None
        return model if isinstance(model, str) else None
    if not found:
        return None
    try:  # "model" also in a nested object: the top-level key decides
        body: Any = json.loads(content)
    except ValueError:
        return None
    value = body.get("model") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


class Route(NamedTuple):
    """Where one request was sent, and what may be tried if that base refuses it."""

    router: MantleRouter
    base: str
    model: Optional[str]
    response_id: Optional[str]
    known: bool  # from ROUTES, learned, or a response this client created
    creates_response: bool

    def retry_url(self, url: http.URL, status: int, content: bytes) -> Optional[http.URL]:
        """The other base's URL when this answer means "wrong base" and the base was a
        guess, else None."""
        if self.known:
            return None
        if self.model is not None and is_wrong_base(status, content):
            return with_base(url, other(self.base))
        if self.response_id is not None and status == 404:  # made elsewhere, perhaps
            return with_base(url, other(self.base))
        return None

    def settled(self, base: str, ok: bool) -> None:
        """Remember the base that answered a retried request."""
        if not ok:
            return
        if self.model is not None:
            self.router.learned[self.model] = base
        elif self.response_id is not None:
            self.router.remember_response(self.response_id, base)

    def watch(self, response: http.Response, base: str) -> http.Response:
        """A successful response; one that creates a stored response off /v1 has its
        id noted as the body passes to the SDK (never read here)."""
        if self.creates_response and base != V1:
            try:
                content = response.content  # a short body the transport already read
            except http.ResponseNotRead:
                response.stream = _IdSniffer(response.stream, self.router, base)
            else:
                match = _ID.search(content)
                if match is not None:
                    self.router.remember_response(match.group(1).decode("utf-8", "replace"), base)
        return response


class MantleRouter:
    """Per-client routing state: thread-safe (dict assignments are atomic; the bounded
    response map takes a lock) and shared by sync and async use."""

    def __init__(self) -> None:
        self.learned: dict[str, str] = {}
        self._responses: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._lock = threading.Lock()

    def remember_response(self, response_id: str, base: str) -> None:
        with self._lock:
            self._responses[response_id] = base
            if len(self._responses) > _MAX_RESPONSES:
                self._responses.popitem(last=False)

    def route(self, request: http.Request) -> Optional[Route]:
        """Point ``request`` at the base that serves it (in place); None when the
        request is not one that routing decides (already on a base, control plane)."""
        path = request.url.path
        if not path.startswith("/v1/"):
            return None
        parts = path[4:].split("/", 2)
        if parts[0] in CONTROL_PLANE:
            return None
        model: Optional[str] = None
        response_id: Optional[str] = None
        if parts[0] == "responses" and len(parts) > 1 and parts[1]:
            response_id = parts[1]
            with self._lock:
                remembered = self._responses.get(response_id)
            base, known = remembered or V1, remembered is not None
        else:
            model = model_of(request) if request.method == "POST" else None
            if model is None:
                return None
            table = base_of(model)
            learned = self.learned.get(model) if table is None else None
            base = table or learned or V1
            known = table is not None or learned is not None
        if base != V1:
            request.url = with_base(request.url, base)
        creates = parts[0] == "responses" and len(parts) == 1
        return Route(self, base, model, response_id, known, creates)


def with_base(url: http.URL, base: str) -> http.URL:
    """``url`` moved from one mantle base to the other (query kept)."""
    path = url.path
    rest = path[len(OPENAI_V1) :] if path.startswith(OPENAI_V1 + "/") else path[len(V1) :]
    return url.copy_with(path=base + rest)


class _IdSniffer(PassThrough):
    """Passes a response body through, noting the first ``"id"`` in its first few KB
    (the stored response's id, in a JSON body or the first SSE event)."""

    def __init__(self, inner: Any, router: MantleRouter, base: str) -> None:
        super().__init__(inner)
        self._router = router
        self._base = base
        self._seen: Optional[bytes] = b""

    def seen(self, chunk: bytes) -> None:
        if self._seen is None:
            return
        seen = self._seen + chunk
        match = _ID.search(seen)
        if match is not None:
            self._router.remember_response(match.group(1).decode("utf-8", "replace"), self._base)
        self._seen = None if match is not None or len(seen) > 8192 else seen
