"""What users do with an SDK client keeps working, and keeps authenticating."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pydantic
import pytest

import openai_bedrock
from support import (
    API_KEY,
    MANTLE_URL,
    MODEL,
    RUNTIME_URL,
    Factory,
    FakeBedrock,
    chat_completion,
    http_lib,
    raised,
    settle,
    static_keys,
)

HELLO = [{"role": "user", "content": "Hello!"}]
SIGV4 = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"


def _scope(request: http_lib.Request) -> str:
    return request.headers["Authorization"].split("Credential=")[1].split(",")[0]


# -- the client is the SDK's, and everything that builds a new one keeps auth ----------


def test_the_factories_return_plain_sdk_clients() -> None:
    sync = openai_bedrock.create_client(**static_keys())
    asynchronous = openai_bedrock.create_async_client(**static_keys())
    assert type(sync) is openai.OpenAI
    assert type(asynchronous) is openai.AsyncOpenAI
    assert str(sync.base_url).rstrip("/") == RUNTIME_URL


def test_with_options_and_copy_keep_signing(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    for derived in (
        client.with_options(timeout=5, max_retries=0),
        client.copy(default_headers={"X-Team": "search"}),
    ):
        derived.chat.completions.create(model=MODEL, messages=HELLO)
        assert bedrock.last.headers["Authorization"].startswith(SIGV4)
    assert bedrock.last.headers["X-Team"] == "search"
    # A header users add is signed, so nobody on the way can change it.
    assert "x-team" in bedrock.last.headers["Authorization"]


async def test_with_options_and_copy_keep_signing_async(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock)
    for derived in (client.with_options(timeout=5), client.copy()):
        await derived.chat.completions.create(model=MODEL, messages=HELLO)
        assert bedrock.last.headers["Authorization"].startswith(SIGV4)


def test_with_raw_response_exposes_headers_and_parses(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=HELLO)
    assert raw.headers["x-request-id"] == "req-default"
    assert raw.parse().choices[0].message.content == "Hello! How can I help you today?"
    assert bedrock.last.headers["Authorization"].startswith(SIGV4)


async def test_with_raw_response_exposes_headers_and_parses_async(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock)
    raw = await client.chat.completions.with_raw_response.create(model=MODEL, messages=HELLO)
    assert raw.headers["x-request-id"] == "req-default"
    assert raw.parse().choices[0].message.content == "Hello! How can I help you today?"


def test_with_streaming_response_reads_the_body(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    with client.chat.completions.with_streaming_response.create(
        model=MODEL, messages=HELLO
    ) as response:
        body = json.loads(b"".join(response.iter_bytes()))
    assert body["choices"][0]["message"]["content"].startswith("Hello!")


async def test_with_streaming_response_reads_the_body_async(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock)
    async with client.chat.completions.with_streaming_response.create(
        model=MODEL, messages=HELLO
    ) as response:
        body = json.loads(b"".join([chunk async for chunk in response.iter_bytes()]))
    assert body["choices"][0]["message"]["content"].startswith("Hello!")


class Answer(pydantic.BaseModel):
    city: str


def _parse_method(client: Any) -> Any:
    # `.parse()` moved from beta to chat.completions in openai 1.92; support both.
    completions = client.chat.completions
    return (
        completions.parse if hasattr(completions, "parse") else client.beta.chat.completions.parse
    )


def test_parse_helpers_work(bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(200, json=chat_completion('{"city": "Paris"}')))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    completion = _parse_method(client)(model=MODEL, messages=HELLO, response_format=Answer)
    assert completion.choices[0].message.parsed == Answer(city="Paris")
    assert json.loads(bedrock.last.content)["response_format"]["type"] == "json_schema"


async def test_parse_helpers_work_async(bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(200, json=chat_completion('{"city": "Paris"}')))
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock)
    completion = await _parse_method(client)(model=MODEL, messages=HELLO, response_format=Answer)
    assert completion.choices[0].message.parsed == Answer(city="Paris")


def _response_object(text: str) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1795521601,
        "model": MODEL,
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }


@pytest.mark.parametrize(
    ("endpoint", "path", "scope"),
    [
        ("runtime", "/openai/v1/responses", "us-west-2/bedrock/"),
        ("mantle", "/v1/responses", "us-west-2/bedrock-mantle/"),
    ],
)
def test_the_responses_api_works_on_both_endpoints(
    bedrock: FakeBedrock, endpoint: str, path: str, scope: str
) -> None:
    bedrock.queue(http_lib.Response(200, json=_response_object("Hi there")))
    client = openai_bedrock.create_client(**static_keys(endpoint=endpoint), transport=bedrock)
    response = client.responses.create(model=MODEL, input="Hello!")
    assert response.output_text == "Hi there"
    assert bedrock.last.url.path == path
    assert scope in _scope(bedrock.last)


@pytest.mark.parametrize(
    ("endpoint", "path", "scope"),
    [
        ("runtime", "/openai/v1/responses", "us-west-2/bedrock/"),
        ("mantle", "/v1/responses", "us-west-2/bedrock-mantle/"),
    ],
)
async def test_the_responses_api_works_on_both_endpoints_async(
    bedrock: FakeBedrock, endpoint: str, path: str, scope: str
) -> None:
    bedrock.queue(http_lib.Response(200, json=_response_object("Hi there")))
    client = openai_bedrock.create_async_client(**static_keys(endpoint=endpoint), transport=bedrock)
    response = await client.responses.create(model=MODEL, input="Hello!")
    assert response.output_text == "Hi there"
    assert bedrock.last.url.path == path
    assert scope in _scope(bedrock.last)


MODELS = {
    "object": "list",
    "data": [{"id": "openai.gpt-oss-120b", "object": "model", "created": 0, "owned_by": "aws"}],
}


def test_models_list_works_on_mantle(bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(200, json=MODELS))
    client = openai_bedrock.create_client(**static_keys(endpoint="mantle"), transport=bedrock)
    assert [m.id for m in client.models.list()] == ["openai.gpt-oss-120b"]
    assert str(bedrock.last.url) == f"{MANTLE_URL}/models"
    assert "/bedrock-mantle/" in _scope(bedrock.last)


async def test_models_list_works_on_mantle_async(bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(200, json=MODELS))
    client = openai_bedrock.create_async_client(**static_keys(endpoint="mantle"), transport=bedrock)
    assert [m.id async for m in client.models.list()] == ["openai.gpt-oss-120b"]


def _not_implemented() -> http_lib.Response:
    return http_lib.Response(
        404,
        json={"message": "Unknown operation"},
        headers={"x-amzn-ErrorType": "UnknownOperationException:http://internal.amazon.com/"},
    )


def test_models_list_on_runtime_says_to_use_mantle(bedrock: FakeBedrock) -> None:
    bedrock.queue(_not_implemented())
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.list()
    assert "endpoint='mantle'" in caught.value.message
    assert caught.value.code == "UnknownOperationException"


async def test_models_list_on_runtime_says_to_use_mantle_async(bedrock: FakeBedrock) -> None:
    bedrock.queue(_not_implemented())
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        await client.models.list()
    assert "list_foundation_models" in caught.value.message


# -- streaming passes through unbuffered ---------------------------------------------


def _chunk(content: str) -> bytes:
    event = {
        "id": "chatcmpl-3a1b",
        "object": "chat.completion.chunk",
        "created": 1795521601,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


WORDS = ["One, ", "two, ", "three."]


def _sse_headers() -> dict[str, str]:
    return {"content-type": "text/event-stream", "x-amzn-RequestId": "req-stream"}


def test_a_stream_reaches_the_user_chunk_by_chunk(bedrock: FakeBedrock) -> None:
    log: list[str] = []

    def produce() -> Iterator[bytes]:
        for i, word in enumerate(WORDS):
            log.append(f"sent {i}")
            yield _chunk(word)
        yield b"data: [DONE]\n\n"

    bedrock.queue(http_lib.Response(200, headers=_sse_headers(), content=produce()))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    stream = client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    got = []
    for i, chunk in enumerate(stream):
        log.append(f"got {i}")
        got.append(chunk.choices[0].delta.content)
    assert "".join(got) == "One, two, three."
    # Nothing was buffered: the user saw chunk 0 before the server sent chunk 2.
    assert log.index("got 0") < log.index("sent 2")
    assert stream.response.headers["x-request-id"] == "req-stream"


async def test_a_stream_reaches_the_user_chunk_by_chunk_async(bedrock: FakeBedrock) -> None:
    log: list[str] = []

    async def produce() -> AsyncIterator[bytes]:
        for i, word in enumerate(WORDS):
            log.append(f"sent {i}")
            yield _chunk(word)
        yield b"data: [DONE]\n\n"

    bedrock.queue(http_lib.Response(200, headers=_sse_headers(), content=produce()))
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock)
    stream = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    got = []
    i = 0
    async for chunk in stream:
        log.append(f"got {i}")
        got.append(chunk.choices[0].delta.content)
        i += 1
    assert "".join(got) == "One, two, three."
    assert log.index("got 0") < log.index("sent 2")


# -- responses as SDK users expect ---------------------------------------------------


def _aws_error(status: int, error_type: str, body: dict[str, Any]) -> http_lib.Response:
    return http_lib.Response(
        status,
        json=body,
        headers={
            "x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-RequestId": f"req-{status}",
        },
    )


ERRORS = [
    (
        429,
        "ThrottlingException",
        {"message": "Too many tokens, please wait before trying again."},
        openai.RateLimitError,
    ),
    (400, "ValidationException", {"message": "Malformed input request."}, openai.BadRequestError),
    (
        403,
        "AccessDeniedException",
        {"Message": "You don't have access to the model with the specified model ID."},
        openai.PermissionDeniedError,
    ),
    (404, "ResourceNotFoundException", {"message": "Model not found."}, openai.NotFoundError),
    (
        424,
        "ModelErrorException",
        {"message": "The model failed.", "originalStatusCode": 500, "resourceName": "m"},
        openai.APIStatusError,
    ),
    (500, "InternalServerException", {"message": "Internal error."}, openai.InternalServerError),
    (
        503,
        "ServiceUnavailableException",
        {"message": "Try again later."},
        openai.InternalServerError,
    ),
]


@pytest.mark.parametrize(
    ("status", "error_type", "body", "error_class"), ERRORS, ids=[e[1] for e in ERRORS]
)
async def test_aws_errors_become_the_sdks_exceptions(
    factory: Factory,
    bedrock: FakeBedrock,
    status: int,
    error_type: str,
    body: dict[str, Any],
    error_class: type[openai.APIStatusError],
) -> None:
    bedrock.queue(_aws_error(status, error_type, body))
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(error_class) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    error = caught.value
    assert error.status_code == status
    assert error.code == error_type
    assert (body.get("message") or body["Message"]) in error.message
    assert error.request_id == f"req-{status}"
    if "originalStatusCode" in body:
        assert isinstance(error.body, dict)
        assert error.body["originalStatusCode"] == 500


async def test_openai_style_error_bodies_pass_unchanged(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    body = {
        "error": {
            "code": "validation_error",
            # Captured on mantle (docs/wire.md, "Error shapes"); no remedy applies.
            "message": "Failed to deserialize the JSON body into the target type",
            "param": None,
            "type": "invalid_request_error",
        }
    }
    bedrock.queue(http_lib.Response(400, json=body, headers={"x-request-id": "req-mantle"}))
    client = factory(**static_keys(endpoint="mantle"), transport=bedrock)
    with pytest.raises(openai.BadRequestError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert caught.value.body == body["error"]
    assert caught.value.code == "validation_error"
    assert caught.value.request_id == "req-mantle"


async def test_a_non_json_aws_error_keeps_its_text(factory: Factory, bedrock: FakeBedrock) -> None:
    bedrock.queue(
        http_lib.Response(
            503,
            text="Service Unavailable",
            headers={"x-amzn-ErrorType": "ServiceUnavailableException:http://internal.amazon.com/"},
        )
    )
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.InternalServerError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert caught.value.code == "ServiceUnavailableException"
    assert "Service Unavailable" in caught.value.message


async def test_the_aws_request_id_is_the_request_id(factory: Factory, bedrock: FakeBedrock) -> None:
    bedrock.queue(
        http_lib.Response(200, json=chat_completion(), headers={"x-amzn-RequestId": "aws-1"})
    )
    client = factory(**static_keys(), transport=bedrock)
    completion = await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert completion._request_id == "aws-1"


async def test_an_existing_x_request_id_wins(factory: Factory, bedrock: FakeBedrock) -> None:
    bedrock.queue(
        http_lib.Response(
            200,
            json=chat_completion(),
            headers={"x-amzn-RequestId": "aws-1", "x-request-id": "oai-1"},
        )
    )
    client = factory(**static_keys(), transport=bedrock)
    completion = await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert completion._request_id == "oai-1"


def test_the_default_timeout_allows_hour_long_calls(factory: Factory) -> None:
    client = factory(**static_keys())
    assert client.timeout == openai_bedrock.DEFAULT_TIMEOUT
    assert isinstance(client.timeout, openai.Timeout)  # the SDK's own type, as for a plain client
    assert client.timeout.read == 3600.0
    assert factory(**static_keys(), timeout=30).timeout == 30


@pytest.mark.parametrize("timeout_type", [openai.Timeout, http_lib.Timeout])
async def test_either_timeout_type_is_accepted_and_sent(
    factory: Factory, bedrock: FakeBedrock, timeout_type: Any
) -> None:
    """openai.Timeout is httpx2's in openai 3.x: both it and httpx's work."""
    client = factory(**static_keys(), transport=bedrock, timeout=timeout_type(7.0, connect=2.0))
    assert client.timeout == openai.Timeout(7.0, connect=2.0)
    await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.extensions["timeout"] == {
        "connect": 2.0,
        "read": 7.0,
        "write": 7.0,
        "pool": 7.0,
    }


async def test_the_timeout_reaches_the_wire(factory: Factory, bedrock: FakeBedrock) -> None:
    client = factory(**static_keys(), transport=bedrock)
    await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.extensions["timeout"]["read"] == 3600.0


# -- safety: origin pinning, redirects, bearer keys ----------------------------------


async def test_a_request_to_another_origin_is_refused_unsigned(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.OpenAIError) as caught:
        await settle(client.get("https://attacker.example/steal", cast_to=http_lib.Response))
    cause = raised(caught.value, openai_bedrock.ForeignOriginError)
    assert "attacker.example" in str(cause)
    assert "create_client(base_url=" in str(cause)
    assert bedrock.requests == []


@pytest.mark.parametrize(
    "base_url",
    [
        "https://attacker.example/openai/v1",
        "http://bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
        "https://bedrock-runtime.us-west-2.amazonaws.com:8443/openai/v1",
    ],
    ids=["another host", "plain http", "another port"],
)
async def test_with_options_to_another_origin_is_refused(
    factory: Factory, bedrock: FakeBedrock, base_url: str
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.OpenAIError) as caught:
        await settle(
            client.with_options(base_url=base_url).chat.completions.create(
                model=MODEL, messages=HELLO
            )
        )
    raised(caught.value, openai_bedrock.ForeignOriginError)
    assert bedrock.requests == []


async def test_with_options_to_another_path_on_the_same_origin_is_allowed(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(**static_keys(), transport=bedrock)
    other = client.with_options(base_url="https://bedrock-runtime.us-west-2.amazonaws.com/v1")
    await settle(other.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.url.path == "/v1/chat/completions"
    assert bedrock.last.headers["Authorization"].startswith(SIGV4)


async def test_redirects_are_not_followed(factory: Factory, bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(307, headers={"Location": f"{RUNTIME_URL}/elsewhere"}))
    client = factory(api_key=API_KEY, region="us-west-2", transport=bedrock, max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert caught.value.status_code == 307
    assert len(bedrock.requests) == 1


async def test_a_redirect_forced_to_another_origin_is_refused(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    bedrock.queue(http_lib.Response(307, headers={"Location": "https://attacker.example/x"}))
    client = factory(api_key=API_KEY, region="us-west-2", transport=bedrock)
    # Drive httpx's redirect logic directly, as a caller forcing follow_redirects would.
    with pytest.raises(openai_bedrock.ForeignOriginError):
        await settle(
            client._client.post(f"{RUNTIME_URL}/chat/completions", json={}, follow_redirects=True)
        )
    assert [r.url.host for r in bedrock.requests] == ["bedrock-runtime.us-west-2.amazonaws.com"]


async def test_an_api_key_is_sent_as_a_bearer_token(factory: Factory, bedrock: FakeBedrock) -> None:
    client = factory(api_key=API_KEY, region="us-west-2", transport=bedrock)
    await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "X-Amz-Date" not in bedrock.last.headers


async def test_a_caller_authorization_header_is_replaced(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(
        api_key=API_KEY,
        region="us-west-2",
        transport=bedrock,
        default_headers={"Authorization": "Bearer sk-openai-key"},
    )
    await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.headers.get_list("Authorization") == [f"Bearer {API_KEY}"]


async def test_a_failing_credential_refresh_says_what_to_do(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    class ExpiredSso:
        method = "sso"

        def get_credentials(self) -> ExpiredSso:
            return self

        def get_frozen_credentials(self) -> Any:
            raise RuntimeError("Token has expired and refresh failed")

    client = factory(region="us-west-2", session=ExpiredSso(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.OpenAIError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    error = raised(caught.value, openai_bedrock.CredentialsError)
    assert "aws sso login" in str(error)
    assert "Token has expired" in str(error)
    assert bedrock.requests == []


async def test_openai_account_variables_from_the_environment_stay_off_the_wire(
    factory: Factory, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-openai")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_from_openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai")
    client = factory(**static_keys(), transport=bedrock)
    for derived in (client, client.copy(), client.with_options(timeout=5)):
        await settle(derived.chat.completions.create(model=MODEL, messages=HELLO))
        wire = str(bedrock.last.headers.raw)
        for value in ("org-from-openai", "proj_from_openai", "sk-from-openai"):
            assert value not in wire


async def test_an_explicit_project_is_sent(factory: Factory, bedrock: FakeBedrock) -> None:
    client = factory(**static_keys(endpoint="mantle"), transport=bedrock, project="default")
    await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert bedrock.last.headers["OpenAI-Project"] == "default"
    assert "openai-project" in bedrock.last.headers["Authorization"]
