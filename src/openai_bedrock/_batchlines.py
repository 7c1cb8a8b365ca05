"""What a line of a Bedrock batch input must be: shared by ``openai_bedrock.batch``
(which checks before uploading) and the emulator (which refuses like Bedrock).

Line format: OpenAI's "Prepare your batch file" (``custom_id``, ``method``, ``url``,
``body``), which Bedrock's OpenAI Batch API follows
(https://docs.aws.amazon.com/bedrock/latest/userguide/inference-openai-batch.html).
Tool calling and ``response_format`` are not supported in batch (AWS sample notebook,
docs/wire.md section 10.1).
"""

from __future__ import annotations

from typing import Any, Optional

CHAT_URL = "/v1/chat/completions"
UNSUPPORTED = ("tools", "tool_choice", "functions", "function_call", "response_format")


def problem_of(line: Any) -> Optional[str]:
    """Why Bedrock would refuse this request line, or None if it is acceptable."""
    if not isinstance(line, dict):
        return "a line must be a JSON object"
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return "custom_id must be a non-empty string"
    if line.get("method") != "POST":
        return f"method must be 'POST', not {line.get('method')!r}"
    if line.get("url") != CHAT_URL:
        return f"url must be {CHAT_URL!r}, not {line.get('url')!r}"
    body = line.get("body")
    if not isinstance(body, dict):
        return "body must be a JSON object (a Chat Completions request)"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "body.model must be a non-empty string"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "body.messages must be a non-empty list"
    if body.get("stream"):
        return "body.stream is not supported in batch"
    unsupported = [key for key in UNSUPPORTED if key in body]
    if unsupported:
        return f"Bedrock batch does not support {', '.join(unsupported)}"
    return None
