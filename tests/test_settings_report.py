"""`python -m openai_bedrock` prints where each setting came from, never a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openai_bedrock.__main__ import main
from support import ACCESS_KEY_ID, API_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN


def test_it_prints_region_endpoint_and_credential_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "eu-central-1 (from AWS_REGION)" in out
    assert "https://bedrock-runtime.eu-central-1.amazonaws.com/openai/v1" in out
    assert "SigV4, service bedrock" in out
    assert "(env)" in out
    assert "with session token" in out
    for secret in (ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN):
        assert secret not in out


def test_an_api_key_is_shown_as_a_fingerprint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    assert main(["--region", "us-west-2", "--endpoint", "mantle"]) == 0
    out = capsys.readouterr().out
    assert "Bearer API key (from AWS_BEARER_TOKEN_BEDROCK, key sha256:" in out
    assert "https://bedrock-mantle.us-west-2.api.aws/v1" in out
    assert API_KEY not in out


def test_a_missing_region_exits_2_with_the_remedy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "set AWS_REGION" in capsys.readouterr().err


def test_it_runs_as_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", API_KEY)
    result = subprocess.run(
        [sys.executable, "-m", "openai_bedrock", "--region", "us-east-1", "--fips"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "bedrock-runtime-fips.us-east-1.amazonaws.com" in result.stdout


def test_failing_credentials_exit_2_with_the_remedy(
    isolated_aws_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_aws_env / "config").write_text(
        "[profile broken]\nregion = us-west-2\ncredential_process = false\n"
    )
    assert main(["--profile", "broken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Loading AWS credentials from profile 'broken'")
    assert "aws sso login --profile broken" in err
