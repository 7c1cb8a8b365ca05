"""The `openai-bedrock` command against the bundled emulator, run in-process.

Each test starts a `BedrockEmulator` in this process and calls the command's
``main(argv)`` with an explicit environment that points at it (the `cli` fixture: only
the variables a test gives are set, as a subprocess would see them), stdin from a string,
and stdout/stderr captured. tests/cli/test_smoke.py runs each command once as a real
subprocess.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

from openai_bedrock.cli import main
from openai_bedrock.testing import BedrockEmulator
from support import MODEL, clean_env

GUARDRAIL = "gr1a2b3c4d5e"
BLOCKED = "Sorry, the model cannot answer this question."
REQUEST_ID = re.compile(r"^request id: [0-9a-f-]{36}$", re.MULTILINE)


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


def emulator_env(emu: BedrockEmulator, home: Path, **overrides: Optional[str]) -> dict[str, str]:
    """``clean_env`` plus the emulator's URL, region and credentials (``None`` drops one)."""
    env = clean_env(home)
    env.update(
        AWS_BEDROCK_BASE_URL=emu.base_url,
        AWS_REGION=emu.region,
        AWS_ACCESS_KEY_ID=emu.access_key_id,
        AWS_SECRET_ACCESS_KEY=emu.secret_access_key,
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Result:
    """What a run of the command left: its exit code and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Result]
# Variables a test's environment replaces whole: the machine's own never leak in.
_REPLACED = ("AWS_", "OPENAI_", "BOTO_")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``cli(*args, env=..., stdin=...)``: run ``main(args)`` in this process."""

    def run(*args: str, env: dict[str, str], stdin: str = "") -> Result:
        with monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.upper().startswith(_REPLACED):
                    patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            capsys.readouterr()
            code = main(list(args))
            out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def secrets_of(emu: BedrockEmulator) -> list[str]:
    return [s for s in (emu.access_key_id, emu.secret_access_key, emu.api_key) if s]


# --- chat ----------------------------------------------------------------------------


def test_a_streamed_chat_prints_the_answer_and_the_request_id(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    emu.reply = lambda body: "One, two, three."
    result = cli("chat", "Count to three.", env=emulator_env(emu, tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "One, two, three.\n"
    assert REQUEST_ID.search(result.stderr)
    request = emu.requests[-1]
    assert (request.auth, request.verdict) == ("sigv4", "ok")
    assert request.json()["stream"] is True
    assert request.json()["model"] == MODEL


def test_the_message_can_come_from_stdin_with_a_system_message(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    result = cli(
        "chat",
        "--no-stream",
        "--system",
        "Be brief.",
        env=emulator_env(emu, tmp_path),
        stdin="Hello from stdin\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from stdin\n"
    assert emu.requests[-1].json()["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello from stdin"},
    ]


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_a_guardrail_intervention_is_reported_on_stderr(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path, stream: str
) -> None:
    emu.add_guardrail(GUARDRAIL, version="1", blocks=lambda text: "lock" in text)
    result = cli(
        "chat",
        stream,
        "--guardrail",
        f"{GUARDRAIL}:1",
        "--trace",
        "How do I pick a lock?",
        env=emulator_env(emu, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == BLOCKED + "\n"
    assert "guardrail: INTERVENED" in result.stderr
    trace = json.loads(result.stderr.split("guardrail trace: ", 1)[1].splitlines()[0])
    assert GUARDRAIL in trace["guardrail"]["input"]
    headers = emu.requests[-1].headers
    assert headers["X-Amzn-Bedrock-GuardrailIdentifier"] == GUARDRAIL
    assert headers["X-Amzn-Bedrock-GuardrailVersion"] == "1"
    assert headers["X-Amzn-Bedrock-Trace"] == "ENABLED"


def test_a_guardrail_that_lets_a_message_through_says_so(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    emu.add_guardrail(GUARDRAIL, version="1", blocks=lambda text: "lock" in text)
    result = cli("chat", "--guardrail", f"{GUARDRAIL}:1", "Hello!", env=emulator_env(emu, tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello!\n"
    assert "guardrail: NONE" in result.stderr


def test_json_prints_the_raw_response_body(cli: Cli, emu: BedrockEmulator, tmp_path: Path) -> None:
    emu.add_guardrail(GUARDRAIL, version="1", blocks=lambda text: False)
    result = cli(
        "chat",
        "--no-stream",
        "--json",
        "--guardrail",
        f"{GUARDRAIL}:1",
        "Hello!",
        env=emulator_env(emu, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "Hello!"
    assert body["amazon-bedrock-guardrailAction"] == "NONE"


def test_streamed_json_prints_one_chunk_per_line(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    emu.reply = lambda body: "One two three"
    result = cli("chat", "--json", "Hi", env=emulator_env(emu, tmp_path))
    assert result.returncode == 0, result.stderr
    chunks = [json.loads(line) for line in result.stdout.splitlines()]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "One two three"


def test_a_refused_chat_exits_1_with_one_actionable_line(
    cli: Cli,
    tmp_path: Path,
) -> None:
    with BedrockEmulator(models={"openai.gpt-oss-120b-1:0"}) as emu:
        result = cli("chat", "Hello!", env=emulator_env(emu, tmp_path))
        debug = cli("chat", "--debug", "Hello!", env=emulator_env(emu, tmp_path))
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    # An unknown model id: runtime's captured answer (docs/wire.md, "Error shapes").
    assert line.startswith(
        "error: Bedrock answered 400 validation_error: The provided model identifier is invalid"
    )
    assert f"To fix: check --model {MODEL}: it must be offered in us-west-2" in line
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().endswith(line.split(" To fix: ")[1])


def test_a_chat_without_a_region_exits_2(cli: Cli, emu: BedrockEmulator, tmp_path: Path) -> None:
    result = cli("chat", "Hello!", env=emulator_env(emu, tmp_path, AWS_REGION=None))
    assert result.returncode == 2
    assert "set AWS_REGION" in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.requests == []


# --- --curl --------------------------------------------------------------------------


def test_curl_prints_an_equivalent_command_without_secrets(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    env = emulator_env(emu, tmp_path)
    result = cli("chat", "--curl", "--no-stream", "Say 'hi'", env=env)
    assert result.returncode == 0, result.stderr
    assert emu.requests == []  # printed, not sent
    for secret in secrets_of(emu):
        assert secret not in result.stdout + result.stderr
    assert f"-X POST {emu.base_url}/chat/completions" in result.stdout
    assert f'--aws-sigv4 "aws:amz:{emu.region}:bedrock"' in result.stdout
    assert '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"' in result.stdout

    if shutil.which("curl") is None or shutil.which("sh") is None:
        return
    # The printed command, run by a shell with the same environment, is accepted.
    sent = subprocess.run(
        ["sh", "-c", result.stdout], env=env, capture_output=True, text=True, timeout=60
    )
    assert emu.requests[-1].verdict == "ok", (sent.stdout, sent.stderr)
    assert json.loads(sent.stdout)["choices"][0]["message"]["content"] == "Say 'hi'"


def test_curl_with_an_api_key_references_the_variable(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    env = emulator_env(
        emu,
        tmp_path,
        AWS_ACCESS_KEY_ID=None,
        AWS_SECRET_ACCESS_KEY=None,
        AWS_BEARER_TOKEN_BEDROCK=emu.api_key,
    )
    result = cli("chat", "--curl", "Hi", env=env)
    assert result.returncode == 0, result.stderr
    assert '-H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK"' in result.stdout
    assert emu.api_key not in result.stdout + result.stderr


# --- --offline -----------------------------------------------------------------------


def test_offline_chat_works_with_no_aws_configuration(cli: Cli, tmp_path: Path) -> None:
    result = cli("chat", "--offline", "Hello!", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello!\n"
    assert "offline: bundled Bedrock emulator at http://127.0.0.1:" in result.stderr
    assert REQUEST_ID.search(result.stderr)


def test_offline_chat_with_a_guardrail_named_by_arn(cli: Cli, tmp_path: Path) -> None:
    arn = "arn:aws:bedrock:us-west-2:123456789012:guardrail/abc123"
    args = ("chat", "--offline", "--no-stream", "--guardrail")
    passed = cli(*args, f"{arn}:1", "Hello", env=clean_env(tmp_path))
    blocked = cli(*args, f"{arn}:1", "a forbidden word", env=clean_env(tmp_path))
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout == "Hello\n"
    assert "guardrail: NONE (did not intervene)" in passed.stderr
    assert blocked.returncode == 0, blocked.stderr
    assert "guardrail: INTERVENED" in blocked.stderr


class ClosedPipe(io.StringIO):
    """A reader that goes away after ``limit`` characters (`| head -c 5`): every later
    write meets a closed pipe. No ``fileno()``, so the command cannot touch the real fd 1."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.limit:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_a_reader_that_goes_away_ends_the_chat_quietly(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stream: str
) -> None:
    message = " ".join(["x" * 1000] * 200)
    monkeypatch.setattr(sys, "stdout", ClosedPipe(5))
    result = cli("chat", "--offline", stream, env=clean_env(tmp_path), stdin=message)
    assert result.returncode == 1
    assert "error:" not in result.stderr
    assert "BrokenPipe" not in result.stderr


def test_offline_doctor_passes_every_check(cli: Cli, tmp_path: Path) -> None:
    result = cli("doctor", "--offline", "--json", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    names = [check["name"] for check in report["checks"]]
    assert names == ["region", "endpoint", "credentials", "expiry", "clock", "call"]
    assert {check["status"] for check in report["checks"]} == {"ok"}


# --- doctor: one failing case per check ----------------------------------------------


def checks(result: Result) -> dict[str, dict[str, Any]]:
    report = json.loads(result.stdout)
    assert report["ok"] is (result.returncode == 0)
    return {check["name"]: check for check in report["checks"]}


def test_doctor_passes_against_the_emulator(cli: Cli, emu: BedrockEmulator, tmp_path: Path) -> None:
    result = cli("doctor", env=emulator_env(emu, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("region", "endpoint", "credentials", "expiry", "clock", "call"):
        assert re.search(rf"^ok\s+{name}\b", result.stdout, re.MULTILINE), result.stdout
    assert "us-west-2 (from AWS_REGION)" in result.stdout
    for secret in secrets_of(emu):
        assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize("wrong", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_doctor_wrong_credentials(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path, wrong: str
) -> None:
    fake = "AKIAIOSFODNN7EXAMPLE" if wrong == "AWS_ACCESS_KEY_ID" else "x" * 40
    env = emulator_env(emu, tmp_path, **{wrong: fake})
    result = cli("doctor", "--json", env=env)
    assert result.returncode == 1
    call = checks(result)["call"]
    assert call["status"] == "fail"
    assert call["detail"].startswith("Bedrock answered 403 ")
    assert "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN" in call["remedy"]
    assert fake not in result.stdout


def test_doctor_wrong_credentials_in_a_profile_suggest_sso_login(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path
) -> None:
    env = emulator_env(emu, tmp_path, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wrong\n"
    )
    result = cli("doctor", "--profile", "dev", env=env)
    assert result.returncode == 1
    assert re.search(r"^fail\s+call\s+Bedrock answered 403", result.stdout, re.MULTILINE)
    assert "fix: run `aws sso login --profile dev`" in result.stdout


@pytest.mark.parametrize("command", [("chat", "Hi"), ("doctor",)], ids=" ".join)
@pytest.mark.parametrize("how", ["--profile", "AWS_PROFILE"])
def test_a_credential_process_runs_once_per_command(
    cli: Cli, emu: BedrockEmulator, tmp_path: Path, command: tuple[str, ...], how: str
) -> None:
    # aws-vault / saml2aws behind credential_process may ask for MFA on every run of it.
    counter = tmp_path / "runs"
    script = tmp_path / "creds.py"
    script.write_text(
        "import json, pathlib\n"
        f"with pathlib.Path({str(counter)!r}).open('a') as f: f.write('run\\n')\n"
        "print(json.dumps({'Version': 1, "
        f"'AccessKeyId': {emu.access_key_id!r}, 'SecretAccessKey': {emu.secret_access_key!r}}}))\n"
    )
    env = emulator_env(emu, tmp_path, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    Path(env["AWS_CONFIG_FILE"]).write_text(
        f'[profile vault]\ncredential_process = "{sys.executable}" "{script}"\n'
    )
    if how == "AWS_PROFILE":
        env["AWS_PROFILE"] = "vault"
        result = cli(*command, env=env)
    else:
        result = cli(*command, "--profile", "vault", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert counter.read_text() == "run\n"


def test_doctor_expired_sso_session(cli: Cli, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[profile sso-dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Dev\nregion = us-west-2\n\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    result = cli("doctor", "--json", "--profile", "sso-dev", env=env)
    assert result.returncode == 1
    credentials = checks(result)["credentials"]
    assert credentials["status"] == "fail"
    assert "`aws sso login --profile sso-dev`" in credentials["remedy"]
    assert "call" not in checks(result)


def test_doctor_skewed_clock(cli: Cli, emu: BedrockEmulator, tmp_path: Path) -> None:
    emu.clock_offset = 900  # the server is 15 minutes ahead of this machine
    result = cli("doctor", "--json", env=emulator_env(emu, tmp_path))
    assert result.returncode == 1
    found = checks(result)
    assert found["clock"]["status"] == "fail"
    assert "behind the server's Date" in found["clock"]["detail"]
    assert "fix this machine's clock" in found["clock"]["remedy"]
    assert "correct for it" in found["clock"]["detail"]
    # The client learns the server's time from the 403 and signs again, so the call works.
    assert found["call"]["status"] == "ok"
    assert [r.verdict for r in emu.requests if r.auth == "sigv4"] == [
        "InvalidSignatureException",
        "ok",
    ]


def test_doctor_missing_region(cli: Cli, emu: BedrockEmulator, tmp_path: Path) -> None:
    result = cli("doctor", env=emulator_env(emu, tmp_path, AWS_REGION=None))
    assert result.returncode == 1
    assert re.search(r"^fail\s+region\s+No AWS region was found", result.stdout, re.MULTILINE)
    assert "fix: set AWS_REGION (e.g. `export AWS_REGION=us-west-2`) or pass --region" in (
        result.stdout
    )
    assert emu.requests == []


def test_doctor_no_model_access(cli: Cli, tmp_path: Path) -> None:
    with BedrockEmulator(models={"openai.gpt-oss-120b-1:0"}) as emu:
        result = cli("doctor", "--json", env=emulator_env(emu, tmp_path))
    assert result.returncode == 1
    call = checks(result)["call"]
    assert call["status"] == "fail"
    # An unknown model id: runtime's captured answer (docs/wire.md, "Error shapes").
    assert "The provided model identifier is invalid" in call["detail"]
    assert call["remedy"].startswith(f"check --model {MODEL}: it must be offered in us-west-2")


def test_doctor_on_mantle_lists_models_and_flags_a_missing_one(cli: Cli, tmp_path: Path) -> None:
    with BedrockEmulator(endpoint="mantle", models={"openai.gpt-oss-120b"}) as emu:
        env = emulator_env(emu, tmp_path)
        result = cli("doctor", "--json", "--endpoint", "mantle", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    call = checks(result)["call"]
    assert call["status"] == "warn"
    assert "openai.gpt-oss-20b is not among its 1 models" in call["detail"]
    assert emu.requests[-1].path == "/v1/models"


class RecordingStdout(io.StringIO):
    """Records writes and flushes in order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def write(self, text: str) -> int:
        self.events.append("write:" + text)
        return super().write(text)

    def flush(self) -> None:
        self.events.append("flush")


def test_streamed_tokens_are_written_and_flushed_as_they_arrive(
    emu: BedrockEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openai_bedrock.cli import main

    emu.reply = lambda body: "One two three four"
    for name, value in emulator_env(emu, tmp_path).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    out = RecordingStdout()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["chat", "Hi"]) == 0
    assert out.getvalue() == "One two three four\n"
    writes = [
        i
        for i, event in enumerate(out.events)
        if event.startswith("write:") and event != "write:\n"
    ]
    assert len(writes) >= 4  # one write per streamed piece, not one at the end
    assert all(out.events[i + 1] == "flush" for i in writes)


def test_a_guardrail_on_mantle_is_refused_before_sending(cli: Cli, tmp_path: Path) -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        env = emulator_env(emu, tmp_path)
        result = cli("chat", "--endpoint", "mantle", "--guardrail", GUARDRAIL, "Hi", env=env)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: Refused to send a guardrail on /chat/completions")
    assert emu.requests == []


def test_curl_with_a_guardrail_on_mantle_is_refused_like_a_chat(cli: Cli, tmp_path: Path) -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        env = emulator_env(emu, tmp_path)
        args = ("chat", "--endpoint", "mantle", "--guardrail", GUARDRAIL)
        curl = cli(*args, "--curl", "Hi", env=env)
        sent = cli(*args, "Hi", env=env)
    assert curl.returncode == sent.returncode == 2
    assert curl.stdout == ""
    assert curl.stderr == sent.stderr
    assert curl.stderr.startswith("error: Refused to send a guardrail on /chat/completions")
