"""Bedrock's OpenAI Batch API for ``BedrockEmulator``: the ``/openai/v1/batches`` routes
on runtime, jobs that read their input from S3 and write the output beside it.

Wire facts: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-openai-batch.html
(docs/wire.md section 10.1). Status names and the batch object follow OpenAI's Batch
API (https://platform.openai.com/docs/api-reference/batch/object); Bedrock does not list
its statuses (INFERRED to be OpenAI's).

Time is the test's: a job moves one step of the lifecycle per ``advance()``
(validating -> in_progress -> finalizing -> completed; cancelling -> cancelled), so
tests never sleep. S3 is whatever boto3 client the test gives (moto's mock or server).
"""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional, Protocol

from .._batchlines import problem_of
from .._batchwire import MODEL_ID_HEADER, ROLE_ARN_HEADER
from . import _shapes as shapes
from ._exchange import EmulatedRequest, Rejected, Reply, ReplyFunction

if TYPE_CHECKING:
    import datetime as dt


class _Host(Protocol):
    """What the engine needs of the emulator it serves (not the emulator itself, so
    neither module imports the other)."""

    reply: Optional[ReplyFunction]

    def now(self) -> dt.datetime: ...

    def json_reply(self, record: EmulatedRequest, now: dt.datetime, value: Any) -> Reply: ...


TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_NEXT = {
    "validating": "in_progress",
    "in_progress": "finalizing",
    "finalizing": "completed",
    "cancelling": "cancelled",
}


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def output_uris(input_uri: str, batch_id: str) -> tuple[str, str]:
    """Where Bedrock writes a batch's output and errors: ``{folder}/{batch_id}/{name}.out``
    and ``.err`` beside the input (DOCUMENTED, inference-openai-batch.html)."""
    folder, _, name = input_uri.rpartition("/")
    return f"{folder}/{batch_id}/{name}.out", f"{folder}/{batch_id}/{name}.err"


