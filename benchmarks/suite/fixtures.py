"""What every measurement shares: the HTTP library, where the suite lives, and the
credentials, model and answers of the fake Bedrock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai_bedrock

# The HTTP library the installed openai builds its own clients on (httpx2 on 3.x,
# httpx on 1.x and 2.x): the baseline and our clients both use it.
http: Any = openai_bedrock.http_library()
# benchmarks/, and its entry point: worker and server processes are started as
# [sys.executable, RUN, ...], which works from any directory and in any venv.
HERE = Path(__file__).resolve().parent.parent
RUN = HERE / "run.py"
REGION = "us-west-2"
RUNTIME_URL = f"https://bedrock-runtime.{REGION}.amazonaws.com/openai/v1"
# AWS's published example credentials, not secrets.
ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWF0LTEyMzQ1Njc4OTAxMjpleGFtcGxlc2VjcmV0"
MODEL = "openai.gpt-oss-20b-1:0"
MESSAGES = [{"role": "user", "content": "Hello!"}]
COMPLETION = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1795521601,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }
).encode()
CHUNK = (
    "data: "
    + json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1795521601,
            "model": MODEL,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}],
        }
    )
    + "\n\n"
).encode()


def _reply(request: Any) -> http.Response:
    return http.Response(200, content=COMPLETION, headers={"content-type": "application/json"})
