"""``openai-bedrock batch``: submit, status, list, results, cancel against the emulator
with moto S3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from openai_bedrock import batch
from openai_bedrock.cli import main
from openai_bedrock.testing import BedrockEmulator

pytestmark = pytest.mark.usefixtures("shared_botocore_data")

ROLE = "arn:aws:iam::123456789012:role/BedrockBatchRole"
MODEL = "openai.gpt-oss-20b-1:0"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockEmulator]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="cli")
        with BedrockEmulator(s3=s3) as emulator:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", emulator.access_key_id)
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emulator.secret_access_key)
            yield emulator


def conn(emu: BedrockEmulator) -> list[str]:
    return ["--base-url", emu.base_url, "--region", emu.region]


def write_input(tmp_path: Path, count: int = 100) -> Path:
    path = tmp_path / "in.jsonl"
    with path.open("w") as handle:
        for i in range(count):
            line = batch.request(
                f"q{i}", model=MODEL, messages=[{"role": "user", "content": f"n{i}"}]
            )
            handle.write(json.dumps(line) + "\n")
    return path


def test_submit_status_list_results_cancel(
    emu: BedrockEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_input(tmp_path)
    args = ["batch", "submit", str(source), "--s3", "s3://cli/jobs/", "--role-arn", ROLE]
    assert main([*args, "--model", MODEL, *conn(emu)]) == 0
    batch_id = capsys.readouterr().out.split()[0]
    assert batch_id.startswith("batch_")
    assert emu.batches is not None
    emu.batches.run()
    assert main(["batch", "status", batch_id, *conn(emu)]) == 0
    assert "completed 100/100 done, 0 failed" in capsys.readouterr().out
    assert main(["batch", "list", *conn(emu)]) == 0
    assert batch_id in capsys.readouterr().out
    out = tmp_path / "results.jsonl"
    assert main(["batch", "results", batch_id, "-o", str(out), *conn(emu)]) == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 100
    assert results[0]["response"]["choices"][0]["message"]["content"] == "n0"
    assert main([*args, "--model", MODEL, *conn(emu)]) == 0
    second = capsys.readouterr().out.split()[0]
    assert main(["batch", "cancel", second, *conn(emu)]) == 0
    assert "cancelling" in capsys.readouterr().out


def test_submit_refuses_bad_input_and_role(
    emu: BedrockEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_input(tmp_path, count=5)
    args = ["batch", "submit", str(source), "--s3", "s3://cli/jobs/", "--model", MODEL]
    assert main([*args, "--role-arn", ROLE, *conn(emu)]) != 0
    assert "at least 100" in capsys.readouterr().err
    assert main([*args, "--role-arn", "not-an-arn", *conn(emu)]) != 0
    assert "role_arn" in capsys.readouterr().err
    assert emu.requests == []


def test_batch_on_mantle_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", emu.api_key)
        code = main(
            [
                "batch",
                "list",
                "--endpoint",
                "mantle",
                "--base-url",
                emu.base_url,
                "--region",
                emu.region,
            ]
        )
        assert code != 0
        assert "runtime" in capsys.readouterr().err
        assert emu.requests == []
