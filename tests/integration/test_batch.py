"""Bedrock batch inference end to end: the raw Batch API through our clients, the
``openai_bedrock.batch`` helpers, and the emulator's batch routes, with moto for S3."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import openai
import pytest
from moto import mock_aws

import openai_bedrock
from openai_bedrock import batch
from openai_bedrock.testing import BedrockEmulator
from support import http_lib, raised

pytestmark = pytest.mark.usefixtures("shared_botocore_data")

ROLE = "arn:aws:iam::123456789012:role/BedrockBatchRole"
MODEL = "openai.gpt-oss-20b-1:0"
BUCKET = "batch-bucket"


class refused:
    """``pytest.raises`` for a refusal before sending: openai 1.x wraps errors raised in
    the transport in APIConnectionError (ours is the cause); 2.x and 3.x do not."""

    def __init__(self, cls: type[BaseException], match: str) -> None:
        self.cls, self.match = cls, match

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        assert exc is not None, f"{self.cls.__name__} was not raised"
        found = raised(exc, self.cls)
        assert re.search(self.match, str(found)), str(found)
        return True


def lines(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        batch.request(f"r{i}", model=MODEL, messages=[{"role": "user", "content": f"question {i}"}])
        for i in range(start, start + count)
    ]


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[tuple[Any, Any]]:
    """moto's S3 and one boto3 client for the module: building a client costs ~0.2 s."""
    with mock_aws() as mock:
        yield mock, boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def s3(moto_s3: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """An empty S3 with the test's bucket: moto's state is reset for every test."""
    mock, client = moto_s3
    # What mock_aws sets when it starts, which conftest.py's clean environment removed.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "FOOBARKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "FOOBARSECRET")
    mock.reset()
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def emulator(s3: Any) -> Iterator[BedrockEmulator]:
    with BedrockEmulator(s3=s3) as emu:
        yield emu


def client_kwargs(emu: BedrockEmulator, auth: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"base_url": emu.base_url, "region": emu.region}
    if auth == "api_key":
        kwargs["api_key"] = emu.api_key
    else:
        kwargs.update(access_key_id=emu.access_key_id, secret_access_key=emu.secret_access_key)
    return kwargs


def put_input(s3: Any, key: str, records: list[Any]) -> str:
    body = "".join(json.dumps(r) + "\n" for r in records)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"s3://{BUCKET}/{key}"


# --- batch_headers -------------------------------------------------------------------


def test_batch_headers_fill_the_required_and_optional_headers() -> None:
    headers = openai_bedrock.batch_headers(
        ROLE, MODEL, output_kms_key_id="alias/batch-out", tags={"team": "ml"}
    )
    assert headers == {
        "X-Amzn-Bedrock-RoleArn": ROLE,
        "X-Amzn-Bedrock-ModelId": MODEL,
        "X-Amzn-Bedrock-OutputEncryptionKeyId": "alias/batch-out",
        "X-Amzn-Bedrock-Tags": '{"team":"ml"}',
    }
    assert openai_bedrock.batch_headers(role_arn=ROLE, model=MODEL) == {
        "X-Amzn-Bedrock-RoleArn": ROLE,
        "X-Amzn-Bedrock-ModelId": MODEL,
    }


@pytest.mark.parametrize(
    ("role", "model", "named"),
    [
        ("BedrockBatchRole", MODEL, "role_arn"),
        ("arn:aws:iam::123:role/x", MODEL, "role_arn"),
        ("arn:aws:s3:::bucket", MODEL, "role_arn"),
        (ROLE, "", "model"),
        (ROLE, "openai gpt", "model"),
        (ROLE, "model\r\nX-Evil: 1", "model"),
    ],
)
def test_batch_headers_refuse_bad_shapes(role: str, model: str, named: str) -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match=named):
        openai_bedrock.batch_headers(role, model)


def test_batch_headers_refuse_bad_tags_and_kms_key() -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match="tags"):
        openai_bedrock.batch_headers(ROLE, MODEL, tags={"team": 1})  # type: ignore[dict-item]
    with pytest.raises(openai_bedrock.ConfigurationError, match="output_kms_key_id"):
        openai_bedrock.batch_headers(ROLE, MODEL, output_kms_key_id="bad key")


# --- the raw API through our clients ---------------------------------------------------


@pytest.mark.parametrize("auth", ["sigv4", "api_key"])
def test_raw_batch_api_sync(emulator: BedrockEmulator, s3: Any, auth: str) -> None:
    uri = put_input(s3, "jobs/in.jsonl", [*lines(3), {"custom_id": "bad", "method": "GET"}])
    with openai_bedrock.create_client(**client_kwargs(emulator, auth)) as client:
        job = client.batches.create(
            input_file_id=uri,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers=openai_bedrock.batch_headers(role_arn=ROLE, model=MODEL),
        )
        assert job.status == "validating"
        assert client.batches.retrieve(job.id).status == "validating"
        assert emulator.batches is not None
        emulator.batches.advance()
        assert client.batches.retrieve(job.id).status == "in_progress"
        emulator.batches.advance()
        assert client.batches.retrieve(job.id).status == "finalizing"
        emulator.batches.advance()
        done = client.batches.retrieve(job.id)
        assert done.status == "completed"
        assert done.request_counts is not None
        assert (done.request_counts.total, done.request_counts.failed) == (4, 1)
        assert [b.id for b in client.batches.list(limit=5)] == [job.id]
    expected = "sigv4" if auth == "sigv4" else "bearer"
    assert all(r.verdict == "ok" and r.auth == expected for r in emulator.requests)
    out = s3.get_object(Bucket=BUCKET, Key=f"jobs/{job.id}/in.jsonl.out")["Body"].read()
    err = s3.get_object(Bucket=BUCKET, Key=f"jobs/{job.id}/in.jsonl.err")["Body"].read()
    assert len(out.splitlines()) == 3
    assert json.loads(err)["custom_id"] == "bad"


