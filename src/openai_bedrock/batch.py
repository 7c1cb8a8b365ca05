"""Bedrock batch inference in a few lines: upload the input, create, wait, read results.

    from openai_bedrock import batch, batch_headers, create_client

    client = create_client(region="us-west-2")
    uri = batch.upload_input(lines, "s3://my-bucket/jobs/in.jsonl")
    job = client.batches.create(
        input_file_id=uri, endpoint="/v1/chat/completions", completion_window="24h",
        extra_headers=batch_headers(role_arn=ROLE, model="openai.gpt-oss-20b-1:0"),
    )
    job = batch.wait(client, job.id)
    for result in batch.iter_results(client, job):
        print(result.custom_id, result.completion or result.error)

S3 goes through boto3 (``pip install 'openai-bedrock[batch]'``), imported on first use.
Wire facts: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-openai-batch.html;
limits: https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-data.html
(the quotas it names) and docs/batch.md.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from ._batchlines import CHAT_URL, problem_of
from ._errors import BatchInputError, BatchTimeoutError, ConfigurationError

if TYPE_CHECKING:
    import openai
    from openai.types import Batch
    from openai.types.chat import ChatCompletion

__all__ = [
    "MAX_BYTES",
    "MAX_RECORDS",
    "MIN_RECORDS",
    "TERMINAL",
    "BatchResult",
    "await_batch",
    "iter_results",
    "output_uris",
    "request",
    "upload_input",
    "wait",
]

# Bedrock's batch quotas ("Minimum number of records per batch inference job", "Records
# per input file per batch inference job", "Batch inference input file size") are
# named in https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-data.html
# and set per model and account in Service Quotas; the OpenAI batch page gives none.
# These defaults are INFERRED (100 minimum: also stated by third-party gateway docs;
# 50,000 records and 1 GiB: the usual defaults) -- pass your account's own values.
MIN_RECORDS = 100
MAX_RECORDS = 50_000
MAX_BYTES = 1024**3

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
# boto3 switches to a multipart upload above this; parts are this size.
_PART = 8 * 1024 * 1024


def request(custom_id: str, **body: Any) -> dict[str, Any]:
    """One input line for a Chat Completions request.

    ``request("r1", model="openai.gpt-oss-20b-1:0", messages=[...])``
    """
    return {"custom_id": custom_id, "method": "POST", "url": CHAT_URL, "body": body}


def _s3(session: Any) -> Any:
    try:
        import boto3
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ConfigurationError(
            "openai_bedrock.batch needs boto3 for S3: pip install 'openai-bedrock[batch]'."
        ) from None
    return (session or boto3.Session()).client("s3")


def _split(uri: str) -> tuple[str, str]:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ConfigurationError(f"{uri!r} is not an S3 URI; use s3://bucket/key.jsonl.")
    bucket, _, key = uri[5:].partition("/")
    if not bucket or not key:
        raise ConfigurationError(f"{uri!r} names no object; use s3://bucket/key.jsonl.")
    return bucket, key


def output_uris(input_uri: str, batch_id: str) -> tuple[str, str]:
    """Where Bedrock writes a batch's results and errors: ``{folder}/{batch_id}/{name}.out``
    and ``.err`` beside the input (inference-openai-batch.html)."""
    folder, _, name = input_uri.rpartition("/")
    return f"{folder}/{batch_id}/{name}.out", f"{folder}/{batch_id}/{name}.err"


def upload_input(
    requests: Iterable[Mapping[str, Any]],
    s3_uri: str,
    *,
    session: Any = None,
    min_records: int = MIN_RECORDS,
    max_records: Optional[int] = MAX_RECORDS,
    max_bytes: Optional[int] = MAX_BYTES,
) -> str:
    """Check every request, then upload them as JSONL to ``s3_uri``; returns the URI.

    ``requests`` may be any iterable (a generator of millions is fine): lines are
    checked and written to a temporary file (in memory up to 8 MiB, then on disk),
    and nothing reaches S3 unless every line passes; the file then goes up with
    boto3's managed (multipart) upload. Memory stays flat but for the set of
    ``custom_id``\\ s. ``session``: a ``boto3.Session`` (default: a new one).

    Raises ``BatchInputError`` naming the first bad line, a repeated ``custom_id``, or
    a record count or size outside the limits (None: unchecked).
    """
    bucket, key = _split(s3_uri)
    if not key.endswith(".jsonl"):
        raise ConfigurationError(f"{s3_uri!r}: Bedrock batch input files must end in .jsonl.")
    s3 = _s3(session)
    seen: set[str] = set()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=_PART) as spool:
        for number, line in enumerate(requests, 1):
            problem = problem_of(line)
            if problem is not None:
                raise BatchInputError(f"Request {number}: {problem}. Nothing was uploaded.")
            custom_id = line["custom_id"]
            if custom_id in seen:
                raise BatchInputError(
                    f"Request {number}: custom_id {custom_id!r} is used twice; each must be "
                    "unique. Nothing was uploaded."
                )
            seen.add(custom_id)
            if max_records is not None and len(seen) > max_records:
                raise BatchInputError(
                    f"More than {max_records} requests: over the records-per-file limit. Split "
                    "the input, or pass max_records= your account's quota. Nothing was uploaded."
                )
            encoded = json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
            size += len(encoded)
            if max_bytes is not None and size > max_bytes:
                raise BatchInputError(
                    f"The input exceeds {max_bytes} bytes: over the input file size limit. "
                    "Split it, or pass max_bytes= your account's quota. Nothing was uploaded."
                )
            spool.write(encoded)
        if len(seen) < min_records:
            raise BatchInputError(
                f"{len(seen)} requests: Bedrock batch jobs need at least {min_records} "
                "(pass min_records= if your quota differs). Nothing was uploaded."
            )
        spool.seek(0)
        from boto3.s3.transfer import TransferConfig

        # Each concurrent part is held in memory: two keep the peak near 2 parts.
        config = TransferConfig(
            multipart_threshold=_PART, multipart_chunksize=_PART, max_concurrency=2
        )
        s3.upload_fileobj(spool, bucket, key, Config=config)
    return s3_uri


# --- waiting ---------------------------------------------------------------------------

Progress = Union[None, bool, Callable[["Batch"], Any]]


class _Bar:
    """``request_counts`` as a tqdm bar on a terminal; nothing elsewhere or without tqdm."""

    def __init__(self, progress: Progress) -> None:
        self._callback = progress if callable(progress) else None
        self._bar: Any = None
        if progress is None and sys.stderr.isatty():
            try:
                from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
            except ImportError:
                return
            self._bar = tqdm(total=0, unit="req", desc="batch", file=sys.stderr)

    def update(self, job: Batch) -> None:
        if self._callback is not None:
            self._callback(job)
        if self._bar is not None:
            counts = job.request_counts
            if counts is not None:
                self._bar.total = counts.total
                self._bar.n = counts.completed + counts.failed
            self._bar.set_description(f"batch {job.status}")
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _delays(first: float, most: float) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 1.5, most)


def _timed_out(job: Batch, timeout: float) -> BatchTimeoutError:
    return BatchTimeoutError(
        f"Batch {job.id} is still {job.status} after {timeout:g} s; it keeps running. "
        "Wait again, or cancel it with client.batches.cancel()."
    )


def _next_wait(
    job: Batch, bar: _Bar, delay: float, deadline: Optional[float], timeout: Optional[float]
) -> Optional[float]:
    """After one poll (``wait`` and ``await_batch`` alike): None when the job has
    ended, else how long to sleep; raises ``BatchTimeoutError`` past the deadline."""
    bar.update(job)
    if job.status in TERMINAL:
        return None
    if deadline is None:
        return delay
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timed_out(job, timeout or 0)
    return min(delay, left)


def wait(
    client: openai.OpenAI,
    batch_id: str,
    *,
    timeout: Optional[float] = None,
    progress: Progress = None,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    sleep: Callable[[float], Any] = time.sleep,
) -> Batch:
    """Poll until the batch is completed, failed, expired or cancelled, and return it.

    Polls back off from ``poll_interval`` to ``max_interval`` seconds. ``progress``:
    None shows a bar of ``request_counts`` on a terminal (with tqdm installed),
    False shows nothing, a callable gets every polled ``Batch``. ``sleep`` is for
    tests. Raises ``BatchTimeoutError`` after ``timeout`` seconds.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    bar = _Bar(progress)
    try:
        for delay in _delays(poll_interval, max_interval):
            job = client.batches.retrieve(batch_id)
            wait_for = _next_wait(job, bar, delay, deadline, timeout)
            if wait_for is None:
                return job
            sleep(wait_for)
    finally:
        bar.close()
    raise AssertionError("unreachable")  # pragma: no cover


