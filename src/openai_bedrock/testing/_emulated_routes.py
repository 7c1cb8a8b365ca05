"""The API the emulator serves: which handler answers a method and path on each
endpoint and base, the checks Bedrock makes of a request body (model, mantle's base per
model, runtime's ``background``), and the handlers (chat completions, responses and
stored responses, models). Batch routes are ``_batch``'s."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional, Protocol
from urllib.parse import unquote

from .._mantle_routes import OPENAI_V1, V1, base_of
from . import _shapes as shapes
from ._emulated_chat import chat_answer, text_of, tokens
from ._emulated_guardrail import Assessment, EmulatedGuardrail, assess, strip_tags
from ._emulated_replies import event_stream, json_reply
from ._exchange import EmulatedRequest, Endpoint, Rejected, Reply, ReplyFunction

if TYPE_CHECKING:
    from ._batch import BatchEngine

# endpoint -> (path prefix, SigV4 signing name), docs/wire.md section 1.
ENDPOINTS: dict[str, tuple[str, str]] = {
    "runtime": ("/openai/v1", "bedrock"),
    "mantle": ("/v1", "bedrock-mantle"),
}
# What GET /models lists when no models were configured (section 3).
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {
    "runtime": ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0"),
    "mantle": ("openai.gpt-oss-120b", "openai.gpt-oss-20b"),
}

Route = Callable[[EmulatedRequest, dt.datetime], Reply]


class _Host(Protocol):
    """What the routes need of the emulator they serve (not the emulator itself, so
    neither module imports the other)."""

    @property
    def endpoint(self) -> Endpoint: ...
    @property
    def reply(self) -> Optional[ReplyFunction]: ...
    @property
    def models(self) -> Optional[frozenset[str]]: ...
    @property
    def routes(self) -> Mapping[str, str]: ...
    @property
    def wrong_base_status(self) -> Optional[int]: ...
    @property
    def batches(self) -> Optional[BatchEngine]: ...


class Routes:
    """The handlers of one emulator, and the responses it stored."""

    def __init__(
        self, host: _Host, guardrail: Callable[[str, str], Optional[EmulatedGuardrail]]
    ) -> None:
        self._host = host
        self._guardrail_named = guardrail
        self._prefix = ENDPOINTS[host.endpoint][0]
        self._lock = threading.Lock()
        # Stored responses: id -> (the base that made it, the response).
        self._stored: dict[str, tuple[str, dict[str, Any]]] = {}

    def base(self, path: str) -> Optional[str]:
        """The base a path is under: the endpoint's own, or on mantle either of its two
        (docs/wire.md, "Mantle bases")."""
        if path.startswith(self._prefix + "/"):
            return self._prefix
        if self._host.endpoint == "mantle" and path.startswith(OPENAI_V1 + "/"):
            return OPENAI_V1
        return None

    def find(self, method: str, path: str) -> Optional[Route]:
        """The handler of ``method`` ``path``, or None where Bedrock serves nothing."""
        endpoint = self._host.endpoint
        base = self.base(path)
        if base is None:
            return None
        resource = path[len(base) + 1 :]
        if method == "POST" and resource == "chat/completions":
            return self._chat
        if method == "POST" and resource == "responses":
            return self._responses
        if resource == "batches" or resource.startswith("batches/"):
            # Runtime only, as on Bedrock (docs/wire.md section 10.1).
            batches = self._host.batches
            if batches is None or endpoint != "runtime":
                return None
            return batches.route(method, resource)
        parts = resource.split("/")
        if len(parts) == 2 and parts[0] == "responses" and parts[1] and method in ("GET", "DELETE"):
            return self._stored_response
        if endpoint == "runtime" or base == OPENAI_V1:
            # bedrock-runtime does not implement GET /models (AWS documents it:
            # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html),
            # so a test that lists models on runtime must fail here as it would there.
            return None
        if method == "GET" and resource == "models":
            return self._models
        if method == "GET" and resource.startswith("models/") and len(resource) > 7:
            return self._model
        return None

    # --- what Bedrock checks of a body --------------------------------------------------

    def _body(self, record: EmulatedRequest) -> dict[str, Any]:
        host = self._host
        try:
            body = json.loads(record.body)
        except ValueError:
            raise Rejected(shapes.validation("The request body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise Rejected(shapes.validation("The request body must be a JSON object."))
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise Rejected(shapes.validation("Missing required field: model."))
        if host.models is not None and model not in host.models:
            if host.endpoint == "mantle":
                raise Rejected(shapes.model_not_found(model))
            raise Rejected(shapes.invalid_model_identifier())
        if host.endpoint == "mantle":
            serves = host.routes.get(model) or base_of(model) or V1
            base = self.base(record.path)
            if base != serves:
                status = host.wrong_base_status
                if status is None:  # by family, as captured (docs/wire.md, "Mantle bases")
                    status = 401 if model.startswith("google.gemma-4") and base == V1 else 400
                raise Rejected(shapes.wrong_base(model, status))
        elif body.get("background") is True:
            raise Rejected(shapes.background_not_supported())
        return body

    def _answer(self, body: dict[str, Any], default: str) -> dict[str, Any]:
        """The assistant message fields: the reply callable's, or the echo."""
        reply = self._host.reply
        result = reply(body) if reply is not None else default
        return {"content": result} if isinstance(result, str) else dict(result)

    # --- handlers ------------------------------------------------------------------------

    def _chat(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        body = self._body(record)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Rejected(shapes.validation("Missing required field: messages."))
        texts = [
            (m.get("role"), text_of(m.get("content"))) for m in messages if isinstance(m, dict)
        ]
        guardrail = self._assessed(record, body, texts)
        message = None
        if guardrail is None or not guardrail.blocked:
            user = [text for role, text in texts if role == "user"]
            message = self._answer(body, strip_tags(user[-1]) if user else "")
        answer = chat_answer(body, texts, message, guardrail, now)
        endpoint = self._host.endpoint
        if isinstance(answer, list):
            frames = [shapes.sse_event(event) for event in answer] + [shapes.SSE_DONE]
            return event_stream(endpoint, record, now, frames)
        return json_reply(endpoint, record, now, answer)

    def _assessed(
        self, record: EmulatedRequest, body: dict[str, Any], texts: list[tuple[Any, str]]
    ) -> Optional[Assessment]:
        if self._host.endpoint == "mantle":
            return None  # mantle ignores guardrail headers (section 4)
        return assess(record, body, texts, self._guardrail_named)

    def _responses(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        body = self._body(record)
        given = body.get("input")
        if isinstance(given, str):
            last, prompt = given, given
        elif isinstance(given, list):
            users = [
                text_of(item.get("content")) if isinstance(item, dict) else ""
                for item in given
                if isinstance(item, dict) and item.get("role", "user") == "user"
            ]
            last, prompt = (users[-1] if users else ""), " ".join(users)
        else:
            raise Rejected(shapes.validation("Missing required field: input."))
        text = self._answer(body, last).get("content") or ""
        hex_id = uuid.uuid4().hex
        response = shapes.response_object(
            id=f"resp_{hex_id}",
            model=body["model"],
            created_at=int(now.timestamp()),
            text=text,
            message_id=f"msg_{hex_id}",
            input_tokens=tokens(prompt) + tokens(str(body.get("instructions") or "")),
            output_tokens=tokens(text),
        )
        if body.get("store") is not False:
            with self._lock:
                self._stored[response["id"]] = (self.base(record.path) or "", response)
        endpoint = self._host.endpoint
        if body.get("stream") is not True:
            return json_reply(endpoint, record, now, response)
        frames = [shapes.sse_named_event(e) for e in shapes.response_stream_events(response)]
        return event_stream(endpoint, record, now, frames)

    def _stored_response(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        response_id = record.path.rsplit("/", 1)[1]
        base = self.base(record.path)
        endpoint = self._host.endpoint
        with self._lock:
            stored = self._stored.get(response_id)
            if stored is None or stored[0] != base:
                raise Rejected(shapes.response_not_found())
            if record.method == "DELETE":
                del self._stored[response_id]
                deleted = {"id": response_id, "object": "response.deleted", "deleted": True}
                return json_reply(endpoint, record, now, deleted)
        return json_reply(endpoint, record, now, stored[1])

    def _models(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        host = self._host
        listed = (
            sorted(host.models) if host.models is not None else list(DEFAULT_MODELS[host.endpoint])
        )
        return json_reply(host.endpoint, record, now, shapes.models_list(listed, created=0))

    def _model(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        model_id = unquote(record.path.rsplit("/models/", 1)[1])
        if self._host.models is not None and model_id not in self._host.models:
            raise Rejected(shapes.resource_not_found(f"Model {model_id} not found."))
        return json_reply(self._host.endpoint, record, now, shapes.model(model_id, created=0))
