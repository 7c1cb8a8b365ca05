"""The command's parts that need no server: curl rendering, token minting, durations,
guardrail arguments and the table of remedies."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex

import pytest

from openai_bedrock import _sigv4
from openai_bedrock.cli import main
from openai_bedrock.cli._diagnose import Context, diagnose_status
from openai_bedrock.cli._keys import read_short_term_key
from openai_bedrock.cli.chat import parse_guardrail
from openai_bedrock.cli.token import parse_duration
from support import ACCESS_KEY_ID, API_KEY, FROZEN_TIME, SECRET_ACCESS_KEY, SESSION_TOKEN

SECRETS = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, API_KEY)


@pytest.fixture
def env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


@pytest.mark.usefixtures("env_keys")
def test_curl_with_sigv4_names_the_variables_and_never_their_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["chat", "--curl", "--guardrail", "gr1a2b3c4d5e:1", "It's a 'test'"]) == 0
    out = capsys.readouterr().out
    assert '--aws-sigv4 "aws:amz:us-west-2:bedrock"' in out
    assert '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"' in out
    assert '-H "x-amz-security-token: $AWS_SESSION_TOKEN"' in out
    assert "X-Amzn-Bedrock-GuardrailIdentifier: gr1a2b3c4d5e" in out
    assert "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions" in out
    for secret in SECRETS:
        assert secret not in out
    # The shell reads the body back exactly, quotes and all.
    words = shlex.split(out.replace("\\\n", " "))
    body = words[words.index("--data-raw") + 1]
    assert "It's a 'test'" in body
    assert '"stream": true' in body


def test_curl_with_an_api_key_uses_the_bearer_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    assert main(["chat", "--curl", "--no-stream", "--region", "eu-west-1", "Hi"]) == 0
    out = capsys.readouterr().out
    assert '-H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK"' in out
    assert "--aws-sigv4" not in out
    assert "stream" not in out
    assert API_KEY not in out


def test_curl_with_profile_credentials_says_how_to_export_them(
    isolated_aws_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    aws_dir = Path(str(isolated_aws_env))
    (aws_dir / "credentials").write_text(
        f"[dev]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )
    assert main(["chat", "--curl", "--profile", "dev", "--region", "us-east-1", "Hi"]) == 0
    out = capsys.readouterr().out
    assert 'eval "$(aws configure export-credentials --profile dev --format env)"' in out
    assert "x-amz-security-token" not in out
    for secret in SECRETS:
        assert secret not in out


@pytest.mark.usefixtures("env_keys")
def test_token_export_prints_a_key_for_the_region_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_sigv4, "timestamp", FROZEN_TIME.timestamp)
    assert main(["token", "--export", "--expires", "1h30m", "--region", "eu-central-1"]) == 0
    captured = capsys.readouterr()
    prefix = "export AWS_BEARER_TOKEN_BEDROCK="
    assert captured.out.startswith(prefix)
    key = shlex.split(captured.out[len("export ") :])[0].partition("=")[2]
    info = read_short_term_key(key)
    assert info is not None
    assert info.region == "eu-central-1"
    assert info.expires - info.issued == dt.timedelta(minutes=90)
    assert "works only in eu-central-1" in captured.err
    assert key not in captured.err
    for secret in (SECRET_ACCESS_KEY, SESSION_TOKEN):
        assert secret not in captured.out + captured.err


@pytest.mark.usefixtures("env_keys")
def test_doctor_fails_a_short_term_key_minted_for_another_region(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import openai_bedrock

    key = openai_bedrock.mint_short_term_token(region="us-east-1", expires_in=600).token
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key)
    assert main(["doctor", "--no-call", "--region", "us-west-2"]) == 1
    out = capsys.readouterr().out
    assert "fail  expiry      short-term key minted for us-east-1" in out
    assert "openai-bedrock token --region us-west-2 --export" in out
    assert key not in out


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("12h", 43200), ("90m", 5400), ("1h30m", 5400), ("3600s", 3600), ("45", 45)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "13h", "0", "soon", "1d", "-5m"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_token_with_a_bad_duration_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["token", "--expires", "2d"])
    assert exited.value.code == 2
    assert "not a duration" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "identifier", "version"),
    [
        ("gr1a2b3c4d5e", "gr1a2b3c4d5e", "DRAFT"),
        ("gr1a2b3c4d5e:7", "gr1a2b3c4d5e", "7"),
        ("gr1a2b3c4d5e:draft", "gr1a2b3c4d5e", "DRAFT"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
            "DRAFT",
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc:2",
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
            "2",
        ),
    ],
)
def test_guardrail_arguments(value: str, identifier: str, version: str) -> None:
    guardrail = parse_guardrail(value, trace=False)
    assert guardrail is not None
    assert (guardrail.identifier, guardrail.version) == (identifier, version)


def test_trace_without_a_guardrail_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--trace", "Hi"]) == 2
    assert "add --guardrail" in capsys.readouterr().err


def test_an_invalid_guardrail_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--guardrail", "not valid!", "Hi"]) == 2
    assert "is not a guardrail id or ARN" in capsys.readouterr().err


CTX = Context(region="eu-west-3", model="openai.gpt-oss-120b-1:0", profile="dev")


@pytest.mark.parametrize(
    ("status", "error_type", "message", "kind", "remedy"),
    [
        (
            403,
            "InvalidSignatureException",
            "Signature expired: 20261124T120000Z is now earlier than 20261124T120500Z "
            "(20261124T121000Z - 5 min.)",
            "clock",
            "fix this machine's clock",
        ),
        (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            "credentials",
            "aws sso login --profile dev",
        ),
        (
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
            "credentials",
            "aws sso login --profile dev",
        ),
        (
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
            "model-access",
            "request access to openai.gpt-oss-120b-1:0 in eu-west-3",
        ),
        (
            403,
            "AccessDeniedException",
            "User: arn:aws:iam::1:user/x is not authorized to perform: bedrock:InvokeModel",
            "permissions",
            "bedrock:InvokeModel",
        ),
        (429, "ThrottlingException", "Too many tokens", "throttled", "retry"),
        (500, "InternalServerException", "oops", "server", "retry"),
        (
            400,
            "ValidationException",
            "The provided model identifier is invalid.",
            "model",
            "--model",
        ),
    ],
)
def test_each_bedrock_error_gets_its_remedy(
    status: int, error_type: str, message: str, kind: str, remedy: str
) -> None:
    diagnosis = diagnose_status(status, error_type, message, CTX, request_id="rid-1")
    assert diagnosis.kind == kind
    assert remedy in diagnosis.remedy
    assert "(request id rid-1)" in diagnosis.line()
    assert "\n" not in diagnosis.line()


def test_a_message_ending_in_the_librarys_bracketed_advice_is_not_doubled_in_punctuation() -> None:
    """Failed before: "... (Access is not enabled: ... action.). (request id ...)"."""
    message = "You don't have access. (Access is not enabled: request model access.)"
    line = diagnose_status(403, "AccessDeniedException", message, CTX, "rid-1").line()
    assert "access.) (request id rid-1)" in line


@pytest.mark.usefixtures("isolated_aws_env")
def test_doctor_warns_about_a_misplaced_key_when_no_credentials_resolve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed before: the check ran only once credentials had resolved, but a key in the
    wrong variable is the usual reason none do."""
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    assert main(["doctor", "--region", "us-west-2", "--no-call"]) == 1
    out = capsys.readouterr().out
    assert "warn  credentials OPENAI_API_KEY looks misplaced" in out
    assert "fail  credentials No AWS credentials" in out


