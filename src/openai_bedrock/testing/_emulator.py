"""``BedrockEmulator``: a local, signature-checking stand-in for Bedrock's OpenAI API.

The HTTP plumbing lives in ``_server.py``, signature checks in ``_verify.py``, the
chat answers in ``_emulated_chat.py``, guardrails in ``_emulated_guardrail.py`` and every
response body in ``_shapes.py``; this module holds the emulator's state and decides
what each request gets.
"""

from __future__ import annotations

import collections
import datetime as dt
import email.utils
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union
from urllib.parse import unquote

from .._errors import EmulatorError, EmulatorNotRunningError
from .._mantle_routes import OPENAI_V1, V1, base_of
from . import _shapes as shapes
from ._emulated_chat import chat_answer, text_of, tokens
from ._emulated_guardrail import (
    Assessment,
    EmulatedGuardrail,
    assess,
    bare_guardrail_id,
    strip_tags,
)
from ._exchange import EmulatedRequest, Endpoint, Rejected, Reply, ReplyFunction
from ._server import EmulatorServer
from ._verify import Keys, authenticate, new_keys

if TYPE_CHECKING:
    from ._batch import BatchEngine

__all__ = ["BedrockEmulator", "EmulatedRequest"]

FAULTS = ("throttle", "internal", "unavailable", "drop", "slow_stream")
_FAULT_ERRORS: dict[str, Callable[[], shapes.ErrorReply]] = {
    "throttle": shapes.throttling,
    "internal": shapes.internal_error,
    "unavailable": shapes.service_unavailable,
}

# endpoint -> (path prefix, SigV4 signing name), docs/wire.md section 1.
_ENDPOINTS: dict[str, tuple[str, str]] = {
    "runtime": ("/openai/v1", "bedrock"),
    "mantle": ("/v1", "bedrock-mantle"),
}
# What GET /models lists when no models were configured (section 3).
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {
    "runtime": ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0"),
    "mantle": ("openai.gpt-oss-120b", "openai.gpt-oss-20b"),
}


@dataclass
class _State:
    keys: Keys
    faults: collections.deque[str] = field(default_factory=collections.deque)
    guardrails: dict[tuple[str, str], EmulatedGuardrail] = field(default_factory=dict)


