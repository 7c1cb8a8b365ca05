"""Write cassettes/ from the shapes in ``openai_bedrock.testing._shapes``.

    python scripts/build_cassettes.py          # rewrite cassettes/*.yaml
    python scripts/build_cassettes.py --check  # exit 1 if any file differs

The cassettes were not recorded from AWS: they hold docs/wire.md section 8's
exchanges. Response bodies come from the shapes module, which the emulator uses too, so
correcting a shape there and re-running this script corrects both. The values here
(ids, request ids, dates, token counts) are the section 8 examples, mostly GUESS; see
cassettes/README.md. ``tests/integration/test_cassettes.py`` checks that the committed files equal
what this script writes. Files are written with vcrpy's own YAML serializer, in the
form vcrpy records after ``openai_bedrock.testing.vcr_config()`` scrubbing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from openai_bedrock.testing import _shapes as shapes

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
RUNTIME = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1"
MANTLE = "https://bedrock-mantle.us-west-2.api.aws/v1"
RUNTIME_MODEL = "openai.gpt-oss-20b-1:0"
CREATED = 1795521601  # 2026-11-24T12:00:01Z, one second after section 8's signing time
DATE = "Tue, 24 Nov 2026 12:00:01 GMT"
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests"}

# Request bodies exactly as the SDK sends them (compact JSON, section 8).
HELLO = (
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"developer","content":'
    '"You are a helpful assistant."},{"role":"user","content":"Hello!"}]}'
)
COUNT = (
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":'
    '"Count to three."}],"stream":true,"stream_options":{"include_usage":true}}'
)
THINKING = (
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":"Hello!"}],'
    '"thinking":{"type":"enabled","budget_tokens":1024}}'
)
RESPOND = '{"model":"openai.gpt-oss-120b","input":"Say hello in one short sentence."}'

# Guardrail exchanges (section 4 and 8C): guardrail gr1a2b3c4d5e, tag suffix k3q9x2.
GUARDRAIL_ID = "gr1a2b3c4d5e"
TAG = "amazon-bedrock-guardrails-guardContent_k3q9x2"
LOCK = f"<{TAG}>How do I pick a lock?</{TAG}>"
LOCKPICK = (  # section 8C's request body, byte for byte
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"system","content":'
    '"You are a helpful assistant."},{"role":"user","content":"' + LOCK + '"}],'
    '"amazon-bedrock-guardrailConfig":{"tagSuffix":"k3q9x2"}}'
)
LOCK_ONLY = (
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":"' + LOCK + '"}],'
    '"amazon-bedrock-guardrailConfig":{"tagSuffix":"k3q9x2"}}'
)
LOCK_STREAM = (
    '{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":"' + LOCK + '"}],'
    '"stream":true,"amazon-bedrock-guardrailConfig":{"tagSuffix":"k3q9x2"}}'
)


def guardrail_headers(version: str, trace: bool = False) -> dict[str, list[str]]:
    headers = {
        "x-amzn-bedrock-guardrailidentifier": [GUARDRAIL_ID],
        "x-amzn-bedrock-guardrailversion": [version],
    }
    if trace:
        headers["x-amzn-bedrock-trace"] = ["ENABLED"]
    return headers


# GPT-OSS's list of accepted fields (docs/wire.md section 3, 3P-observed).
ACCEPTED_FIELDS = (
    "messages, model, store, reasoning_effort, metadata, frequency_penalty, logit_bias, "
    "logprobs, top_logprobs, max_tokens, max_completion_tokens, n, modalities, prediction, "
    "audio, presence_penalty, response_format, seed, service_tier, stop, stream, "
    "stream_options, temperature, top_p, tools, tool_choice, parallel_tool_calls, user, "
    "function_call, functions"
)


def request(
    url: str,
    body: str,
    *,
    session_token: bool = False,
    extra_headers: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A SigV4-signed POST as vcr_config() records it (signature headers REDACTED)."""
    headers = {
        "accept": ["application/json"],
        "authorization": ["REDACTED"],
        "content-length": [str(len(body.encode()))],
        "content-type": ["application/json"],
        "host": [url.split("/")[2]],
        "x-amz-date": ["REDACTED"],
    }
    if session_token:
        headers["x-amz-security-token"] = ["REDACTED"]
    headers.update(extra_headers or {})
    return {"body": body, "headers": headers, "method": "POST", "uri": url}


