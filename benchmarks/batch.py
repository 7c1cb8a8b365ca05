"""Batch helpers' throughput: lines per second for ``batch.upload_input`` (check +
write + multipart upload) and ``batch.iter_results`` (stream + parse to ChatCompletion),
against a moto S3 server in a child process on loopback (so S3's own work is not
counted as ours, though it shares the machine).

    python benchmarks/batch.py [--count 100000]

Needs ``openai-bedrock[batch]`` and ``moto[s3,server]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import boto3

from openai_bedrock import batch

MODEL = "openai.gpt-oss-20b-1:0"
_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]))
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
"""


def requests(count: int) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield batch.request(
            f"req-{i}",
            model=MODEL,
            messages=[{"role": "user", "content": f"Summarise document number {i}."}],
            max_tokens=256,
        )


def output_file(count: int) -> Any:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
    for i in range(count):
        body = {
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
            "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
        }
        line = {
            "id": f"batch_req_{i}",
            "custom_id": f"req-{i}",
            "response": {"status_code": 200, "request_id": "r", "body": body},
            "error": None,
        }
        handle.write(json.dumps(line).encode() + b"\n")
    handle.seek(0)
    return handle


class _Batch:
    id = "batch_1"
    input_file_id = "s3://bench/jobs/in.jsonl"
    output_file_id = None
    error_file_id = None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
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
        os.environ.update(
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{port}",
        )
        s3 = boto3.client("s3")
        for _ in range(100):
            try:
                s3.create_bucket(Bucket="bench")
                break
            except Exception:
                time.sleep(0.05)

        tracemalloc.start()
        start = time.perf_counter()
        batch.upload_input(requests(count), "s3://bench/jobs/in.jsonl", max_records=count)
        upload = time.perf_counter() - start
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # Untraced runs for the rate (tracemalloc slows Python code several times).
        start = time.perf_counter()
        batch.upload_input(requests(count), "s3://bench/jobs/in.jsonl", max_records=count)
        upload = time.perf_counter() - start

        with output_file(count) as handle:
            s3.upload_fileobj(handle, "bench", "jobs/batch_1/in.jsonl.out")
        tracemalloc.start()
        sum(1 for _ in batch.iter_results(None, _Batch()))  # type: ignore[arg-type]
        _, read_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        read = sum(1 for _ in batch.iter_results(None, _Batch()))  # type: ignore[arg-type]
        results = time.perf_counter() - start
        assert read == count
    finally:
        child.communicate("", timeout=30)
    print(f"upload_input:  {count / upload:10,.0f} lines/s  (peak {upload_peak / 2**20:.1f} MiB)")
    print(f"iter_results:  {count / results:10,.0f} lines/s  (peak {read_peak / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
