"""How the emulator frames an answer: the headers each endpoint sends (its request id
header and form), JSON, event-stream and error replies, and bedrock-runtime's HTTP-200
envelope for paths it does not serve. Bodies come from ``_shapes``."""

from __future__ import annotations

import datetime as dt
import email.utils
import uuid
from typing import Any

from . import _shapes as shapes
from ._exchange import EmulatedRequest, Endpoint, Reply


def headers(
    endpoint: Endpoint, record: EmulatedRequest, now: dt.datetime, content_type: str
) -> list[tuple[str, str]]:
    """The reply's headers; gives ``record`` its request id."""
    found = [
        ("Date", email.utils.format_datetime(now, usegmt=True)),
        ("Content-Type", content_type),
    ]
    if endpoint == "mantle":
        # mantle sends the same req_ id twice (docs/wire.md, "Error shapes").
        record.request_id = f"req_{uuid.uuid4().hex}"
        found += [
            ("x-amzn-requestid", record.request_id),
            ("x-request-id", record.request_id),
        ]
    else:
        record.request_id = str(uuid.uuid4())
        found.append(("x-amzn-RequestId", record.request_id))
    return found


def json_reply(endpoint: Endpoint, record: EmulatedRequest, now: dt.datetime, value: Any) -> Reply:
    record.status = 200
    return Reply(200, headers(endpoint, record, now, "application/json"), shapes.dumps(value))


def event_stream(
    endpoint: Endpoint, record: EmulatedRequest, now: dt.datetime, frames: list[bytes]
) -> Reply:
    record.status = 200
    return Reply(200, headers(endpoint, record, now, "text/event-stream"), frames=frames)


def error_reply(
    endpoint: Endpoint, record: EmulatedRequest, error: shapes.ErrorReply, now: dt.datetime
) -> Reply:
    record.verdict, record.status = error.code, error.status
    found = headers(endpoint, record, now, "application/json")
    if error.aws:
        found.append(("x-amzn-ErrorType", error.error_type))
    return Reply(error.status, found, error.content)


def unknown_operation_envelope(
    endpoint: Endpoint, record: EmulatedRequest, now: dt.datetime
) -> Reply:
    """bedrock-runtime's answer to a path it does not serve: HTTP 200 and a Coral
    envelope (docs/wire.md, "Unserved paths")."""
    record.verdict = "UnknownOperationException"
    record.status = 200
    found = headers(endpoint, record, now, "application/json")
    return Reply(200, found, shapes.dumps(shapes.UNKNOWN_OPERATION_ENVELOPE))