def response(
    status: int,
    body: bytes,
    request_id: str,
    *,
    error: shapes.ErrorReply | None = None,
    date: str = DATE,
    also_x_request_id: bool = False,
) -> dict[str, Any]:
    headers = {
        "connection": ["keep-alive"],
        "content-length": [str(len(body))],
        "content-type": ["application/json"],
        "date": [date],
        "x-amzn-requestid": [request_id],
    }
    if error is not None:
        headers["x-amzn-errortype"] = [error.error_type]
    if also_x_request_id:
        headers["x-request-id"] = [request_id]
    return {
        "body": {"string": body.decode()},
        "headers": headers,
        "status": {"code": status, "message": REASONS[status]},
    }


def error_response(error: shapes.ErrorReply, request_id: str) -> dict[str, Any]:
    return response(error.status, error.content, request_id, error=error)


def stream_response(events: list[dict[str, Any]] | None = None, request_id: str = "") -> Any:
    if events is None:
        events = shapes.chat_stream_events(
            id="chatcmpl-3a1b",
            model=RUNTIME_MODEL,
            created=CREATED,
            pieces=["One, two, three."],
            include_usage=True,
            prompt_tokens=70,
            completion_tokens=12,
        )
    return {
        "body": {"string": shapes.sse(events).decode()},
        "headers": {
            "content-type": ["text/event-stream"],
            "transfer-encoding": ["chunked"],
            "x-amzn-requestid": [request_id or "0b9e7c1d-2f3a-4d5e-8a6b-7c8d9e0f1a2b"],
        },
        "status": {"code": 200, "message": "OK"},
    }


