"""``BedrockEmulator``: a local, signature-checking stand-in for Bedrock's OpenAI API.

The HTTP plumbing lives in ``_server.py``, signature checks in ``_verify.py``, the
served API (routes, body checks, handlers) in ``_emulated_routes.py``, reply framing in
``_emulated_replies.py``, the chat answers in ``_emulated_chat.py``, guardrails in
``_emulated_guardrail.py`` and every response body in ``_shapes.py``; this module holds
the emulator's state and what a test scripts (keys, faults, guardrails), and takes each
request through authentication and faults to its route.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from .._errors import EmulatorError, EmulatorNotRunningError
from . import _emulated_replies as replies
from . import _shapes as shapes
from ._emulated_guardrail import EmulatedGuardrail, bare_guardrail_id
from ._emulated_routes import ENDPOINTS, Routes
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
        if endpoint not in ENDPOINTS:
            raise EmulatorError(f"endpoint must be 'runtime' or 'mantle', not {endpoint!r}.")
        self.endpoint: Endpoint = endpoint
        self.region = region
        self.reply = reply
        self.models = None if models is None else frozenset(models)
        self.clock_offset = float(clock_offset)
        self.stream_delay = stream_delay
        self.requests: list[EmulatedRequest] = []
        self._prefix, self.service = ENDPOINTS[endpoint]
        self._with_token = session_token
        self._lock = threading.Lock()
        self._extra_api_keys = frozenset(api_keys or ())
        self._state = _State(new_keys(session_token, self._extra_api_keys))
        self._server: Any = None
        self.routes = dict(routes or {})
        self.wrong_base_status = wrong_base_status
        self.batches: Optional[BatchEngine] = None
        if s3 is not None:
            from ._batch import BatchEngine

            self.batches = BatchEngine(self, s3)
        self._served = Routes(self, self._known_guardrail)

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
        route = self._served.find(method, path)
        if route is None and self.endpoint == "runtime":
            # bedrock-runtime answers paths it does not serve with HTTP 200 and a Coral
            # envelope (docs/wire.md, "Unserved paths").
            return replies.unknown_operation_envelope(self.endpoint, record, now)
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

    def json_reply(self, record: EmulatedRequest, now: dt.datetime, value: Any) -> Reply:
        """A 200 JSON reply with this endpoint's headers (for the batch routes)."""
        return replies.json_reply(self.endpoint, record, now, value)

    def _error(self, record: EmulatedRequest, error: shapes.ErrorReply, now: dt.datetime) -> Reply:
        return replies.error_reply(self.endpoint, record, error, now)

    def _known_guardrail(self, identifier: str, version: str) -> Optional[EmulatedGuardrail]:
        with self._lock:
            return self._state.guardrails.get((identifier, version))
