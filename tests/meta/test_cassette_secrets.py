"""No secret ever lands in a cassette: the committed ones are clean, and
``openai_bedrock.testing.vcr_config()`` scrubs what a recording would write."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml

import openai_bedrock
from openai_bedrock.testing import vcr_config
from support import ACCESS_KEY_ID, API_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN, http_lib, static_keys

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
PLACEHOLDER = "REDACTED"

SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS access key id": re.compile(r"(?:AKIA|ASIA|AKID)[A-Z0-9]{8,}"),
    "SigV4 signature": re.compile(r"Signature=[0-9a-f]{16,}"),
    # A header in a cassette's YAML ("x-amz-security-token:\n  - value") or a
    # presigned-URL query parameter ("X-Amz-Security-Token=value").
    "X-Amz-Security-Token value": re.compile(
        rf"x-amz-security-token['\"]?\s*[:=]\s*(?:-\s*)?['\"]?(?!{PLACEHOLDER}\b)[A-Za-z0-9%+/]",
        re.IGNORECASE,
    ),
    "Bearer token": re.compile(rf"Bearer\s+(?!{PLACEHOLDER}\b)[A-Za-z0-9._~+/-]{{8,}}"),
    "long-term Bedrock API key": re.compile(r"ABSK[A-Za-z0-9+/]{20,}"),
    "short-term Bedrock API key": re.compile(r"bedrock-api-key-"),
    # AWS's documentation example credentials, used by these tests: their presence
    # would mean a value escaped the scrubber.
    "example access key id": re.compile(re.escape(ACCESS_KEY_ID)),
    "example secret access key": re.compile(re.escape(SECRET_ACCESS_KEY)),
    "example session token": re.compile(re.escape(SESSION_TOKEN)),
}


def find_secrets(text: str) -> list[str]:
    """Names of the secret patterns found in ``text``, each with its line number.

    The matched text itself is never returned, so a failure cannot print a secret.
    """
    found = []
    for name, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            found.append(f"{name} (line {text.count(chr(10), 0, match.start()) + 1})")
    return found


# A short-term Bedrock API key as AWS mints one: base64 of a presigned URL that
# carries a session token and a signature (docs/wire.md section 2).
PRESIGNED_URL = (
    "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=ASIAQWERTYUIOP123456%2F20261124%2Fus-west-2%2Fbedrock%2Faws4_request"
    "&X-Amz-Date=20261124T120000Z&X-Amz-Expires=43200"
    "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEHUaCXVzLXdlc3QtMiJHMEUCIQExample"
    "&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=3d4c0ee9b1a2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f80918a8e8d3a&Version=1"
)
SHORT_TERM_KEY = "bedrock-api-key-" + base64.b64encode(PRESIGNED_URL.encode()).decode()
# A real-looking access key id (AWS's IAM documentation example).
AKIA_ID = "AKIAIOSFODNN7EXAMPLE"

PLANTED = {
    "AWS access key id": f"key {AKIA_ID} here",
    "SigV4 signature": "Credential=x, Signature=0bcac86c490058b49785634dfae016cc",
    "X-Amz-Security-Token value": "    x-amz-security-token:\n    - FwoGZXIvYXdzEExample\n",
    "Bearer token": "authorization: Bearer sk-abcdefgh12345678",
    "long-term Bedrock API key": API_KEY,
    "short-term Bedrock API key": SHORT_TERM_KEY,
    "example access key id": f"Credential={ACCESS_KEY_ID}/20261124",
    "example secret access key": SECRET_ACCESS_KEY,
    "example session token": f"token={SESSION_TOKEN}",
}


@pytest.mark.parametrize("name", list(SECRET_PATTERNS))
def test_scanner_finds_each_planted_secret(name: str) -> None:
    assert any(hit.startswith(name + " ") for hit in find_secrets(PLANTED[name]))


def test_scanner_finds_a_token_in_a_presigned_url() -> None:
    hits = find_secrets(PRESIGNED_URL)
    assert any(hit.startswith("X-Amz-Security-Token value") for hit in hits)
    assert any(hit.startswith("SigV4 signature") for hit in hits)
    assert any(hit.startswith("AWS access key id") for hit in hits)


def test_scanner_accepts_placeholders() -> None:
    scrubbed = (
        "      authorization:\n      - REDACTED\n      x-amz-security-token:\n      - REDACTED\n"
        "Bearer REDACTED, Signature=REDACTED, X-Amz-Security-Token=REDACTED&Version=1, "
        "an Invalid Bearer token"
    )
    assert find_secrets(scrubbed) == []


CASSETTE_FILES = sorted(path for path in CASSETTES.rglob("*") if path.is_file())


def test_the_documented_cassettes_are_all_there() -> None:
    names = {path.name for path in CASSETTE_FILES}
    assert {
        "chat_completion.yaml",
        "chat_completion_stream.yaml",
        "throttling_429.yaml",
        "validation_400.yaml",
        "access_denied_403.yaml",
        "mantle_responses.yaml",
        "guardrail_passes.yaml",
        "guardrail_intervenes.yaml",
        "guardrail_intervenes_stream.yaml",
        "guardrail_intervenes_without_keys.yaml",
        "guardrail_trace.yaml",
        "guardrail_invalid_version_400.yaml",
        "README.md",
    } <= names


@pytest.mark.parametrize(
    "path", CASSETTE_FILES, ids=[str(p.relative_to(CASSETTES)) for p in CASSETTE_FILES]
)
def test_committed_cassette_holds_no_secret(path: Path) -> None:
    hits = find_secrets(path.read_text(encoding="utf-8"))
    assert hits == [], f"{path.relative_to(CASSETTES.parent)} contains: {', '.join(hits)}"


def echo(request: http_lib.Request) -> http_lib.Response:
    """A server that repeats secrets back, so response scrubbing is exercised too."""
    body = {
        "you_sent": request.content.decode(),
        "key_url": PRESIGNED_URL,
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1795521601,
        "model": "openai.gpt-oss-20b-1:0",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
    }
    return http_lib.Response(
        200,
        json=body,
        headers={"x-echo-authorization": request.headers["authorization"]},
    )


def make_calls() -> None:
    """SigV4 with a session token, Bearer with a long-term key, Bearer with a short-term
    key on mantle; the prompts carry an access key id and both kinds of API key."""
    prompt = f"My key id is {AKIA_ID}, my API key is {API_KEY}, the other is {SHORT_TERM_KEY}."
    messages: Any = [{"role": "user", "content": prompt}]
    transport = http_lib.MockTransport(echo)
    clients = [
        openai_bedrock.create_client(
            **static_keys(session_token=SESSION_TOKEN), transport=transport, max_retries=0
        ),
        openai_bedrock.create_client(
            region="us-west-2", api_key=API_KEY, transport=transport, max_retries=0
        ),
        openai_bedrock.create_client(
            region="us-west-2",
            endpoint="mantle",
            token_provider=lambda: SHORT_TERM_KEY,
            transport=transport,
            max_retries=0,
        ),
    ]
    for client in clients:
        with client:
            completion = client.chat.completions.create(
                model="openai.gpt-oss-20b-1:0", messages=messages
            )
            assert completion.choices[0].message.content == "ok"


def test_recording_scrubs_every_secret(tmp_path: Path, frozen_clock: object) -> None:
    recorder = vcr.VCR(**vcr_config(), cassette_library_dir=str(tmp_path))
    with recorder.use_cassette("scrubbed.yaml", record_mode="all"):
        make_calls()

    text = (tmp_path / "scrubbed.yaml").read_text(encoding="utf-8")
    assert find_secrets(text) == []
    for secret in (API_KEY, SHORT_TERM_KEY, SESSION_TOKEN, AKIA_ID, "IQoJb3JpZ2luX2VjEHUaCXVz"):
        assert secret not in text

    interactions = yaml.safe_load(text)["interactions"]
    assert len(interactions) == 3
    sigv4, bearer, short_term = (i["request"]["headers"] for i in interactions)
    # Replaced, not dropped: the cassette still shows the request was signed.
    for header in ("authorization", "x-amz-date", "x-amz-security-token"):
        assert sigv4[header] == [PLACEHOLDER]
    assert bearer["authorization"] == [PLACEHOLDER]
    assert short_term["authorization"] == [PLACEHOLDER]
    echoed = interactions[0]["response"]["headers"]["x-echo-authorization"]
    # Scrubbed inside other header values too, leaving the rest readable.
    assert echoed[0].startswith(f"AWS4-HMAC-SHA256 Credential={PLACEHOLDER}/20261124/us-west-2/")
    assert echoed[0].endswith(f", Signature={PLACEHOLDER}")
    # Content-Length still tells the truth about the shorter, scrubbed bodies.
    response = interactions[0]["response"]
    assert response["headers"]["content-length"] == [str(len(response["body"]["string"].encode()))]
    request = interactions[0]["request"]
    assert request["headers"]["content-length"] == [str(len(request["body"].encode()))]
    sent = json.loads(interactions[0]["request"]["body"])
    assert sent["messages"][0]["content"] == (
        f"My key id is {PLACEHOLDER}, my API key is {PLACEHOLDER}, the other is {PLACEHOLDER}."
    )


def test_a_scrubbed_cassette_still_replays(tmp_path: Path) -> None:
    """Live requests are scrubbed the same way before matching, so a cassette whose
    bodies were scrubbed still matches, even signed at another time."""
    recorder = vcr.VCR(**vcr_config(), cassette_library_dir=str(tmp_path))
    with recorder.use_cassette("scrubbed.yaml", record_mode="all"):
        make_calls()
    with recorder.use_cassette("scrubbed.yaml", record_mode="none") as cassette:
        make_calls()
        assert cassette.all_played


def test_credentials_in_json_fields_are_scrubbed() -> None:
    from openai_bedrock.testing._vcr import scrub_response

    body = json.dumps(
        {
            "Credentials": {
                "AccessKeyId": AKIA_ID,
                "SecretAccessKey": SECRET_ACCESS_KEY,
                "SessionToken": "FwoGZXIvYXdzEExampleToken",
            },
            "aws_secret_access_key": "abc/def+ghi",
        }
    )
    scrubbed = scrub_response({"headers": {}, "body": {"string": body}})["body"]["string"]

    assert json.loads(scrubbed) == {
        "Credentials": {
            "AccessKeyId": PLACEHOLDER,
            "SecretAccessKey": PLACEHOLDER,
            "SessionToken": PLACEHOLDER,
        },
        "aws_secret_access_key": PLACEHOLDER,
    }
