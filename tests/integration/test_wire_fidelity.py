"""The client against the emulator's captured shapes (docs/wire.md): mantle's per-model
routing, runtime's HTTP-200 UnknownOperation envelope, error shapes and remedies.
Each test runs with the sync and the async client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock import _settings, _status_errors
from openai_bedrock._mantle_routes import ROUTES
from openai_bedrock.testing import BedrockEmulator
from support import Factory, http_lib, settle

HI: list[Any] = [{"role": "user", "content": "Hello there"}]
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "Hello there"},
        }
    ],
}
UNLISTED = "acme.frontier-1"  # a model family absent from the route table


def credentials(emu: BedrockEmulator) -> dict[str, Any]:
    return {
        "region": emu.region,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "max_retries": 0,
    }


@pytest.fixture
def mantle() -> Iterator[BedrockEmulator]:
    with BedrockEmulator(endpoint="mantle", routes={UNLISTED: "/openai/v1"}) as emulator:
        yield emulator


@pytest.fixture
def runtime() -> Iterator[BedrockEmulator]:
    with BedrockEmulator(models=["openai.gpt-oss-20b-1:0"]) as emulator:
        yield emulator


def routed(factory: Factory, emu: BedrockEmulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A mantle client built without base_url, whose default URL is the emulator's."""
    monkeypatch.setattr(_settings, "default_base_url", lambda *a, **k: emu.base_url)
    client = factory(endpoint="mantle", **credentials(emu))
    transport = client._client._transport
    assert transport.settings.routes_mantle
    return client


async def consume(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [chunk async for chunk in stream]
    return list(stream)


def paths(emu: BedrockEmulator) -> list[str]:
    return [request.path for request in emu.requests]


# --- 1. mantle routes per model ------------------------------------------------------


def test_the_route_table_names_a_source_for_every_row() -> None:
    for prefix, base, source in ROUTES:
        assert base in ("/v1", "/openai/v1"), prefix
        assert source.startswith("https://"), prefix


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("openai.gpt-5.6-sol", "/openai/v1/chat/completions"),
        ("xai.grok-4.3", "/openai/v1/chat/completions"),
        ("google.gemma-4-27b", "/openai/v1/chat/completions"),
        ("openai.gpt-oss-120b", "/v1/chat/completions"),
        ("qwen.qwen3-32b", "/v1/chat/completions"),
        ("google.gemma-3-27b", "/v1/chat/completions"),
    ],
)
async def test_each_model_goes_to_its_base(
    factory: Factory,
    mantle: BedrockEmulator,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    path: str,
) -> None:
    client = routed(factory, mantle, monkeypatch)
    completion = await settle(client.chat.completions.create(model=model, messages=HI))

    assert completion.choices[0].message.content == "Hello there"
    assert paths(mantle) == [path]
    assert mantle.requests[-1].verdict == "ok"


