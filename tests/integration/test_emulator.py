"""BedrockEmulator: authentication as Bedrock does it, routes, faults and recording."""

from __future__ import annotations

import datetime as dt
import http.client
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock import _sigv4
from openai_bedrock.testing import BedrockEmulator
from support import MODEL, http_lib

HI: list[Any] = [{"role": "user", "content": "Hello there"}]


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


def client(emu: BedrockEmulator, **overrides: Any) -> openai.OpenAI:
    kwargs: dict[str, Any] = {
        "base_url": emu.base_url,
        "region": emu.region,
        "endpoint": emu.endpoint,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "session_token": emu.session_token,
        "max_retries": 0,
    }
    if "api_key" in overrides:
        kwargs.update(access_key_id=None, secret_access_key=None, session_token=None)
    kwargs.update(overrides)
    return openai_bedrock.create_client(**kwargs)


def signed(
    emu: BedrockEmulator,
    body: bytes,
    *,
    path: str = "/chat/completions",
    service: str | None = None,
    region: str | None = None,
    secret: str | None = None,
    now: dt.datetime | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """A URL and headers signed with the project's signer (the emulator checks it
    independently)."""
    url = emu.base_url + path
    sent = {"host": http_lib.URL(url).netloc.decode(), "content-type": "application/json"}
    sent.update(headers or {})
    sent.update(
        _sigv4.sign(
            method="POST",
            url=url,
            headers=sent.items(),
            body=body,
            credentials=_sigv4.FrozenCredentials(
                emu.access_key_id, secret or emu.secret_access_key, emu.session_token
            ),
            service=service or emu.service,
            region=region or emu.region,
            now=now or emu.now(),
        )
    )
    return url, sent


def chat_body(text: str = "Hello there") -> bytes:
    return json.dumps({"model": MODEL, "messages": [{"role": "user", "content": text}]}).encode()


def test_a_sigv4_client_gets_the_echo_and_the_request_is_recorded(emu: BedrockEmulator) -> None:
    with client(emu) as c:
        completion = c.chat.completions.create(model=MODEL, messages=HI)

    assert completion.choices[0].message.content == "Hello there"
    assert completion.choices[0].finish_reason == "stop"
    assert completion._request_id  # x-amzn-RequestId, exposed by the client
    [request] = emu.requests
    assert (request.method, request.path, request.auth, request.verdict, request.status) == (
        "POST",
        "/openai/v1/chat/completions",
        "sigv4",
        "ok",
        200,
    )
    assert request.json()["messages"] == HI
    assert request.headers["X-Amz-Date"] == request.headers["x-amz-date"]


def test_a_bearer_api_key_is_accepted(emu: BedrockEmulator) -> None:
    with client(emu, api_key=emu.api_key) as c:
        c.chat.completions.create(model=MODEL, messages=HI)

    assert emu.requests[-1].auth == "bearer"
    assert emu.requests[-1].verdict == "ok"


def test_configured_api_keys_are_accepted_too() -> None:
    own = "ABSK" + "B" * 120
    with BedrockEmulator(api_keys=[own]) as emu:
        with client(emu, api_key=own) as c:
            c.chat.completions.create(model=MODEL, messages=HI)
        emu.rotate_credentials()
        with client(emu, api_key=own) as c:
            c.chat.completions.create(model=MODEL, messages=HI)

    assert [r.verdict for r in emu.requests] == ["ok", "ok"]


def test_an_unknown_api_key_is_refused(emu: BedrockEmulator) -> None:
    with (
        client(emu, api_key="ABSK" + "A" * 120) as c,
        pytest.raises(openai.PermissionDeniedError) as caught,
    ):
        c.chat.completions.create(model=MODEL, messages=HI)

    assert caught.value.status_code == 403
    assert "Please make sure your API Key is valid" in caught.value.message
    assert emu.requests[-1].verdict == "AccessDeniedException"


@pytest.mark.parametrize(
    ("change", "error_type", "reason"),
    [
        ({"secret": "wrong" * 8}, "InvalidSignatureException", "does not match"),
        ({"region": "us-east-1"}, "InvalidSignatureException", "region 'us-east-1'"),
        ({"service": "bedrock-mantle"}, "InvalidSignatureException", "service 'bedrock-mantle'"),
    ],
)
def test_bad_signatures_are_refused_with_bedrocks_403(
    emu: BedrockEmulator, change: dict[str, Any], error_type: str, reason: str
) -> None:
    body = chat_body()
    url, headers = signed(emu, body, **change)
    response = http_lib.post(url, content=body, headers=headers)

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"].split(":")[0] == error_type
    assert "signature we calculated does not match" in response.json()["message"]
    assert reason in emu.requests[-1].reason


def test_a_body_changed_after_signing_is_refused(emu: BedrockEmulator) -> None:
    url, headers = signed(emu, chat_body("Hello"))
    response = http_lib.post(url, content=chat_body("Goodbye"), headers=headers)

    assert response.status_code == 403
    assert "signature does not match" in emu.requests[-1].reason


def _botocore_signed(emu: BedrockEmulator, body: bytes, content_hash: str) -> dict[str, str]:
    """Headers botocore's SigV4Auth gives a request that carries (and so signs) its
    own X-Amz-Content-SHA256, as S3-style signers send it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = emu.base_url + "/chat/completions"
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"content-type": "application/json", "X-Amz-Content-SHA256": content_hash},
    )
    request.context["timestamp"] = emu.now().strftime("%Y%m%dT%H%M%SZ")
    credentials = Credentials(emu.access_key_id, emu.secret_access_key, emu.session_token)
    SigV4Auth(credentials, emu.service, emu.region).add_auth(request)
    return dict(request.headers.items())


def test_a_signed_content_hash_is_accepted_and_checked(emu: BedrockEmulator) -> None:
    import hashlib

    body = chat_body("Hello")
    good = _botocore_signed(emu, body, hashlib.sha256(body).hexdigest())
    assert "x-amz-content-sha256" in good["Authorization"]
    assert http_lib.post(emu.base_url + "/chat/completions", content=body, headers=good).is_success

    bad = _botocore_signed(emu, body, hashlib.sha256(b"other").hexdigest())
    response = http_lib.post(emu.base_url + "/chat/completions", content=body, headers=bad)
    assert response.status_code == 403
    assert "X-Amz-Content-SHA256 is not the SHA-256 of the body" in emu.requests[-1].reason


def test_our_requests_carry_no_content_hash(emu: BedrockEmulator) -> None:
    client(emu).chat.completions.create(model=MODEL, messages=HI)

    assert "x-amz-content-sha256" not in emu.requests[-1].headers


def test_a_header_changed_after_signing_is_refused(emu: BedrockEmulator) -> None:
    url, headers = signed(emu, chat_body(), headers={"x-custom": "signed value"})
    headers["x-custom"] = "changed"
    response = http_lib.post(url, content=chat_body(), headers=headers)

    assert response.status_code == 403
    assert emu.requests[-1].verdict == "InvalidSignatureException"


@pytest.mark.parametrize("left_out", ["host", "x-amz-date"])
def test_host_and_date_must_be_signed(emu: BedrockEmulator, left_out: str) -> None:
    url, headers = signed(emu, chat_body())
    scope, signed_headers, signature = headers["Authorization"].split(", ")
    names = [n for n in signed_headers.removeprefix("SignedHeaders=").split(";") if n != left_out]
    headers["Authorization"] = f"{scope}, SignedHeaders={';'.join(names)}, {signature}"
    response = http_lib.post(url, content=chat_body(), headers=headers)

    assert response.status_code == 403
    assert f"{left_out!r} is not among the signed headers" in emu.requests[-1].reason


def test_an_unknown_access_key_is_unrecognized(emu: BedrockEmulator) -> None:
    with (
        client(emu, access_key_id="AKIAIOSFODNN7EXAMPLE") as c,
        pytest.raises(openai.PermissionDeniedError) as caught,
    ):
        c.chat.completions.create(model=MODEL, messages=HI)

    assert caught.value.code == "UnrecognizedClientException"
    assert "The security token included in the request is invalid." in caught.value.message


def test_a_request_without_credentials_is_refused(emu: BedrockEmulator) -> None:
    response = http_lib.post(emu.base_url + "/chat/completions", content=chat_body())

    assert response.status_code == 403
    assert emu.requests[-1].auth is None
    assert emu.requests[-1].verdict == "MissingAuthenticationTokenException"


def test_a_session_token_is_required_when_the_credentials_have_one() -> None:
    with BedrockEmulator(session_token=True) as emu:
        assert emu.session_token is not None
        with client(emu) as c:
            c.chat.completions.create(model=MODEL, messages=HI)
        with client(emu, session_token=None) as c, pytest.raises(openai.PermissionDeniedError):
            c.chat.completions.create(model=MODEL, messages=HI)

    assert [r.verdict for r in emu.requests] == ["ok", "UnrecognizedClientException"]
    assert "x-amz-security-token" in emu.requests[0].headers


@pytest.mark.parametrize(
    ("offset", "text"),
    [(600, "Signature expired: "), (-600, "Signature not yet current: ")],
)
def test_the_clock_window_is_five_minutes(emu: BedrockEmulator, offset: int, text: str) -> None:
    emu.clock_offset = offset
    url, headers = signed(emu, chat_body(), now=emu.now() - dt.timedelta(seconds=offset))
    response = http_lib.post(url, content=chat_body(), headers=headers)

    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"].startswith("InvalidSignatureException:")
    message = response.json()["message"]
    assert message.startswith(text)
    assert message.endswith("5 min.)")
    # The answer's Date is the emulator's clock, so a client can correct its own.
    server_date = dt.datetime.strptime(response.headers["Date"], "%a, %d %b %Y %H:%M:%S GMT")
    assert abs(server_date.replace(tzinfo=dt.timezone.utc) - emu.now()) < dt.timedelta(minutes=1)

    emu.clock_offset = 0
    url, headers = signed(emu, chat_body(), now=emu.now() + dt.timedelta(minutes=4))
    assert http_lib.post(url, content=chat_body(), headers=headers).status_code == 200


def test_rotated_credentials_replace_the_old_ones(emu: BedrockEmulator) -> None:
    old = client(emu)
    emu.rotate_credentials()
    new = client(emu)
    with old, new:
        with pytest.raises(openai.PermissionDeniedError):
            old.chat.completions.create(model=MODEL, messages=HI)
        new.chat.completions.create(model=MODEL, messages=HI)

    assert [r.verdict for r in emu.requests] == ["UnrecognizedClientException", "ok"]


def test_streams_arrive_frame_by_frame(emu: BedrockEmulator) -> None:
    emu.fail("slow_stream")
    emu.stream_delay = 0.02
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "one two three"}], "stream": True}
    ).encode()
    url, headers = signed(emu, body)
    with http_lib.stream("POST", url, content=body, headers=headers) as response:
        assert response.headers["content-type"] == "text/event-stream"
        raw = list(response.iter_raw())

    frames = b"".join(raw).split(b"\n\n")[:-1]
    assert frames[-1] == b"data: [DONE]"
    assert len(raw) > 1  # each frame was written (and read) on its own
    text = "".join(json.loads(f[6:])["choices"][0]["delta"].get("content", "") for f in frames[:-1])
    assert text == "one two three"


def test_a_stream_ends_with_a_usage_chunk_when_asked(emu: BedrockEmulator) -> None:
    with client(emu) as c:
        chunks = list(
            c.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": "one two"}],
                stream=True,
                stream_options={"include_usage": True},
            )
        )

    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 2
    assert [c.choices[0].finish_reason for c in chunks[:-1]][-1] == "stop"


def test_a_reply_callable_can_answer_with_tool_calls(emu: BedrockEmulator) -> None:
    call = {
        "id": "chatcmpl-tool-1",
        "type": "function",
        "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
    }
    emu.reply = lambda body: {"content": None, "tool_calls": [call]}
    with client(emu) as c:
        completion = c.chat.completions.create(model=MODEL, messages=HI)
        chunks = list(c.chat.completions.create(model=MODEL, messages=HI, stream=True))

    message = completion.choices[0].message
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.name == "weather"
    assert completion.choices[0].finish_reason == "tool_calls"
    deltas = [c.choices[0].delta.tool_calls for c in chunks if c.choices[0].delta.tool_calls]
    assert deltas[0] is not None
    assert deltas[0][0].function is not None
    assert deltas[0][0].function.arguments == '{"city":"Paris"}'


def test_a_failing_reply_callable_gives_a_500(emu: BedrockEmulator) -> None:
    emu.reply = lambda body: 1 / 0  # type: ignore[return-value,operator]
    with client(emu) as c, pytest.raises(openai.InternalServerError):
        c.chat.completions.create(model=MODEL, messages=HI)

    assert "ZeroDivisionError" in emu.requests[-1].reason


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("throttle", openai.RateLimitError),
        ("internal", openai.InternalServerError),
        ("unavailable", openai.InternalServerError),
        ("drop", openai.APIConnectionError),
    ],
)
def test_queued_faults_hit_the_next_requests(
    emu: BedrockEmulator, kind: str, error: type[Exception]
) -> None:
    emu.fail(kind, times=2)
    with client(emu) as c:
        for _ in range(2):
            with pytest.raises(error):
                c.chat.completions.create(model=MODEL, messages=HI)
        c.chat.completions.create(model=MODEL, messages=HI)

    verdicts = [r.verdict for r in emu.requests]
    assert verdicts[-1] == "ok"
    assert len(verdicts) == 3
    assert len(set(verdicts[:2])) == 1
    assert verdicts[0] != "ok"


def test_an_unknown_fault_is_refused(emu: BedrockEmulator) -> None:
    with pytest.raises(ValueError, match="Unknown fault 'explode'"):
        emu.fail("explode")


def test_only_configured_models_are_served() -> None:
    with BedrockEmulator(models={MODEL}) as emu, client(emu) as c:
        c.chat.completions.create(model=MODEL, messages=HI)
        with pytest.raises(openai.BadRequestError) as caught:
            c.chat.completions.create(model="openai.gpt-oss-120b-1:0", messages=HI)

    # runtime's captured answer to an unknown model id (docs/wire.md, "Error shapes").
    assert "The provided model identifier is invalid" in caught.value.message


def test_mantle_lists_only_the_configured_models() -> None:
    only = {"openai.gpt-oss-20b"}
    with BedrockEmulator(endpoint="mantle", models=only) as emu, client(emu) as c:
        assert [m.id for m in c.models.list().data] == ["openai.gpt-oss-20b"]
        assert c.models.retrieve("openai.gpt-oss-20b").id == "openai.gpt-oss-20b"
        with pytest.raises(openai.NotFoundError):
            c.models.retrieve("openai.gpt-oss-120b")


def test_runtime_does_not_serve_models_as_bedrock_runtime_does_not(
    emu: BedrockEmulator,
) -> None:
    # AWS: bedrock-runtime does not implement the OpenAI-compatible GET /models.
    with client(emu) as c, pytest.raises(openai.NotFoundError) as listed:
        c.models.list()
    with client(emu) as c, pytest.raises(openai.NotFoundError):
        c.models.retrieve(MODEL)

    assert listed.value.code == "UnknownOperationException"
    assert "endpoint='mantle'" in listed.value.message  # the client's hint
    assert [r.verdict for r in emu.requests] == ["UnknownOperationException"] * 2


def test_mantle_serves_responses_under_v1_and_checks_bedrock_mantle() -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        assert emu.base_url.endswith("/v1")
        assert not emu.base_url.endswith("/openai/v1")
        with client(emu) as c:
            response = c.responses.create(model="openai.gpt-oss-120b", input="Say hello")
        body = chat_body()
        # bedrock is accepted on mantle too (test_mantle_accepts_both_signing_names).
        url, headers = signed(emu, body, service="bedrock-runtime")
        refused = http_lib.post(url, content=body, headers=headers)

    assert response.output_text == "Say hello"
    assert emu.requests[0].path == "/v1/responses"
    assert refused.status_code == 403
    assert "service 'bedrock-runtime', expected 'bedrock-mantle'" in emu.requests[-1].reason


def test_an_unknown_route_is_runtimes_200_envelope(emu: BedrockEmulator) -> None:
    url, headers = signed(emu, b"{}", path="/embeddings")
    response = http_lib.post(url, content=b"{}", headers=headers)

    # Captured: HTTP 200 and a Coral envelope (docs/wire.md, "Unserved paths").
    assert response.status_code == 200
    assert response.json() == {
        "Output": {"__type": "com.amazon.coral.service#UnknownOperationException"},
        "Version": "1.0",
    }
    assert emu.requests[-1].verdict == "UnknownOperationException"


def test_an_unknown_route_on_mantle_is_a_404() -> None:
    with BedrockEmulator(endpoint="mantle") as mantle:
        url, headers = signed(mantle, b"{}", path="/embeddings")
        response = http_lib.post(url, content=b"{}", headers=headers)

    assert response.status_code == 404
    assert mantle.requests[-1].verdict == "UnknownOperationException"


def test_connections_are_kept_alive(emu: BedrockEmulator) -> None:
    body = chat_body()
    connection = http.client.HTTPConnection("127.0.0.1", emu.port)
    try:
        sockets = []
        for _ in range(2):
            url, headers = signed(emu, body)
            connection.request("POST", http_lib.URL(url).raw_path.decode(), body, headers)
            response = connection.getresponse()
            assert response.status == 200
            response.read()
            sockets.append(connection.sock)
    finally:
        connection.close()

    assert sockets[0] is not None
    assert sockets[0] is sockets[1]


def test_closing_the_emulator_stops_the_server() -> None:
    with BedrockEmulator() as emu:
        url = emu.base_url
    with pytest.raises(http_lib.ConnectError):
        http_lib.get(url + "/models")


def test_reset_forgets_requests_and_faults(emu: BedrockEmulator) -> None:
    with client(emu) as c:
        c.chat.completions.create(model=MODEL, messages=HI)
        emu.fail("throttle")
        emu.reset()
        c.chat.completions.create(model=MODEL, messages=HI)

    assert [r.verdict for r in emu.requests] == ["ok"]


def test_no_secret_appears_in_any_repr() -> None:
    with BedrockEmulator(session_token=True) as emu:
        with client(emu) as c:
            c.chat.completions.create(model=MODEL, messages=HI)
        with client(emu, api_key=emu.api_key) as c:
            c.chat.completions.create(model=MODEL, messages=HI)
        shown = repr(emu) + repr(emu.requests) + "".join(repr(r.headers) for r in emu.requests)
        secrets = [emu.access_key_id, emu.secret_access_key, emu.session_token, emu.api_key]

    signatures = [r.headers["authorization"].rsplit("=", 1)[-1] for r in emu.requests]
    for secret in [*secrets, signatures[0]]:
        assert secret
        assert secret not in shown


def test_an_unknown_guardrail_is_a_validation_error(emu: BedrockEmulator) -> None:
    guardrail = openai_bedrock.Guardrail("grunknown", version=1)
    with client(emu) as c, pytest.raises(openai.BadRequestError) as caught:
        c.chat.completions.create(model=MODEL, messages=HI, **guardrail.options())

    assert caught.value.code == "ValidationException"


def test_a_guardrail_intervenes_on_tagged_input_with_a_trace(emu: BedrockEmulator) -> None:
    emu.add_guardrail("gr1a2b3c4d5e", version="1", blocks=lambda text: "lock" in text)
    guardrail = openai_bedrock.Guardrail("gr1a2b3c4d5e", version=1, trace=True, tag_suffix="k3")
    tagged = "<amazon-bedrock-guardrails-guardContent_k3>How do I pick a lock?"
    tagged += "</amazon-bedrock-guardrails-guardContent_k3>"
    with client(emu) as c:
        blocked = c.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": tagged}],
            **guardrail.options(),
        )
        untagged_lock = c.chat.completions.create(
            model=MODEL,
            messages=[
                {"role": "system", "content": "Talk about locks freely."},
                {
                    "role": "user",
                    "content": "<amazon-bedrock-guardrails-guardContent_k3>Hi"
                    "</amazon-bedrock-guardrails-guardContent_k3>",
                },
            ],
            **guardrail.options(),
        )
        chunks = list(
            c.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": tagged}],
                stream=True,
                **guardrail.options(),
            )
        )

    assert blocked.choices[0].message.content == "Sorry, the model cannot answer this question."
    extra = blocked.model_extra or {}
    assert extra["amazon-bedrock-guardrailAction"] == "INTERVENED"
    coverage = extra["amazon-bedrock-trace"]["guardrail"]["input"]["gr1a2b3c4d5e"]
    assert coverage["invocationMetrics"]["guardrailCoverage"]["textCharacters"]["guarded"] == 21
    assert (untagged_lock.model_extra or {})["amazon-bedrock-guardrailAction"] == "NONE"
    assert untagged_lock.choices[0].message.content == "Hi"
    assert all(
        (chunk.model_extra or {})["amazon-bedrock-guardrailAction"] == "INTERVENED"
        for chunk in chunks
    )
    assert "amazon-bedrock-trace" in (chunks[-1].model_extra or {})


def test_mantle_ignores_guardrail_headers() -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        url = emu.base_url + "/chat/completions"
        body = chat_body()
        url, headers = signed(
            emu,
            body,
            headers={
                "X-Amzn-Bedrock-GuardrailIdentifier": "grunknown",
                "X-Amzn-Bedrock-GuardrailVersion": "1",
            },
        )
        response = http_lib.post(url, content=body, headers=headers)

    assert response.status_code == 200
    assert "amazon-bedrock-guardrailAction" not in response.json()


def test_responses_stream_as_the_responses_api_does() -> None:
    with BedrockEmulator(endpoint="mantle") as emu, client(emu) as c:
        events = list(
            c.responses.create(model="openai.gpt-oss-120b", input="one two three", stream=True)
        )

    types = [event.type for event in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-1] == "response.completed"
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "one two three"
    assert events[-1].response.output_text == "one two three"
    assert [e.sequence_number for e in events] == list(range(len(events)))


ARN = "arn:aws:bedrock:us-west-2:123456789012:guardrail/gr1a2b3c4d5e"


@pytest.mark.parametrize(
    ("registered", "sent"),
    [(ARN, ARN), (ARN, "gr1a2b3c4d5e"), ("gr1a2b3c4d5e", ARN)],
    ids=["arn-arn", "arn-id", "id-arn"],
)
def test_a_guardrail_arn_and_its_bare_id_name_the_same_guardrail(
    emu: BedrockEmulator, registered: str, sent: str
) -> None:
    emu.add_guardrail(registered, version="1", blocks=lambda text: "lock" in text)
    guardrail = openai_bedrock.Guardrail(sent, version=1)
    with client(emu) as c:
        answer = c.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "pick a lock"}],
            **guardrail.options(),
        )
    assert (answer.model_extra or {})["amazon-bedrock-guardrailAction"] == "INTERVENED"


@pytest.mark.parametrize("service", ["bedrock-mantle", "bedrock"])
def test_mantle_accepts_both_signing_names(service: str) -> None:
    with BedrockEmulator(endpoint="mantle") as mantle:
        url, headers = signed(mantle, chat_body(), service=service)
        assert http_lib.post(url, content=chat_body(), headers=headers).is_success


def test_runtime_accepts_only_bedrock_as_signing_name(emu: BedrockEmulator) -> None:
    url, headers = signed(emu, chat_body(), service="bedrock-mantle")
    assert http_lib.post(url, content=chat_body(), headers=headers).status_code == 403