class BatchEngine:
    """The emulator's batch jobs. Reach it as ``emulator.batches``."""

    def __init__(self, emulator: _Host, s3: Any) -> None:
        self._emulator = emulator
        self.s3 = s3
        self.jobs: dict[str, dict[str, Any]] = {}
        self._models: dict[str, str] = {}
        self._lock = threading.RLock()

    # --- the test's clock ----------------------------------------------------------

    def advance(self, steps: int = 1) -> None:
        """Move every unfinished job ``steps`` steps through its lifecycle."""
        for _ in range(steps):
            with self._lock:
                for batch_id in list(self.jobs):
                    self._step(batch_id)

    def run(self) -> None:
        """Advance until every job has finished."""
        while any(job["status"] not in TERMINAL for job in self.jobs.values()):
            self.advance()

    def _step(self, batch_id: str) -> None:
        job = self.jobs[batch_id]
        status = job["status"]
        if status in TERMINAL:
            return
        now = int(self._emulator.now().timestamp())
        nxt = _NEXT[status]
        if nxt == "in_progress":
            bucket, key = split_s3_uri(job["input_file_id"])
            try:
                head = self.s3.head_object(Bucket=bucket, Key=key)
            except Exception:  # botocore ClientError: not found / access denied
                job.update(status="failed", failed_at=now)
                job["errors"] = {
                    "object": "list",
                    "data": [{"code": "invalid_input_file", "message": "input not found"}],
                }
                return
            job["_size"] = head.get("ContentLength", 0)
            job["in_progress_at"] = now
        elif nxt == "finalizing":
            self._process(job)
            job["finalizing_at"] = now
        elif nxt == "completed":
            job["completed_at"] = now
        elif nxt == "cancelled":
            job["cancelled_at"] = now
        job["status"] = nxt

    def _process(self, job: dict[str, Any]) -> None:
        """Answer every line: good ones to ``.jsonl.out``, refused ones to ``.jsonl.err``.

        Both are spooled to temporary files and uploaded with boto3's managed upload,
        so memory stays flat however large the input.
        """
        bucket, key = split_s3_uri(job["input_file_id"])
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"]
        model = self._models[job["id"]]
        counts = {"total": 0, "completed": 0, "failed": 0}
        created = int(self._emulator.now().timestamp())
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            for raw in body.iter_lines():
                if not raw.strip():
                    continue
                counts["total"] += 1
                try:
                    line: Any = json.loads(raw)
                except ValueError:
                    line = None
                problem = problem_of(line) if line is not None else "the line is not JSON"
                custom_id = line.get("custom_id") if isinstance(line, dict) else None
                record_id = f"batch_req_{uuid.uuid4().hex}"
                if problem is not None:
                    counts["failed"] += 1
                    err.write(
                        shapes.dumps(
                            {
                                "id": record_id,
                                "custom_id": custom_id,
                                "response": None,
                                "error": {"code": "invalid_request", "message": problem},
                            }
                        )
                        + b"\n"
                    )
                    continue
                counts["completed"] += 1
                out.write(shapes.dumps(self._answer(record_id, line, model, created)) + b"\n")
            for handle, uri in ((out, job["output_file_id"]), (err, job["error_file_id"])):
                handle.seek(0)
                out_bucket, out_key = split_s3_uri(uri)
                self.s3.upload_fileobj(handle, out_bucket, out_key)
        job["request_counts"] = counts

    def _answer(
        self, record_id: str, line: dict[str, Any], model: str, created: int
    ) -> dict[str, Any]:
        body = line["body"]
        reply: Callable[[dict[str, Any]], Any] = self._emulator.reply or _echo
        result = reply(body)
        fields = result if isinstance(result, dict) else {"content": result}
        fields = dict(fields)
        finish = fields.pop("finish_reason", "stop")
        completion = shapes.chat_completion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            model=model,
            content=fields.pop("content", None),
            created=created,
            message=fields,
            finish_reason=finish,
        )
        return {
            "id": record_id,
            "custom_id": line["custom_id"],
            "response": {"status_code": 200, "request_id": str(uuid.uuid4()), "body": completion},
            "error": None,
        }

    # --- routes --------------------------------------------------------------------

    def route(self, method: str, resource: str) -> Optional[Callable[..., Reply]]:
        """The handler for ``resource`` (the path under ``/openai/v1/``), if any."""
        parts = resource.split("/")
        if parts == ["batches"]:
            return {"POST": self._create, "GET": self._list}.get(method)
        if len(parts) == 2 and method == "GET":
            return self._retrieve
        if len(parts) == 3 and parts[2] == "cancel" and method == "POST":
            return self._cancel
        return None

    def _create(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        role, model = record.header(ROLE_ARN_HEADER), record.header(MODEL_ID_HEADER)
        if not role or not model:
            raise Rejected(
                shapes.validation(
                    f"Missing required header: {ROLE_ARN_HEADER} or {MODEL_ID_HEADER}."
                )
            )
        try:
            body = json.loads(record.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise Rejected(shapes.validation("The request body must be a JSON object."))
        input_uri = body.get("input_file_id")
        if not isinstance(input_uri, str) or not input_uri.startswith("s3://"):
            raise Rejected(shapes.validation("input_file_id must be an S3 URI."))
        if body.get("endpoint") != "/v1/chat/completions":
            raise Rejected(shapes.validation("endpoint must be /v1/chat/completions."))
        if body.get("completion_window") != "24h":
            raise Rejected(shapes.validation("completion_window must be 24h."))
        batch_id = f"batch_{uuid.uuid4().hex[:24]}"
        created = int(now.timestamp())
        out_uri, err_uri = output_uris(input_uri, batch_id)
        job: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": input_uri,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": out_uri,
            "error_file_id": err_uri,
            "created_at": created,
            "in_progress_at": None,
            "expires_at": created + 24 * 3600,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        with self._lock:
            self.jobs[batch_id] = job
            self._models[batch_id] = model
        return self._emulator.json_reply(record, now, _public(job))

    def _list(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        with self._lock:
            data = [_public(job) for job in reversed(list(self.jobs.values()))]
        limit = 20
        for part in record.query.split("&"):
            name, _, value = part.partition("=")
            if name == "limit" and value.isdigit():
                limit = int(value)
        page = data[:limit]
        return self._emulator.json_reply(
            record,
            now,
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(data) > limit,
            },
        )

    def _job(self, record: EmulatedRequest) -> dict[str, Any]:
        batch_id = record.path.rstrip("/").split("/batches/", 1)[1].split("/")[0]
        job = self.jobs.get(batch_id)
        if job is None:
            raise Rejected(shapes.resource_not_found(f"Batch {batch_id} not found."))
        return job

    def _retrieve(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        with self._lock:
            return self._emulator.json_reply(record, now, _public(self._job(record)))

    def _cancel(self, record: EmulatedRequest, now: dt.datetime) -> Reply:
        with self._lock:
            job = self._job(record)
            if job["status"] in TERMINAL or job["status"] == "finalizing":
                raise Rejected(
                    shapes.validation(
                        f"Batch {job['id']} is {job['status']}; it cannot be cancelled."
                    )
                )
            if job["status"] != "cancelling":
                job["status"], job["cancelling_at"] = "cancelling", int(now.timestamp())
            return self._emulator.json_reply(record, now, _public(job))


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in job.items() if not key.startswith("_")}


def _echo(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""