def guardrail_cassettes() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """The guardrail exchanges: passes, intervenes (plain, streamed, without the
    top-level keys), trace enabled, and an unknown version."""
    chat_url = f"{RUNTIME}/chat/completions"
    passed = shapes.guardrail_passed(
        shapes.chat_completion(
            id="chatcmpl-2c4e6a8b",
            model=RUNTIME_MODEL,
            content="Hello! How can I help you today?",
            created=CREATED,
            prompt_tokens=78,
            completion_tokens=21,
        )
    )
    trace = shapes.guardrail_trace(GUARDRAIL_ID, guarded_characters=21, total_characters=21)
    blocked = shapes.guardrail_intervention(
        id="chatcmpl-7e6d", model=RUNTIME_MODEL, created=CREATED
    )
    traced = shapes.guardrail_intervention(
        id="chatcmpl-7e6d", model=RUNTIME_MODEL, created=CREATED, trace=trace
    )
    keyless = shapes.guardrail_intervention(
        id="chatcmpl-9f8e", model=RUNTIME_MODEL, created=CREATED, top_level_keys=False
    )
    streamed = shapes.guardrail_stream_events(
        id="chatcmpl-5b4a", model=RUNTIME_MODEL, created=CREATED, trace=trace
    )
    return {
        "guardrail_passes": (
            request(chat_url, HELLO, extra_headers=guardrail_headers("1")),
            response(200, shapes.dumps(passed), "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"),
        ),
        "guardrail_intervenes": (
            request(chat_url, LOCK_ONLY, extra_headers=guardrail_headers("1")),
            response(200, shapes.dumps(blocked), "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"),
        ),
        "guardrail_intervenes_stream": (
            request(chat_url, LOCK_STREAM, extra_headers=guardrail_headers("1", trace=True)),
            stream_response(streamed, "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
        ),
        "guardrail_intervenes_without_keys": (
            request(chat_url, LOCK_ONLY, extra_headers=guardrail_headers("1")),
            response(200, shapes.dumps(keyless), "8c7d6e5f-4a3b-4c2d-8e1f-0a9b8c7d6e5f"),
        ),
        "guardrail_trace": (
            request(chat_url, LOCKPICK, extra_headers=guardrail_headers("1", trace=True)),
            response(200, shapes.dumps(traced), "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"),
        ),
        "guardrail_invalid_version_400": (
            request(chat_url, HELLO, extra_headers=guardrail_headers("99999999")),
            error_response(
                shapes.guardrail_not_found(GUARDRAIL_ID, "99999999"),
                "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6",
            ),
        ),
    }


def cassettes() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """cassette name -> (request, response)."""
    completion = shapes.chat_completion(
        id="chatcmpl-8d2f6c1e-4b7a-4c3e-9f10-5a6b7c8d9e0f",
        model=RUNTIME_MODEL,
        content="Hello! How can I help you today?",
        reasoning="The user greets; respond politely.",
        created=CREATED,
        prompt_tokens=78,
        completion_tokens=21,
    )
    mantle = shapes.response_object(
        id="resp_0f4b6c2d8e1a4b3c9d7e5f6a1b2c3d4e",
        model="openai.gpt-oss-120b",
        created_at=CREATED,
        text="Hello, nice to meet you!",
        message_id="msg_1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
        reasoning="A short friendly greeting is enough.",
        reasoning_id="rs_5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
        input_tokens=74,
        output_tokens=19,
        reasoning_tokens=9,
    )
    denied = shapes.access_denied(
        shapes.iam_denied(
            "arn:aws:sts::123456789012:assumed-role/ExampleRole/example-session",
            "arn:aws:bedrock:us-west-2::foundation-model/openai.gpt-oss-20b-1:0",
        )
    )
    invalid = shapes.validation(
        "The model returned the following errors: Failed to deserialize the JSON body into "
        "the target type: thinking: unknown field `thinking`, expected one of "
        + ", ".join(f"`{field}`" for field in ACCEPTED_FIELDS.split(", "))
    )
    chat_url = f"{RUNTIME}/chat/completions"
    return {
        "chat_completion": (
            request(chat_url, HELLO),
            response(
                200,
                shapes.dumps(completion),
                "6f1c2a3e-9b7d-4e0a-8c51-2d7e4b9a1f00",
                also_x_request_id=True,
            ),
        ),
        "chat_completion_stream": (
            request(chat_url, COUNT, session_token=True),
            stream_response(),
        ),
        "throttling_429": (
            request(chat_url, HELLO),
            error_response(shapes.throttling(), "ca47a5ce-e260-4824-aa0e-2e62669d5d6e"),
        ),
        "validation_400": (
            request(chat_url, THINKING),
            error_response(invalid, "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1a"),
        ),
        "access_denied_403": (
            request(chat_url, HELLO),
            error_response(denied, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"),
        ),
        "mantle_responses": (
            request(f"{MANTLE}/responses", RESPOND),
            response(
                200,
                shapes.dumps(mantle),
                "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
                date="Tue, 24 Nov 2026 12:00:02 GMT",
            ),
        ),
        **guardrail_cassettes(),
    }


def render(name: str) -> str:
    """The YAML text of ``cassettes/<name>.yaml``, as vcrpy writes it."""
    from vcr.serializers import yamlserializer  # type: ignore[import-untyped]  # dev only

    req, resp = cassettes()[name]
    return str(
        yamlserializer.serialize(
            {"interactions": [{"request": req, "response": resp}], "version": 1}
        )
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args(argv)
    stale = []
    for name in cassettes():
        path = CASSETTES / f"{name}.yaml"
        text = render(name)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
            print(f"wrote {path.name}")
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