class BedrockEmulator:
    """A local HTTP/1.1 server that answers like Bedrock's OpenAI-compatible API.

    It listens on 127.0.0.1 on an ephemeral port in a background thread, authenticates
    every request as Bedrock does (SigV4 recomputed from the request as received, or a
    Bearer API key), and answers with the shapes in ``docs/wire.md``. Routes, under
    ``/openai/v1`` (runtime) or ``/v1`` and ``/openai/v1`` (mantle, each model on its
    base, the other one answering mantle's wrong-base rejection): ``POST
    chat/completions`` (JSON or SSE), ``POST responses``, ``GET``/``DELETE
    responses/{id}``, and on mantle's ``/v1`` only ``GET models`` and ``GET models/{id}``.
    runtime answers every other path with HTTP 200 and the ``UnknownOperationException``
    envelope, as bedrock-runtime does.

    Args:
        endpoint: ``"runtime"`` (signing name ``bedrock``) or ``"mantle"``
            (``bedrock-mantle``).
        region: The region credentials must be scoped to.
        reply: None to echo the last user message, or ``reply(body) -> str | dict``;
            a dict holds assistant message fields (``{"content": None, "tool_calls":
            [...]}``) and may set ``finish_reason``.
        models: None to allow any model id, else the allowed ids; others get 400 "The
            provided model identifier is invalid" (runtime) or 404 ``model_not_found``
            (mantle).
        clock_offset: Seconds added to the emulator's clock, to test clock skew.
        session_token: Generate and require a session token with the access key.
        api_keys: More Bearer values to accept besides the generated ``api_key`` (your
            own test keys); ``rotate_credentials()`` keeps them.
        stream_delay: Seconds between SSE frames once a ``"slow_stream"`` fault fires.
        routes: mantle: more ``{model id: "/v1" or "/openai/v1"}`` besides the client's
            route table, for models it does not list.
        wrong_base_status: mantle: 400 ("isn't supported on this route") or 401
            ("... is not enabled for this account") for every wrong-base request; None
            chooses by model family, as captured.
        s3: A boto3 S3 client (e.g. under moto) to serve the Batch API on runtime:
            ``/openai/v1/batches`` reads inputs and writes outputs through it, and
            ``emulator.batches.advance()`` moves jobs through their lifecycle
            (see ``testing/_batch.py``). Without it, batch routes are unknown.

    Example::

        with BedrockEmulator() as emu:
            client = openai_bedrock.create_client(
                base_url=emu.base_url, region=emu.region,
                access_key_id=emu.access_key_id, secret_access_key=emu.secret_access_key,
            )
            client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[...])
            assert emu.requests[-1].verdict == "ok"
    """

    def __init__(
        self,
        *,
        endpoint: Endpoint = "runtime",
        region: str = "us-west-2",
        reply: Optional[ReplyFunction] = None,
        models: Optional[Iterable[str]] = None,
        clock_offset: float = 0.0,
        session_token: bool = False,
        api_keys: Optional[Iterable[str]] = None,
        stream_delay: float = 0.05,
        routes: Optional[Mapping[str, str]] = None,
        wrong_base_status: Optional[int] = None,
        s3: Any = None,
    ) -> None:
        if endpoint not in _ENDPOINTS:
            raise EmulatorError(f"endpoint must be 'runtime' or 'mantle', not {endpoint!r}.")
        self.endpoint: Endpoint = endpoint
        self.region = region
        self.reply = reply
        self.models = None if models is None else frozenset(models)
        self.clock_offset = float(clock_offset)
        self.stream_delay = stream_delay
        self.requests: list[EmulatedRequest] = []
        self._prefix, self.service = _ENDPOINTS[endpoint]
        self._with_token = session_token
        self._lock = threading.Lock()
        self._extra_api_keys = frozenset(api_keys or ())
        self._state = _State(new_keys(session_token, self._extra_api_keys))
        self._server: Any = None
        self.routes = dict(routes or {})
        self.wrong_base_status = wrong_base_status
        # Stored responses: id -> (the base that made it, the response).
        self._stored: dict[str, tuple[str, dict[str, Any]]] = {}
        self.batches: Optional[BatchEngine] = None
        if s3 is not None:
            from ._batch import BatchEngine

            self.batches = BatchEngine(self, s3)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> BedrockEmulator:
        """Start serving (``with BedrockEmulator() as emu`` does this)."""
        if self._server is None:
            self._server = EmulatorServer(self)
        return self

    def close(self) -> None:
        """Stop serving and close every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> BedrockEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        url = self.base_url if self._server is not None else "not started"
        return f"<BedrockEmulator {self.endpoint} {self.region} {url}>"

    @property
    def port(self) -> int:
        if self._server is None:
            raise EmulatorNotRunningError(
                "The emulator is not running; use `with BedrockEmulator():`."
            )
        return int(self._server.port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._prefix}"

    # --- credentials -------------------------------------------------------------------

    @property
    def access_key_id(self) -> str:
        return self._state.keys.access_key_id

    @property
    def secret_access_key(self) -> str:
        return self._state.keys.secret_access_key

    @property
    def session_token(self) -> Optional[str]:
        return self._state.keys.session_token

    @property
    def api_key(self) -> str:
        return self._state.keys.api_key

    def rotate_credentials(self) -> None:
        """Replace the access key, secret, session token and generated API key; old ones
        are rejected from now on."""
        with self._lock:
            self._state.keys = new_keys(self._with_token, self._extra_api_keys)

    # --- scripting ---------------------------------------------------------------------

    def fail(self, kind: str, times: int = 1) -> None:
        """Queue a fault for each of the next ``times`` authenticated requests.

        ``"throttle"`` (429 ThrottlingException), ``"internal"`` (500),
        ``"unavailable"`` (503 ServiceUnavailableException), ``"drop"`` (close the
        connection without answering) or ``"slow_stream"`` (SSE frames ``stream_delay``
        seconds apart; a non-streamed answer waits that long once).
        """
        if kind not in FAULTS:
            raise EmulatorError(f"Unknown fault {kind!r}; use one of {', '.join(FAULTS)}.")
        with self._lock:
            self._state.faults.extend([kind] * times)

    def add_guardrail(
        self,
        identifier: str,
        version: Union[str, int] = "DRAFT",
        *,
        blocks: Optional[Callable[[str], bool]] = None,
        blocked_message: str = shapes.BLOCKED_MESSAGE,
        topic: str = "Denied topic",
    ) -> None:
        """Make a guardrail known; requests naming another one get 400 ValidationException.

        ``identifier`` is the guardrail's id or its ARN; requests may name it by either.
        ``blocks(text)`` gets the evaluated input (the tagged content when the request
        uses input tags, else all user text) and returns whether the guardrail
        intervenes; None blocks every input. ``topic`` names the denied topic in the
        trace of a blocked request. Runtime chat completions only: mantle and
        the Responses API ignore guardrail headers, as Bedrock does (docs/wire.md
        section 4).
        """
        guardrail = EmulatedGuardrail(blocks or (lambda _text: True), blocked_message, topic)
        with self._lock:
            self._state.guardrails[(bare_guardrail_id(identifier), str(version))] = guardrail

    def reset(self) -> None:
        """Forget recorded requests and queued faults (guardrails and keys stay)."""
        with self._lock:
            self.requests.clear()
            self._state.faults.clear()

    def now(self) -> dt.datetime:
        """The emulator's clock, offset included."""
        return dt.datetime.fromtimestamp(time.time() + self.clock_offset, dt.timezone.utc)

    # --- requests ----------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> Reply:
        """Answer one request (called by the server thread; also usable directly)."""
        path, _, query = target.partition("?")
        record = EmulatedRequest(method, path, query, headers, body)
        self.requests.append(record)
        now = self.now()
        verdict = authenticate(
            method=method,
            target=target,
            headers=headers,
            body=body,
            keys=self._state.keys,
            service=self.service,
            region=self.region,
            now=now,
            also_service="bedrock" if self.endpoint == "mantle" else None,
        )
        record.auth, record.reason = verdict.auth, verdict.reason
        if verdict.error is not None:
            return self._error(record, verdict.error, now)
        route = self._route(method, path)
        if route is None and self.endpoint == "runtime":
            # bedrock-runtime answers paths it does not serve with HTTP 200 and a Coral
            # envelope (docs/wire.md, "Unserved paths").
            record.verdict = "UnknownOperationException"
            record.status = 200
            headers = self._headers(record, now, "application/json")
            return Reply(200, headers, shapes.dumps(shapes.UNKNOWN_OPERATION_ENVELOPE))
        if route is None:
            return self._error(record, shapes.unknown_operation(), now)
        with self._lock:
            fault = self._state.faults.popleft() if self._state.faults else None
        if fault == "drop":
            record.verdict = "dropped"
            return Reply(0, [], drop=True)
        error = _FAULT_ERRORS.get(fault or "")
        if error is not None:
            return self._error(record, error(), now)
        try:
            reply = route(record, now)
        except Rejected as rejected:
            return self._error(record, rejected.error, now)
        except Exception as exc:  # a bug in a reply callable: answer 500, keep serving
            record.reason = f"the emulator failed: {exc!r}"
            return self._error(record, shapes.internal_error(), now)
        if fault == "slow_stream":
            reply.delay = self.stream_delay
        record.status = reply.status
        return reply

    def _base(self, path: str) -> Optional[str]:
        """The base a path is under: the endpoint's own, or on mantle either of its two
        (docs/wire.md, "Mantle bases")."""
        if path.startswith(self._prefix + "/"):
            return self._prefix
        if self.endpoint == "mantle" and path.startswith(OPENAI_V1 + "/"):
            return OPENAI_V1
        return None

    def _route(self, method: str, path: str) -> Optional[Callable[..., Reply]]:
        base = self._base(path)
        if base is None:
            return None
        resource = path[len(base) + 1 :]
        if method == "POST" and resource == "chat/completions":
            return self._chat
        if method == "POST" and resource == "responses":
            return self._responses
        if resource == "batches" or resource.startswith("batches/"):
            # Runtime only, as on Bedrock (docs/wire.md section 10.1).
            if self.batches is None or self.endpoint != "runtime":
                return None
            return self.batches.route(method, resource)
        parts = resource.split("/")
        if len(parts) == 2 and parts[0] == "responses" and parts[1] and method in ("GET", "DELETE"):
            return self._stored_response
        if self.endpoint == "runtime" or base == OPENAI_V1:
            # bedrock-runtime does not implement GET /models (AWS documents it:
            # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html),
            # so a test that lists models on runtime must fail here as it would there.
            return None
        if method == "GET" and resource == "models":
            return self._models
        if method == "GET" and resource.startswith("models/") and len(resource) > 7:
            return self._model
        return None

    def _headers(
        self, record: EmulatedRequest, now: dt.datetime, content_type: str
    ) -> list[tuple[str, str]]:
        headers = [
            ("Date", email.utils.format_datetime(now, usegmt=True)),
            ("Content-Type", content_type),
        ]
        if self.endpoint == "mantle":
            # mantle sends the same req_ id twice (docs/wire.md, "Error shapes").
            record.request_id = f"req_{uuid.uuid4().hex}"
            headers += [
                ("x-amzn-requestid", record.request_id),
                ("x-request-id", record.request_id),
            ]
        else:
            record.request_id = str(uuid.uuid4())
            headers.append(("x-amzn-RequestId", record.request_id))
        return headers

    def json_reply(self, record: EmulatedRequest, now: dt.datetime, value: Any) -> Reply:
        record.status = 200
        return Reply(200, self._headers(record, now, "application/json"), shapes.dumps(value))

    def _error(self, record: EmulatedRequest, error: shapes.ErrorReply, now: dt.datetime) -> Reply:
        record.verdict, record.status = error.code, error.status
        headers = self._headers(record, now, "application/json")
        if error.aws:
            headers.append(("x-amzn-ErrorType", error.error_type))
        return Reply(error.status, headers, error.content)

    # --- routes ------------------------------------------------------------------------

    def _body(self, record: EmulatedRequest) -> dict[str, Any]:
        try:
            body = json.loads(record.body)
        except ValueError:
            raise Rejected(shapes.validation("The request body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise Rejected(shapes.validation("The request body must be a JSON object."))
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise Rejected(shapes.validation("Missing required field: model."))
        if self.models is not None and model not in self.models:
            if self.endpoint == "mantle":
                raise Rejected(shapes.model_not_found(model))
            raise Rejected(shapes.invalid_model_identifier())
        if self.endpoint == "mantle":
            serves = self.routes.get(model) or base_of(model) or V1
            base = self._base(record.path)
            if base != serves:
                status = self.wrong_base_status
                if status is None:  # by family, as captured (docs/wire.md, "Mantle bases")
                    status = 401 if model.startswith("google.gemma-4") and base == V1 else 400
                raise Rejected(shapes.wrong_base(model, status))
        elif body.get("background") is True:
            raise Rejected(shapes.background_not_supported())
        return body

    def _answer(self, body: dict[str, Any], default: str) -> dict[str, Any]:
        """The assistant message fields: the reply callable's, or the echo."""
        result = self.reply(body) if self.reply is not None else default
        return {"content": result} if isinstance(result, str) else dict(result)

    def _chat(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        body = self._body(record)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Rejected(shapes.validation("Missing required field: messages."))
        texts = [
            (m.get("role"), text_of(m.get("content"))) for m in messages if isinstance(m, dict)
        ]
        guardrail = self._guardrail(record, body, texts)
        message = None
        if guardrail is None or not guardrail.blocked:
            user = [text for role, text in texts if role == "user"]
            message = self._answer(body, strip_tags(user[-1]) if user else "")
        answer = chat_answer(body, texts, message, guardrail, now)
        if isinstance(answer, list):
            return self._sse(record, now, answer)
        return self.json_reply(record, now, answer)

    def _sse(self, record: EmulatedRequest, now: dt.datetime, events: list[Any]) -> Reply:
        record.status = 200
        frames = [shapes.sse_event(event) for event in events] + [shapes.SSE_DONE]
        return Reply(200, self._headers(record, now, "text/event-stream"), frames=frames)

    def _guardrail(
        self, record: EmulatedRequest, body: dict[str, Any], texts: list[tuple[Any, str]]
    ) -> Optional[Assessment]:
        if self.endpoint == "mantle":
            return None  # mantle ignores guardrail headers (section 4)

        def known(identifier: str, version: str) -> Optional[EmulatedGuardrail]:
            with self._lock:
                return self._state.guardrails.get((identifier, version))

        return assess(record, body, texts, known)

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
                self._stored[response["id"]] = (self._base(record.path) or "", response)
        if body.get("stream") is not True:
            return self.json_reply(record, now, response)
        record.status = 200
        frames = [shapes.sse_named_event(e) for e in shapes.response_stream_events(response)]
        return Reply(200, self._headers(record, now, "text/event-stream"), frames=frames)

    def _stored_response(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        response_id = record.path.rsplit("/", 1)[1]
        base = self._base(record.path)
        with self._lock:
            stored = self._stored.get(response_id)
            if stored is None or stored[0] != base:
                raise Rejected(shapes.response_not_found())
            if record.method == "DELETE":
                del self._stored[response_id]
                deleted = {"id": response_id, "object": "response.deleted", "deleted": True}
                return self.json_reply(record, now, deleted)
        return self.json_reply(record, now, stored[1])

    def _listed(self) -> list[str]:
        return (
            sorted(self.models) if self.models is not None else list(DEFAULT_MODELS[self.endpoint])
        )

    def _models(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        return self.json_reply(record, now, shapes.models_list(self._listed(), created=0))

    def _model(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        model_id = unquote(record.path.rsplit("/models/", 1)[1])
        if self.models is not None and model_id not in self.models:
            raise Rejected(shapes.resource_not_found(f"Model {model_id} not found."))
        return self.json_reply(record, now, shapes.model(model_id, created=0))
