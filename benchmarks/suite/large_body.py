"""4. A 20 MB body: signing time, and peak extra memory while our transport handles it."""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from openai_bedrock import _sigv4
from openai_bedrock._settings import resolve_settings
from openai_bedrock._transport import BedrockTransport

from .fixtures import ACCESS_KEY_ID, REGION, RUNTIME_URL, SECRET_ACCESS_KEY, http
from .sampling import _median


def bench_large_body(size: int, repeats: int) -> dict[str, Any]:
    body = os.urandom(size)
    settings = resolve_settings(
        region=REGION, access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY
    )
    credentials = _sigv4.FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
    headers = [
        ("host", f"bedrock-runtime.{REGION}.amazonaws.com"),
        ("content-type", "application/json"),
    ]

    def ours() -> None:
        _sigv4.sign(
            method="POST",
            url=RUNTIME_URL + "/chat/completions",
            headers=headers,
            body=body,
            credentials=credentials,
            service="bedrock",
            region=REGION,
            now=_sigv4.utcnow(),
        )

    def botocore_add_auth() -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        request = AWSRequest("POST", RUNTIME_URL + "/chat/completions", dict(headers), body)
        SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "bedrock", REGION).add_auth(
            request
        )

    def timed(func: Callable[[], None]) -> float:
        values = []
        for _ in range(repeats):
            start = time.perf_counter()
            func()
            values.append((time.perf_counter() - start) * 1e3)
        return _median(values)

    def through_transport() -> int:
        transport = BedrockTransport(
            settings, inner=http.MockTransport(lambda r: http.Response(200))
        )
        request = http.Request(
            "POST", RUNTIME_URL + "/chat/completions", headers=dict(headers), content=body
        )
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        transport.handle_request(request).close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak - base

    def transport_time() -> None:
        transport = BedrockTransport(
            settings, inner=http.MockTransport(lambda r: http.Response(200))
        )
        request = http.Request(
            "POST", RUNTIME_URL + "/chat/completions", headers=dict(headers), content=body
        )
        transport.handle_request(request).close()

    extra = through_transport()
    return {
        "body_bytes": size,
        "sign_ms": timed(ours),
        "transport_ms": timed(transport_time),
        "botocore_add_auth_ms": timed(botocore_add_auth),
        "peak_extra_bytes": extra,
        "extra_copies": extra / size,
    }