@pytest.mark.usefixtures("isolated_aws_env")
def test_doctor_with_no_credentials_says_how_to_set_some_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Failed before: the fix line said to check the (absent) credentials with
    `aws sts get-caller-identity`."""
    assert main(["doctor", "--region", "us-west-2", "--no-call"]) == 1
    out = capsys.readouterr().out
    fix = next(line for line in out.splitlines() if line.lstrip().startswith("fix:"))
    assert "get-caller-identity" not in fix
    assert "aws configure sso" in fix
    assert "AWS_BEARER_TOKEN_BEDROCK" in fix


@pytest.mark.usefixtures("env_keys")
def test_doctor_warns_about_a_bedrock_key_in_openai_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    assert main(["doctor", "--no-call"]) == 0  # a warning does not fail the run
    out = capsys.readouterr().out
    assert "warn  credentials OPENAI_API_KEY looks misplaced" in out
    assert "move it to AWS_BEARER_TOKEN_BEDROCK" in out
    assert API_KEY not in out


@pytest.mark.usefixtures("env_keys")
def test_debug_may_come_before_or_after_the_subcommand(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["--debug", "chat", "--trace", "Hi"], ["chat", "--trace", "--debug", "Hi"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert err.rstrip().splitlines()[-1].startswith("error: --trace asks for")


@pytest.mark.usefixtures("env_keys")
def test_doctor_reports_an_unknown_profile_as_a_credentials_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor", "--profile", "nope"]) == 1
    out = capsys.readouterr().out
    assert "fail  credentials AWS profile 'nope' was not found" in out
    assert "fix: create it with `aws configure sso --profile nope`" in out
