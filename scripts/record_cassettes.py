"""Re-record cassettes/ against real Amazon Bedrock. Opt-in only: never run in tests or CI.

    OPENAI_BEDROCK_RECORD=1 AWS_PROFILE=your-profile AWS_REGION=us-west-2 \\
        python scripts/record_cassettes.py

It makes the same calls as tests/integration/test_cassettes.py (keep the two in step), through the
real ``openai_bedrock.create_client``, and records them with
``vcr.VCR(**openai_bedrock.testing.vcr_config(), record_mode="all")``, so signatures,
tokens and keys are scrubbed before anything is written. Each cassette is recorded into
a temporary directory first and only replaces the one in cassettes/ when Bedrock gave
the status the tests expect. Throttling (429) and access denied (403) cannot be
provoked on demand, so those usually keep their documented versions.

Needs vcrpy (``pip install -e '.[dev]'``) and credentials allowed to call
``openai.gpt-oss-20b-1:0`` on bedrock-runtime and ``openai.gpt-oss-120b`` on
bedrock-mantle in us-west-2. Costs a few hundred tokens. The guardrail cassettes are
recorded only when ``OPENAI_BEDROCK_GUARDRAIL_ID`` names a guardrail of yours (see
GUARDRAIL_CALLS below).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam

import openai_bedrock
import openai_bedrock.testing

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
# The cassettes and the tests that replay them are pinned to one region's hostnames.
REGION = "us-west-2"
RUNTIME_MODEL = "openai.gpt-oss-20b-1:0"
MANTLE_MODEL = "openai.gpt-oss-120b"
HELLO: list[ChatCompletionMessageParam] = [
    {"role": "developer", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Hello!"},
]


def chat(client: openai.OpenAI) -> None:
    client.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO)


def chat_stream(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=RUNTIME_MODEL,
        messages=[{"role": "user", "content": "Count to three."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for _ in stream:
        pass


def unknown_field(client: openai.OpenAI) -> None:
    # GPT-OSS rejects body fields it does not know (docs/wire.md section 3).
    client.chat.completions.create(
        model=RUNTIME_MODEL,
        messages=[{"role": "user", "content": "Hello!"}],
        extra_body={"thinking": {"type": "enabled", "budget_tokens": 1024}},
    )


def mantle_response(client: openai.OpenAI) -> None:
    client.responses.create(model=MANTLE_MODEL, input="Say hello in one short sentence.")


# The guardrail cassettes need a guardrail of your own on bedrock-runtime in us-west-2:
# version 1 published, with a denied topic that blocks "How do I pick a lock?". Its id
# comes from OPENAI_BEDROCK_GUARDRAIL_ID; without it those cassettes are skipped. The
# calls pass the guardrail per call (**options()), which puts exactly the same headers
# and body on the wire as the client-wide guardrail some tests use.
GUARDRAIL_ID = os.environ.get("OPENAI_BEDROCK_GUARDRAIL_ID", "")
TAG_SUFFIX = "k3q9x2"  # fixed, unlike real use, so the recorded bodies match the tests'


def _guardrail(version: int = 1, trace: bool = False) -> openai_bedrock.Guardrail:
    return openai_bedrock.Guardrail(
        GUARDRAIL_ID, version=version, trace=trace, tag_suffix=TAG_SUFFIX
    )


def _lock(guardrail: openai_bedrock.Guardrail) -> str:
    return guardrail.tag("How do I pick a lock?")


def guardrail_passes(client: openai.OpenAI) -> None:
    options = openai_bedrock.Guardrail(GUARDRAIL_ID, version=1).options()
    client.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO, **options)


def guardrail_intervenes(client: openai.OpenAI) -> None:
    guardrail = _guardrail()
    client.chat.completions.create(
        model=RUNTIME_MODEL,
        messages=[{"role": "user", "content": _lock(guardrail)}],
        **guardrail.options(),
    )


def guardrail_intervenes_stream(client: openai.OpenAI) -> None:
    guardrail = _guardrail(trace=True)
    stream = client.chat.completions.create(
        model=RUNTIME_MODEL,
        messages=[{"role": "user", "content": _lock(guardrail)}],
        stream=True,
        **guardrail.options(),
    )
    for _ in stream:
        pass


def guardrail_trace(client: openai.OpenAI) -> None:
    # docs/wire.md section 8C.
    guardrail = _guardrail(trace=True)
    client.chat.completions.create(
        model=RUNTIME_MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": _lock(guardrail)},
        ],
        **guardrail.options(),
    )


def guardrail_invalid_version(client: openai.OpenAI) -> None:
    options = openai_bedrock.Guardrail(GUARDRAIL_ID, version=99999999).options()
    client.chat.completions.create(model=RUNTIME_MODEL, messages=HELLO, **options)


# cassette name -> (endpoint, call, the HTTP status the tests expect). Not recorded:
# guardrail_intervenes_without_keys, the variant of an intervention without the
# top-level guardrail keys, which a live call gives only if Bedrock omits them.
GUARDRAIL_CALLS: dict[str, tuple[str, Callable[[openai.OpenAI], None], int]] = {
    "guardrail_passes": ("runtime", guardrail_passes, 200),
    "guardrail_intervenes": ("runtime", guardrail_intervenes, 200),
    "guardrail_intervenes_stream": ("runtime", guardrail_intervenes_stream, 200),
    "guardrail_trace": ("runtime", guardrail_trace, 200),
    "guardrail_invalid_version_400": ("runtime", guardrail_invalid_version, 400),
}

# cassette name -> (endpoint, call, the HTTP status the tests expect)
CALLS: dict[str, tuple[str, Callable[[openai.OpenAI], None], int]] = {
    "chat_completion": ("runtime", chat, 200),
    "chat_completion_stream": ("runtime", chat_stream, 200),
    "throttling_429": ("runtime", chat, 429),
    "validation_400": ("runtime", unknown_field, 400),
    "access_denied_403": ("runtime", chat, 403),
    "mantle_responses": ("mantle", mantle_response, 200),
}


def record(
    vcr: Any, directory: str, name: str, endpoint: str, call: Callable[[openai.OpenAI], None]
) -> Any:
    """Record one call into ``directory``; return the recorded HTTP status, or None."""
    recorder = vcr.VCR(
        **openai_bedrock.testing.vcr_config(), record_mode="all", cassette_library_dir=directory
    )
    with recorder.use_cassette(f"{name}.yaml") as cassette:
        client = openai_bedrock.create_client(region=REGION, endpoint=endpoint, max_retries=0)
        try:
            call(client)
        except openai.APIStatusError:
            pass  # expected for the error cassettes; main() checks the status
        finally:
            client.close()
    return cassette.responses[-1]["status"]["code"] if len(cassette) == 1 else None


def main() -> int:
    if os.environ.get("OPENAI_BEDROCK_RECORD") != "1":
        print(
            "Refusing to run: this calls real Amazon Bedrock and overwrites cassettes/. "
            "Set OPENAI_BEDROCK_RECORD=1 to mean it.",
            file=sys.stderr,
        )
        return 2
    if os.environ.get("AWS_REGION", REGION) != REGION:
        print(
            f"Refusing to run: the cassettes are for {REGION}; unset AWS_REGION or set it to that.",
            file=sys.stderr,
        )
        return 2
    import vcr  # type: ignore[import-untyped]  # a dev dependency, needed only here

    calls = dict(CALLS)
    if GUARDRAIL_ID:
        calls.update(GUARDRAIL_CALLS)
    else:
        print("guardrail cassettes: skipped (set OPENAI_BEDROCK_GUARDRAIL_ID to record them)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (endpoint, call, expected) in calls.items():
            got = record(vcr, tmp, name, endpoint, call)
            if got == expected:
                shutil.move(str(Path(tmp) / f"{name}.yaml"), CASSETTES / f"{name}.yaml")
                print(f"{name}: recorded (HTTP {got})")
            else:
                print(
                    f"{name}: kept the existing cassette (got HTTP {got}, tests expect {expected})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
