"""`openai-bedrock doctor --no-call` prints where each setting came from, never a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_bedrock.cli import main
from support import ACCESS_KEY_ID, API_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN


def test_it_prints_region_endpoint_and_credential_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    assert main(["doctor", "--no-call"]) == 0
    out = capsys.readouterr().out
    assert "ok    region      eu-central-1 (from AWS_REGION)" in out
    assert "https://bedrock-runtime.eu-central-1.amazonaws.com/openai/v1" in out
    assert "SigV4 (service bedrock), environment variables" in out
    assert "with session token" in out
    for secret in (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN):
        assert secret not in out


def test_an_api_key_is_shown_as_a_fingerprint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    assert main(["doctor", "--no-call", "--region", "us-west-2", "--endpoint", "mantle"]) == 0
    out = capsys.readouterr().out
    assert "Bedrock API key (Bearer) from AWS_BEARER_TOKEN_BEDROCK, key sha256:" in out
    assert "https://bedrock-mantle.us-west-2.api.aws/v1" in out
    assert "long-term API key" in out
    assert API_KEY not in out


def test_no_subcommand_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "chat" in capsys.readouterr().err


def test_failing_credentials_fail_the_check_with_the_remedy(
    isolated_aws_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_aws_env / "config").write_text(
        "[profile broken]\nregion = us-west-2\ncredential_process = false\n"
    )
    assert main(["doctor", "--no-call", "--profile", "broken"]) == 1
    out = capsys.readouterr().out
    assert "fail  credentials Loading AWS credentials from profile 'broken'" in out
    assert "fix: run `aws sso login --profile broken`" in out


def test_chat_with_failing_credentials_exits_2_with_one_line(
    isolated_aws_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_aws_env / "config").write_text(
        "[profile broken]\nregion = us-west-2\ncredential_process = false\n"
    )
    assert main(["chat", "--profile", "broken", "Hello!"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Loading AWS credentials from profile 'broken'")
    assert "aws sso login --profile broken" in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
