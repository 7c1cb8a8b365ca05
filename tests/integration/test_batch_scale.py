"""Batch at scale: 100,000 requests up to S3 and their results back, in bounded memory.

tracemalloc measures this process only, so S3 is a moto server in a child process on
loopback (moto's in-process mock would count S3's own storage and copies of each part
as ours).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from openai_bedrock import batch

COUNT = 100_000
LIMIT = 64 * 1024 * 1024
MODEL = "openai.gpt-oss-20b-1:0"
BUCKET = "scale"

pytestmark = pytest.mark.slow


_SERVER = """
import sys, time
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]))
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        while child.stdout.readline().strip() != "ready":
            pass
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
        client = boto3.client("s3", region_name="us-east-1")
        for _ in range(100):  # the server thread may still be binding
            try:
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                time.sleep(0.05)
        yield client
    finally:
        child.communicate("", timeout=30)


def requests() -> Iterator[dict[str, Any]]:
    for i in range(COUNT):
        yield batch.request(
            f"req-{i}",
            model=MODEL,
            messages=[{"role": "user", "content": f"Summarise document number {i}."}],
            max_tokens=256,
        )


def test_uploading_100k_requests_stays_under_64_mb(s3: Any) -> None:
    tracemalloc.start()
    try:
        batch.upload_input(requests(), f"s3://{BUCKET}/in.jsonl", max_records=COUNT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    head = s3.head_object(Bucket=BUCKET, Key="in.jsonl")
    assert head["ContentLength"] > LIMIT // 8  # a real, multipart-sized input
    assert peak < LIMIT, f"peak {peak / 2**20:.1f} MiB"


def test_iterating_100k_results_stays_under_64_mb(s3: Any) -> None:
    with tempfile.TemporaryFile() as out:
        for i in range(COUNT):
            completion = {
                "id": f"chatcmpl-{i}",
                "object": "chat.completion",
                "created": 1,
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"Summary {i}."},
                        "finish_reason": "stop",
                    }
                ],
            }
            line = {
                "id": f"batch_req_{i}",
                "custom_id": f"req-{i}",
                "response": {"status_code": 200, "request_id": "r", "body": completion},
                "error": None,
            }
            out.write(json.dumps(line).encode() + b"\n")
        out.seek(0)
        s3.upload_fileobj(out, BUCKET, "jobs/batch_1/in.jsonl.out")
    job = _Batch()
    tracemalloc.start()
    try:
        count = sum(1 for result in batch.iter_results(None, job) if result.ok)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == COUNT
    assert peak < LIMIT, f"peak {peak / 2**20:.1f} MiB"


class _Batch:
    """The fields of a finished ``Batch`` that iter_results reads."""

    id = "batch_1"
    input_file_id = f"s3://{BUCKET}/jobs/in.jsonl"
    output_file_id = None
    error_file_id = None