async def test_streaming_is_routed(
    factory: Factory, mantle: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = routed(factory, mantle, monkeypatch)
    stream = await settle(
        client.chat.completions.create(model="xai.grok-4.3", messages=HI, stream=True)
    )
    chunks = await consume(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there"
    assert paths(mantle) == ["/openai/v1/chat/completions"]


@pytest.mark.parametrize("status", [400, 401])
async def test_an_unlisted_model_is_retried_once_then_remembered(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    with BedrockEmulator(
        endpoint="mantle", routes={UNLISTED: "/openai/v1"}, wrong_base_status=status
    ) as mantle:
        client = routed(factory, mantle, monkeypatch)
        first = await settle(client.chat.completions.create(model=UNLISTED, messages=HI))
        second = await settle(client.chat.completions.create(model=UNLISTED, messages=HI))

    assert first.choices[0].message.content == second.choices[0].message.content
    assert paths(mantle) == [
        "/v1/chat/completions",  # a guess: refused as the wrong base
        "/openai/v1/chat/completions",  # tried once on the other, re-signed
        "/openai/v1/chat/completions",  # remembered: no extra round trip
    ]
    assert [r.status for r in mantle.requests] == [status, 200, 200]
    assert all(r.auth == "sigv4" for r in mantle.requests)


async def test_a_model_on_neither_base_is_tried_once_and_says_so(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BedrockEmulator(endpoint="mantle", routes={UNLISTED: "/elsewhere"}) as mantle:
        client = routed(factory, mantle, monkeypatch)
        with pytest.raises(openai.BadRequestError) as caught:
            await settle(client.chat.completions.create(model=UNLISTED, messages=HI))

    assert paths(mantle) == ["/v1/chat/completions", "/openai/v1/chat/completions"]
    assert "isn't supported on this route" in caught.value.message
    assert "tried both bases" in caught.value.message


async def test_a_listed_model_refused_on_its_base_says_which_base_was_used(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BedrockEmulator(endpoint="mantle", routes={"xai.grok-4.3": "/v1"}) as mantle:
        client = routed(factory, mantle, monkeypatch)
        with pytest.raises(openai.BadRequestError) as caught:
            await settle(client.chat.completions.create(model="xai.grok-4.3", messages=HI))

    assert paths(mantle) == ["/openai/v1/chat/completions"]  # listed: no second try
    assert "sent it to /openai/v1, the base known for this model" in caught.value.message


async def test_stored_responses_are_found_where_they_were_made(
    factory: Factory, mantle: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = routed(factory, mantle, monkeypatch)
    made = await settle(client.responses.create(model="openai.gpt-5.6-sol", input="Say hi"))
    found = await settle(client.responses.retrieve(made.id))
    await settle(client.responses.delete(made.id))
    models = await settle(client.models.list())

    assert found.id == made.id
    assert paths(mantle) == [
        "/openai/v1/responses",
        f"/openai/v1/responses/{made.id}",
        f"/openai/v1/responses/{made.id}",
        "/v1/models",  # the control plane lives under /v1 only
    ]
    assert models.data


async def test_a_streamed_stored_response_is_found_too(
    factory: Factory, mantle: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = routed(factory, mantle, monkeypatch)
    stream = await settle(
        client.responses.create(model="xai.grok-4.3", input="Say hi", stream=True)
    )
    events = await consume(stream)
    response_id = events[0].response.id
    found = await settle(client.responses.retrieve(response_id))

    assert found.id == response_id
    assert paths(mantle)[-1] == f"/openai/v1/responses/{response_id}"


async def test_a_response_made_by_another_client_is_looked_up_on_both_bases(
    factory: Factory, mantle: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    maker = routed(factory, mantle, monkeypatch)
    made = await settle(maker.responses.create(model="openai.gpt-5.6-sol", input="Say hi"))
    other = routed(factory, mantle, monkeypatch)
    found = await settle(other.responses.retrieve(made.id))

    assert found.id == made.id
    assert paths(mantle)[-2:] == [f"/v1/responses/{made.id}", f"/openai/v1/responses/{made.id}"]


async def test_an_explicit_base_url_is_never_rewritten(
    factory: Factory, mantle: BedrockEmulator
) -> None:
    client = factory(endpoint="mantle", base_url=mantle.base_url, **credentials(mantle))
    with pytest.raises(openai.BadRequestError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-5.6-sol", messages=HI))

    assert paths(mantle) == ["/v1/chat/completions"]
    assert caught.value.code == "validation_error"
    assert "serves this model under /openai/v1, not /v1" in caught.value.message
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_")


async def test_a_client_wide_guardrail_is_routed_too(
    factory: Factory, mantle: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_settings, "default_base_url", lambda *a, **k: mantle.base_url)
    client = factory(
        endpoint="mantle",
        guardrail=openai_bedrock.Guardrail("gr1", version=1),
        allow_unenforced_guardrail=True,
        **credentials(mantle),
    )
    await settle(client.chat.completions.create(model="xai.grok-4.3", messages=HI))

    assert paths(mantle) == ["/openai/v1/chat/completions"]
    assert mantle.requests[-1].header("x-amzn-bedrock-guardrailidentifier") == "gr1"


# --- 2. no error is returned as data -------------------------------------------------


async def test_the_200_unknown_operation_envelope_raises(
    factory: Factory, runtime: BedrockEmulator
) -> None:
    wrong = runtime.base_url.replace("/openai/v1", "/v1")
    client = factory(endpoint="runtime", base_url=wrong, **credentials(runtime))
    with pytest.raises(openai_bedrock.BedrockError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI))

    error = caught.value
    assert isinstance(error, openai.APIStatusError)
    assert isinstance(error, openai_bedrock.UnknownOperationError)
    assert error.code == "UnknownOperationException"
    assert error.request_id == runtime.requests[-1].request_id
    assert "POST /v1/chat/completions" in error.message
    assert "/openai/v1/chat/completions" in error.message
    assert runtime.requests[-1].status == 200
    assert len(runtime.requests) == 1  # never retried


@pytest.mark.parametrize(
    "derive",
    [
        pytest.param(lambda c: c.with_options(timeout=30), id="with_options"),
        pytest.param(lambda c: c.copy(max_retries=0), id="copy"),
    ],
)
async def test_a_copied_client_still_raises_unknown_operation_error(
    factory: Factory, runtime: BedrockEmulator, derive: Any
) -> None:
    """``with_options`` / ``copy`` keep the package's error for the 200 envelope."""
    wrong = runtime.base_url.replace("/openai/v1", "/v1")
    client = derive(factory(endpoint="runtime", base_url=wrong, **credentials(runtime)))
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI))

    error = caught.value
    assert isinstance(error, openai_bedrock.UnknownOperationError)
    assert error.code == "UnknownOperationException"
    assert error.status_code == 404
    assert error.request_id == runtime.requests[-1].request_id
    assert "POST /v1/chat/completions" in error.message
    assert len(runtime.requests) == 1  # never retried


@pytest.mark.parametrize(
    ("version", "propagates"),
    [("1.66.0", False), ("1.109.1", False), ("2.30.0", False), ("2.31.0", True), ("3.0.0", True)],
)
def test_the_error_is_raised_in_the_transport_from_openai_2_31(
    version: str, propagates: bool
) -> None:
    # openai 2.31.0 re-raises an OpenAIError from the transport as it is; older
    # versions wrap it in APIConnectionError.
    assert _status_errors.propagates_errors(version) is propagates


async def test_on_older_openai_the_response_raises_the_error_when_checked(
    factory: Factory, runtime: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path for openai < 2.31 (the SDK checks each response with the public
    ``raise_for_status``), taken on every openai here, copies included."""
    monkeypatch.setattr(_status_errors, "SDK_PROPAGATES_ERRORS", False)
    wrong = runtime.base_url.replace("/openai/v1", "/v1")
    client = factory(endpoint="runtime", base_url=wrong, **credentials(runtime))
    for each in (client, client.with_options(max_retries=2)):
        with pytest.raises(openai_bedrock.UnknownOperationError) as caught:
            await settle(each.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI))
        assert caught.value.code == "UnknownOperationException"
        assert caught.value.request_id == runtime.requests[-1].request_id
    assert len(runtime.requests) == 2  # never retried


def test_an_openai_client_a_library_builds_on_create_http_client_raises_it_too(
    runtime: BedrockEmulator,
) -> None:
    settings = {k: v for k, v in credentials(runtime).items() if k != "max_retries"}
    wrong = runtime.base_url.replace("/openai/v1", "/v1")
    http_client = openai_bedrock.create_http_client(base_url=wrong, **settings)
    client = openai.OpenAI(
        base_url=str(http_client.base_url), api_key="unused", http_client=http_client
    )
    with pytest.raises(openai_bedrock.UnknownOperationError) as caught:
        client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI)

    assert caught.value.request_id == runtime.requests[-1].request_id
    assert len(runtime.requests) == 1  # never retried


async def test_the_envelope_error_holds_no_signature_or_session_token(factory: Factory) -> None:
    # The error is raised inside the transport on openai >= 2.31: the request it carries
    # must be the SDK's, not the signed one that was sent.
    with BedrockEmulator(models=["openai.gpt-oss-20b-1:0"], session_token=True) as emu:
        wrong = emu.base_url.replace("/openai/v1", "/v1")
        client = factory(
            endpoint="runtime",
            base_url=wrong,
            **credentials(emu),
            session_token=emu.session_token,
        )
        with pytest.raises(openai_bedrock.UnknownOperationError) as caught:
            await settle(
                client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI)
            )

    error = caught.value
    assert emu.requests[-1].auth == "sigv4"
    for request in (error.request, error.response.request):
        shown = repr(request.headers.raw) + repr(request.headers)
        assert str(emu.session_token) not in shown
        assert "Signature=" not in shown
        assert emu.secret_access_key not in shown


async def test_listing_models_on_runtime_says_where_to_list_them(
    factory: Factory, runtime: BedrockEmulator
) -> None:
    client = factory(endpoint="runtime", base_url=runtime.base_url, **credentials(runtime))
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(client.models.list())

    assert caught.value.code == "UnknownOperationException"
    assert isinstance(caught.value, openai_bedrock.BedrockError)
    assert "GET /openai/v1/models" in caught.value.message
    assert "/v1/models" in caught.value.message
    assert "ListFoundationModels" in caught.value.message


async def test_streamed_successes_are_untouched(factory: Factory, runtime: BedrockEmulator) -> None:
    client = factory(endpoint="runtime", base_url=runtime.base_url, **credentials(runtime))
    stream = await settle(
        client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI, stream=True)
    )
    chunks = await consume(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there"


async def test_a_short_success_checked_for_the_envelope_keeps_its_timing(
    factory: Factory,
) -> None:
    # A short success is read to rule out the envelope; the SDK's `elapsed` (set when
    # the HTTP client reads the body) must still work, as on a plain client.
    body = json.dumps(COMPLETION).encode()
    assert len(body) < 256  # one the transport checks
    client = factory(
        region="us-west-2",
        api_key="bedrock-api-key-test",
        max_retries=0,
        # A body still to read, as a network transport answers (one built with
        # content= is read at once, and then no client records `elapsed`).
        transport=http_lib.MockTransport(
            lambda request: http_lib.Response(
                200,
                headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
                stream=http_lib.ByteStream(body),
            )
        ),
    )
    raw = await settle(client.chat.completions.with_raw_response.create(model="m", messages=HI))

    assert raw.elapsed.total_seconds() >= 0
    assert raw.parse().choices[0].message.content == "Hello there"


@pytest.mark.parametrize("envelope", [True, False], ids=["the envelope", "a success"])
async def test_a_compressed_short_body_is_checked_decoded(factory: Factory, envelope: bool) -> None:
    import gzip

    body = (
        b'{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},'
        b'"Version":"1.0"}'
        if envelope
        else json.dumps(COMPLETION).encode()
    )
    reply = http_lib.Response(
        200,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        content=gzip.compress(body),
    )
    client = factory(
        region="us-west-2",
        api_key="bedrock-api-key-test",
        max_retries=0,
        transport=http_lib.MockTransport(lambda request: reply),
    )

    def call() -> Any:
        return client.chat.completions.with_raw_response.create(model="m", messages=HI)

    if envelope:
        with pytest.raises(openai_bedrock.UnknownOperationError):
            await settle(call())
        return
    raw = await settle(call())
    assert raw.parse().choices[0].message.content == "Hello there"
    assert raw.elapsed.total_seconds() >= 0


def test_the_transport_leaves_long_and_streamed_bodies_unread() -> None:
    from openai_bedrock._responses import CHECK, ERROR, PASS, STREAM, triage

    def response(status: int = 200, **headers: str) -> http_lib.Response:
        return http_lib.Response(status, headers=headers, stream=http_lib.ByteStream(b""))

    assert triage(response(**{"Content-Length": "88"})) == CHECK
    assert triage(response(**{"Content-Length": "255"})) == CHECK
    assert triage(response(**{"content-length": "256"})) == PASS  # a typical completion
    assert triage(response(**{"content-length": "1200"})) == PASS
    assert triage(response()) == PASS  # no declared length: a stream
    # An event stream is passed through as it comes, watched for error frames.
    streamed = {"content-length": "88", "Content-Type": "text/event-stream"}
    assert triage(response(**streamed)) == STREAM
    assert triage(response(404, **{"content-length": "88"})) == ERROR


def test_every_response_exposes_bedrocks_request_id_as_the_sdks() -> None:
    from openai_bedrock._responses import triage

    def response(**headers: str) -> http_lib.Response:
        return http_lib.Response(200, headers=headers, stream=http_lib.ByteStream(b""))

    copied = response(**{"x-amzn-RequestId": "abc-123"})
    triage(copied)
    assert copied.headers["x-request-id"] == "abc-123"
    own = response(**{"x-amzn-RequestId": "abc-123", "X-Request-Id": "mine"})
    triage(own)
    assert own.headers.get_list("x-request-id") == ["mine"]


# --- 3. errors in every shape, with remedies ------------------------------------------


async def test_an_unknown_model_on_runtime(factory: Factory, runtime: BedrockEmulator) -> None:
    client = factory(endpoint="runtime", base_url=runtime.base_url, **credentials(runtime))
    with pytest.raises(openai.BadRequestError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-oss-120b", messages=HI))

    error = caught.value
    assert error.code == "validation_error"
    assert error.type == "invalid_request_error"
    assert "The provided model identifier is invalid" in error.message
    assert "'openai.gpt-oss-120b'" in error.message
    assert "bedrock-runtime" in error.message
    assert runtime.region in error.message
    assert "openai.gpt-oss-120b-1:0 on runtime" in error.message
    assert error.request_id == runtime.requests[-1].request_id


async def test_an_unknown_model_on_mantle(factory: Factory) -> None:
    with BedrockEmulator(endpoint="mantle", models=["openai.gpt-oss-120b"]) as mantle:
        client = factory(endpoint="mantle", base_url=mantle.base_url, **credentials(mantle))
        with pytest.raises(openai.NotFoundError) as caught:
            await settle(
                client.chat.completions.create(model="openai.gpt-oss-120b-1:0", messages=HI)
            )

    error = caught.value
    assert error.code == "model_not_found"
    assert "'openai.gpt-oss-120b-1:0'" in error.message
    assert "bedrock-mantle" in error.message
    assert error.request_id == mantle.requests[-1].request_id
    assert error.request_id is not None
    assert error.request_id.startswith("req_")


async def test_background_on_runtime(factory: Factory, runtime: BedrockEmulator) -> None:
    client = factory(endpoint="runtime", base_url=runtime.base_url, **credentials(runtime))
    with pytest.raises(openai.BadRequestError) as caught:
        await settle(
            # extra_body: openai 1.66 (the oldest supported) has no background argument.
            client.responses.create(
                model="openai.gpt-oss-20b-1:0", input="Hi", extra_body={"background": True}
            )
        )

    assert "The background parameter is not supported." in caught.value.message
    assert "endpoint='mantle'" in caught.value.message


async def test_aws_style_throttling_keeps_its_type_and_gets_advice(
    factory: Factory, runtime: BedrockEmulator
) -> None:
    client = factory(endpoint="runtime", base_url=runtime.base_url, **credentials(runtime))
    runtime.fail("throttle")
    with pytest.raises(openai.RateLimitError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI))

    assert caught.value.code == "ThrottlingException"
    assert caught.value.type == "ThrottlingException"
    assert "Too many tokens" in caught.value.message
    assert "Service Quotas" in caught.value.message
    assert caught.value.request_id == runtime.requests[-1].request_id


async def test_a_mismatched_signature_gets_advice(
    factory: Factory, runtime: BedrockEmulator
) -> None:
    keys = {**credentials(runtime), "secret_access_key": "not-the-secret"}
    client = factory(endpoint="runtime", base_url=runtime.base_url, **keys)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await settle(client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=HI))

    assert caught.value.code == "InvalidSignatureException"
    assert "secret key belongs to the access key" in caught.value.message


# --- 5. the emulator answers with the captured shapes ---------------------------------


def test_error_headers_per_endpoint(runtime: BedrockEmulator) -> None:
    rejected = http_lib.post(runtime.base_url + "/chat/completions", content=b"{}")
    assert "x-amzn-requestid" in rejected.headers
    assert "x-request-id" not in rejected.headers
    with BedrockEmulator(endpoint="mantle") as mantle:
        rejected = http_lib.post(mantle.base_url + "/chat/completions", content=b"{}")
    assert rejected.headers["x-request-id"] == rejected.headers["x-amzn-requestid"]
    assert rejected.headers["x-request-id"].startswith("req_")