@pytest.mark.parametrize("auth", ["sigv4", "api_key"])
async def test_raw_batch_api_async_with_cancel(
    emulator: BedrockEmulator, s3: Any, auth: str
) -> None:
    uri = put_input(s3, "in.jsonl", lines(2))
    client = openai_bedrock.create_async_client(
        **client_kwargs(emulator, auth),
        transport=http_lib.AsyncHTTPTransport(limits=http_lib.Limits(max_keepalive_connections=0)),
    )
    job = await client.batches.create(
        input_file_id=uri,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
    )
    cancelling = await client.batches.cancel(job.id)
    assert cancelling.status == "cancelling"
    assert emulator.batches is not None
    emulator.batches.advance()
    assert (await client.batches.retrieve(job.id)).status == "cancelled"
    page = await client.batches.list()
    assert [b.id for b in page.data] == [job.id]


def test_emulator_checks_batch_signatures(emulator: BedrockEmulator, s3: Any) -> None:
    kwargs = client_kwargs(emulator, "sigv4")
    kwargs["secret_access_key"] = "not-the-secret"
    with (
        openai_bedrock.create_client(**kwargs, max_retries=0) as client,
        pytest.raises(openai.PermissionDeniedError, match="signature"),
    ):
        client.batches.list()
    assert emulator.requests[-1].verdict != "ok"


def test_emulator_requires_the_batch_headers_on_the_wire(emulator: BedrockEmulator) -> None:
    # Sent raw (not through our client, which refuses it first) to check the emulator.
    reply = emulator.handle(
        "POST",
        "/openai/v1/batches",
        [("Authorization", f"Bearer {emulator.api_key}"), ("Content-Type", "application/json")],
        b'{"input_file_id":"s3://b/in.jsonl","endpoint":"/v1/chat/completions","completion_window":"24h"}',
    )
    assert reply.status == 400


# --- refusals before sending -----------------------------------------------------------


