"""AWS error bodies become the SDK's error shape: the table of what becomes what."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock._responses import normalize_error_body
from support import MODEL, FakeBedrock, http_lib, static_keys

THROTTLING = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"

# (body bytes, x-amzn-ErrorType header, expected "error" object or None for unchanged)
CASES: list[Any] = [
    pytest.param(
        b'{"message":"Too many tokens"}',
        THROTTLING,
        {
            "message": "Too many tokens",
            "type": "ThrottlingException",
            "code": "ThrottlingException",
        },
        id="message with a namespaced header",
    ),
    pytest.param(
        b'{"Message":"Authentication failed"}',
        "com.amazon.coral.service#UnrecognizedClientException",
        {"message": "Authentication failed", "code": "UnrecognizedClientException"},
        id="capital Message with a #-namespaced header",
    ),
    pytest.param(
        b'{"code":"ValidationException","message":"bad"}',
        None,
        {"message": "bad", "code": "ValidationException"},
        id="a code in the body is kept when there is no header",
    ),
    pytest.param(
        b'{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}',
        None,
        {"message": "bad", "code": "ValidationException"},
        id="__type in the body gives the bare code",
    ),
    pytest.param(
        b'{"message":"model failed","originalStatusCode":500,"resourceName":"m"}',
        "ModelErrorException:http://internal.amazon.com/",
        {"message": "model failed", "code": "ModelErrorException", "originalStatusCode": 500},
        id="extra AWS fields are kept",
    ),
    pytest.param(
        b"",
        THROTTLING,
        {"message": "ThrottlingException", "code": "ThrottlingException"},
        id="an empty body takes its message from the error type",
    ),
    pytest.param(
        b"[1, 2]",
        THROTTLING,
        {"message": "[1, 2]", "code": "ThrottlingException"},
        id="a JSON array body is kept as text",
    ),
    pytest.param(
        b"Service \xff Unavailable",
        "ServiceUnavailableException:x",
        {"message": "Service \ufffd Unavailable", "code": "ServiceUnavailableException"},
        id="a body that is not UTF-8 is kept as text",
    ),
    pytest.param(
        b'{"message":null}',
        THROTTLING,
        {"message": '{"message":null}', "code": "ThrottlingException"},
        id="a null message falls back to the body text",
    ),
    pytest.param(
        b'{"error":{"code":"rate_limit_exceeded","message":"slow down","type":"rate_limit_error"}}',
        THROTTLING,
        None,
        id="an OpenAI-style body is left as it is",
    ),
    # Failed before: left as it was, so openai 3.x said only "Error code: 400".
    pytest.param(
        b'{"error":"model is busy"}',
        None,
        {"message": "model is busy", "type": None, "code": None},
        id="a bare-string error becomes the message (docs/wire.md 10.3 b)",
    ),
    pytest.param(b'{"detail":"nope"}', None, None, id="a body with nothing AWS about it is left"),
    pytest.param(b"<html>bad gateway</html>", None, None, id="plain text without a type is left"),
]


@pytest.mark.parametrize(("body", "header", "expected"), CASES)
def test_error_bodies_become_openai_style(
    body: bytes, header: str | None, expected: dict[str, Any] | None
) -> None:
    result = normalize_error_body(body, header)
    if expected is None:
        assert result is None
        return
    assert result is not None
    error = json.loads(result)["error"]
    assert error.items() >= expected.items()


def test_a_hint_is_added_to_either_shape() -> None:
    aws = normalize_error_body(b'{"message":"Unknown operation"}', None, "Use mantle.")
    openai_style = normalize_error_body(b'{"error":{"message":"Not found"}}', None, "Use mantle.")
    assert aws is not None
    assert openai_style is not None
    assert json.loads(aws)["error"]["message"] == "Unknown operation Use mantle."
    assert json.loads(openai_style)["error"]["message"] == "Not found Use mantle."


@pytest.mark.parametrize("streamed", [False, True], ids=["plain call", "streamed call"])
def test_a_body_code_reaches_the_user(bedrock: FakeBedrock, streamed: bool) -> None:
    bedrock.queue(http_lib.Response(400, json={"code": "ValidationException", "message": "bad"}))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=streamed
        )
    assert caught.value.code == "ValidationException"
    assert "bad" in caught.value.message


def test_a_bare_string_error_keeps_its_text_in_the_message(bedrock: FakeBedrock) -> None:
    bedrock.queue(http_lib.Response(400, json={"error": "model is busy"}))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.BadRequestError, match="model is busy"):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
