"""Test support: example credentials and a recording mock Bedrock transport."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import openai

import openai_bedrock

# The HTTP library the installed openai uses (httpx2 on 3.x, httpx on 1.x and 2.x):
# tests build requests, responses and transports with it, as users must.
http_lib: Any = openai_bedrock.http_library()

# AWS's published example credentials (not secrets; used by AWS's own SigV4 docs).
ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
API_KEY = "ABSK" + "QmVkcm9ja0FQSUtleS1leGFtcGxlLWF0LTEyMzQ1Njc4OTAxMjpleGFtcGxlc2VjcmV0"
FROZEN_TIME = dt.datetime(2026, 11, 24, 12, 0, 0, tzinfo=dt.timezone.utc)
MODEL = "openai.gpt-oss-20b-1:0"
RUNTIME_URL = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1"
MANTLE_URL = "https://bedrock-mantle.us-west-2.api.aws/v1"


# create_client or create_async_client, for tests that run against both.
Factory = Callable[..., Union[openai.OpenAI, openai.AsyncOpenAI]]


def chat_completion(content: str = "Hello! How can I help you today?") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1795521601,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }


def sse(*events: dict[str, Any]) -> bytes:
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


Reply = http_lib.Response | Callable[[http_lib.Request], http_lib.Response]


class FakeBedrock(http_lib.MockTransport):
    """A mock inner transport: records what reaches the wire, answers from a queue.

    With an empty queue it answers a chat completion. Works for sync and async clients.
    """

    def __init__(self) -> None:
        self.requests: list[http_lib.Request] = []
        self.replies: list[Reply] = []
        super().__init__(self._handle)

    def queue(self, *replies: Reply) -> FakeBedrock:
        self.replies.extend(replies)
        return self

    def _handle(self, request: http_lib.Request) -> http_lib.Response:
        request.read()
        self.requests.append(request)
        if not self.replies:
            return http_lib.Response(
                200,
                json=chat_completion(),
                headers={"x-amzn-RequestId": "req-default"},
            )
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    @property
    def last(self) -> http_lib.Request:
        return self.requests[-1]


def static_keys(**overrides: Any) -> dict[str, Any]:
    """Factory kwargs for a SigV4 client with the example credentials."""
    kwargs: dict[str, Any] = {
        "region": "us-west-2",
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
    }
    kwargs.update(overrides)
    return kwargs


def raised(exc: BaseException, cls: type[BaseException]) -> BaseException:
    """The ``cls`` error in ``exc``'s cause chain.

    openai 2.x and 3.x re-raise an OpenAIError from the transport as it is; 1.x wraps
    it in APIConnectionError (after retrying), with ours as the cause.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, cls):
            return seen
        seen = seen.__cause__
    raise AssertionError(f"no {cls.__name__} in the cause chain of {exc!r}")


async def settle(value: Any) -> Any:
    """``value``, awaited if the async client returned an awaitable."""
    return await value if inspect.isawaitable(value) else value


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for running a command: no AWS settings from this machine, empty AWS
    files under ``home``, plus ``extra``."""
    env = {k: os.environ[k] for k in ("PATH", "SYSTEMROOT", "PYTHONPATH") if k in os.environ}
    (home / ".aws").mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONIOENCODING="utf-8",
        **extra,
    )
    return env