@pytest.mark.parametrize("auth", ["sigv4", "api_key"])
def test_create_without_headers_is_refused_before_sending(
    emulator: BedrockEmulator, auth: str
) -> None:
    with openai_bedrock.create_client(**client_kwargs(emulator, auth)) as client:
        with refused(openai_bedrock.BatchHeadersMissingError, "batch_headers"):
            client.batches.create(
                input_file_id="s3://b/in.jsonl",
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
        with refused(openai_bedrock.BatchHeadersMissingError, "ModelId"):
            client.batches.create(
                input_file_id="s3://b/in.jsonl",
                endpoint="/v1/chat/completions",
                completion_window="24h",
                extra_headers={"X-Amzn-Bedrock-RoleArn": ROLE},
            )
    assert emulator.requests == []


async def test_async_create_without_headers_is_refused_before_sending(
    emulator: BedrockEmulator,
) -> None:
    client = openai_bedrock.create_async_client(**client_kwargs(emulator, "sigv4"))
    with refused(openai_bedrock.BatchHeadersMissingError, "batch_headers"):
        await client.batches.create(
            input_file_id="s3://b/in.jsonl",
            endpoint="/v1/chat/completions",
            completion_window="24h",
        )
    await client.close()
    assert emulator.requests == []


@pytest.mark.parametrize("auth", ["sigv4", "api_key"])
def test_batch_calls_on_mantle_are_refused_naming_runtime(auth: str) -> None:
    with BedrockEmulator(endpoint="mantle") as emu:
        kwargs = client_kwargs(emu, auth)
        with openai_bedrock.create_client(**kwargs, endpoint="mantle") as client:
            with refused(openai_bedrock.BatchEndpointError, "bedrock-runtime"):
                client.batches.list()
            with refused(openai_bedrock.BatchEndpointError, "runtime"):
                client.batches.create(
                    input_file_id="s3://b/in.jsonl",
                    endpoint="/v1/chat/completions",
                    completion_window="24h",
                    extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
                )
        assert emu.requests == []


def test_chat_completions_still_work_beside_batches(emulator: BedrockEmulator) -> None:
    with openai_bedrock.create_client(**client_kwargs(emulator, "sigv4")) as client:
        reply = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content == "hi"


# --- openai_bedrock.batch ------------------------------------------------------------


def test_upload_wait_and_results_sync(emulator: BedrockEmulator, s3: Any) -> None:
    uri = batch.upload_input(lines(120), f"s3://{BUCKET}/jobs/in.jsonl")
    assert uri == f"s3://{BUCKET}/jobs/in.jsonl"
    assert emulator.batches is not None
    engine = emulator.batches
    seen: list[str] = []

    def tick(job: Any) -> None:
        seen.append(job.status)
        engine.advance()

    with openai_bedrock.create_client(**client_kwargs(emulator, "sigv4")) as client:
        job = client.batches.create(
            input_file_id=uri,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
        )
        done = batch.wait(client, job.id, progress=tick, sleep=lambda _s: None)
        assert done.status == "completed"
        assert seen == ["validating", "in_progress", "finalizing", "completed"]
        results = list(batch.iter_results(client, job.id))
    assert len(results) == 120
    first = results[0]
    assert first.ok
    assert first.custom_id == "r0"
    assert first.completion is not None
    assert first.completion.choices[0].message.content == "question 0"


async def test_upload_await_and_results_async_api_key(emulator: BedrockEmulator, s3: Any) -> None:
    uri = batch.upload_input(lines(3), f"s3://{BUCKET}/a/in.jsonl", min_records=1)
    assert emulator.batches is not None
    engine = emulator.batches

    async def tick(_seconds: float) -> None:
        engine.advance()

    client = openai_bedrock.create_async_client(
        **client_kwargs(emulator, "api_key"),
        transport=http_lib.AsyncHTTPTransport(limits=http_lib.Limits(max_keepalive_connections=0)),
    )
    job = await client.batches.create(
        input_file_id=uri,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
    )
    done = await batch.await_batch(client, job.id, progress=False, sleep=tick)
    assert done.status == "completed"
    ids = [r.custom_id for r in batch.iter_results(None, done)]
    assert sorted(ids) == ["r0", "r1", "r2"]


def test_wait_times_out_naming_the_batch(emulator: BedrockEmulator, s3: Any) -> None:
    uri = put_input(s3, "in.jsonl", lines(1))
    with openai_bedrock.create_client(**client_kwargs(emulator, "sigv4")) as client:
        job = client.batches.create(
            input_file_id=uri,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
        )
        with pytest.raises(openai_bedrock.BatchTimeoutError, match=job.id):
            batch.wait(client, job.id, timeout=0, progress=False, sleep=lambda _s: None)


def test_failed_lines_come_back_as_errors(emulator: BedrockEmulator, s3: Any) -> None:
    bad = batch.request("t", model=MODEL, messages=[{"role": "user", "content": "x"}], tools=[])
    uri = put_input(s3, "mixed.jsonl", [*lines(2), bad])
    assert emulator.batches is not None
    with openai_bedrock.create_client(**client_kwargs(emulator, "sigv4")) as client:
        job = client.batches.create(
            input_file_id=uri,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers=openai_bedrock.batch_headers(ROLE, MODEL),
        )
        emulator.batches.run()
        results = {r.custom_id: r for r in batch.iter_results(client, job.id)}
    assert results["r0"].ok
    assert results["r1"].ok
    assert not results["t"].ok
    assert results["t"].error is not None
    assert "tools" in results["t"].error["message"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (lines(2) + lines(1), "custom_id 'r0' is used twice"),
        ([*lines(1), {**lines(1, 5)[0], "url": "/v1/responses"}], "Request 2: url"),
        ([*lines(1), {**lines(1, 5)[0], "method": "GET"}], "Request 2: method"),
        ([batch.request("x", model=MODEL, messages=[])], "messages"),
        ([batch.request("x", messages=[{"role": "user", "content": "q"}])], "model"),
        (
            [
                batch.request(
                    "x",
                    model=MODEL,
                    messages=[{"role": "user", "content": "q"}],
                    response_format={"type": "json_object"},
                )
            ],
            "response_format",
        ),
        (["not an object"], "JSON object"),
    ],
)
def test_upload_refuses_bad_lines_and_uploads_nothing(
    s3: Any, records: list[Any], message: str
) -> None:
    with pytest.raises(openai_bedrock.BatchInputError, match=message):
        batch.upload_input(records, f"s3://{BUCKET}/in.jsonl", min_records=1)
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_upload_checks_record_and_size_limits(s3: Any) -> None:
    uri = f"s3://{BUCKET}/in.jsonl"
    with pytest.raises(openai_bedrock.BatchInputError, match="at least 100"):
        batch.upload_input(lines(99), uri)
    with pytest.raises(openai_bedrock.BatchInputError, match="More than 10 requests"):
        batch.upload_input(lines(11), uri, min_records=1, max_records=10)
    with pytest.raises(openai_bedrock.BatchInputError, match="exceeds 500 bytes"):
        batch.upload_input(lines(10), uri, min_records=1, max_bytes=500)
    with pytest.raises(openai_bedrock.ConfigurationError, match="jsonl"):
        batch.upload_input(lines(1), f"s3://{BUCKET}/in.txt", min_records=1)
    with pytest.raises(openai_bedrock.ConfigurationError, match="S3 URI"):
        batch.upload_input(lines(1), "/tmp/in.jsonl", min_records=1)
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