async def await_batch(
    client: openai.AsyncOpenAI,
    batch_id: str,
    *,
    timeout: Optional[float] = None,
    progress: Progress = None,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Batch:
    """``wait`` for an ``AsyncOpenAI`` client."""
    deadline = None if timeout is None else time.monotonic() + timeout
    bar = _Bar(progress)
    try:
        for delay in _delays(poll_interval, max_interval):
            job = await client.batches.retrieve(batch_id)
            wait_for = _next_wait(job, bar, delay, deadline, timeout)
            if wait_for is None:
                return job
            await sleep(wait_for)
    finally:
        bar.close()
    raise AssertionError("unreachable")  # pragma: no cover


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    """One request's outcome: ``completion`` when it succeeded, else ``error``
    (``{"code": ..., "message": ...}``, as Bedrock wrote it)."""

    custom_id: Optional[str]
    completion: Optional[ChatCompletion]
    error: Optional[dict[str, Any]]
    status_code: Optional[int] = None

    @property
    def ok(self) -> bool:
        return self.completion is not None


def _result(line: dict[str, Any]) -> BatchResult:
    from openai.types.chat import ChatCompletion

    custom_id = line.get("custom_id")
    response = line.get("response") or {}
    status = response.get("status_code")
    body = response.get("body")
    if line.get("error") is None and status == 200 and isinstance(body, dict):
        return BatchResult(custom_id, ChatCompletion.model_validate(body), None, status)
    error = line.get("error")
    if not isinstance(error, dict):
        detail = body.get("error") if isinstance(body, dict) else None
        error = detail if isinstance(detail, dict) else {"message": json.dumps(body)}
    return BatchResult(custom_id, None, error, status)


def _lines(s3: Any, uri: str) -> Iterator[bytes]:
    bucket, key = _split(uri)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except s3.exceptions.NoSuchKey:
        return  # Bedrock may write no error file when nothing failed (INFERRED)
    try:
        yield from body.iter_lines()
    finally:
        body.close()


def iter_results(
    client: Optional[openai.OpenAI], batch: Union[Batch, str], *, session: Any = None
) -> Iterator[BatchResult]:
    """Stream a finished batch's results from S3, one ``BatchResult`` per request.

    Reads ``.jsonl.out`` then ``.jsonl.err`` line by line (constant memory). ``batch``
    is a ``Batch`` (then ``client`` may be None, so async code can use this too) or
    its id, retrieved with ``client``.
    """
    if isinstance(batch, str):
        if client is None:
            raise ConfigurationError("iter_results needs a client to retrieve a batch by id.")
        batch = client.batches.retrieve(batch)
    out_uri, err_uri = output_uris(batch.input_file_id, batch.id)
    # Bedrock says retrieve returns "the output and error file names"; prefer them
    # when they are S3 URIs.
    if (batch.output_file_id or "").startswith("s3://"):
        out_uri = batch.output_file_id or out_uri
    if (batch.error_file_id or "").startswith("s3://"):
        err_uri = batch.error_file_id or err_uri
    s3 = _s3(session)
    for uri in (out_uri, err_uri):
        for raw in _lines(s3, uri):
            if raw.strip():
                yield _result(json.loads(raw))
