"""One smoke test per command, as a user runs it: `python -m openai_bedrock COMMAND` in a
fresh interpreter. Everything else about the commands is tested in-process through
``openai_bedrock.cli.main`` (tests/cli/test_cli*.py), which is much faster."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from openai_bedrock.testing import BedrockEmulator
from support import API_KEY, clean_env


def run_module(
    *args: str, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openai_bedrock", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_chat_runs_as_a_command(tmp_path: Path) -> None:
    result = run_module("chat", "--offline", "Hello!", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello!\n"
    assert "offline: bundled Bedrock emulator at http://127.0.0.1:" in result.stderr


def test_a_reader_that_goes_away_ends_the_chat_quietly_through_a_real_pipe(
    tmp_path: Path,
) -> None:
    # `chat ... | head -c 5` with a real pipe: more than a pipe buffer of answer, and the
    # reader leaves after 5 bytes. Needs a fresh interpreter: what matters is also what
    # Python prints when it flushes stdout on the way out.
    message = " ".join(["x" * 1000] * 200)
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_bedrock", "chat", "--offline", "--stream"],
        env=clean_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(message.encode())
    proc.stdin.close()
    assert proc.stdout.read(5) == b"xxxxx"
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "error:" not in stderr
    assert "BrokenPipe" not in stderr


def test_it_runs_as_a_module(tmp_path: Path) -> None:
    env = clean_env(tmp_path, AWS_BEARER_TOKEN_BEDROCK=API_KEY)
    result = run_module("doctor", "--no-call", "--region", "us-east-1", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bedrock-runtime.us-east-1.amazonaws.com" in result.stdout
    assert API_KEY not in result.stdout + result.stderr


def test_token_runs_as_a_command(tmp_path: Path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY=secret)
    result = run_module("token", "--region", "us-east-1", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bedrock-api-key-")
    assert "works only in us-east-1" in result.stderr
    assert secret not in result.stdout + result.stderr


@pytest.fixture
def batch_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockEmulator]:
    # S3 is moto's, in this process: the command only talks to the emulator over HTTP.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="smoke")
        with BedrockEmulator(s3=s3) as emulator:
            yield emulator


def test_batch_runs_as_a_command(batch_emulator: BedrockEmulator, tmp_path: Path) -> None:
    emu = batch_emulator
    env = clean_env(
        tmp_path, AWS_ACCESS_KEY_ID=emu.access_key_id, AWS_SECRET_ACCESS_KEY=emu.secret_access_key
    )
    result = run_module(
        "batch", "list", "--base-url", emu.base_url, "--region", emu.region, env=env
    )
    assert result.returncode == 0, result.stderr
    assert [r.auth for r in emu.requests] == ["sigv4"]
    assert emu.requests[-1].verdict == "ok"
