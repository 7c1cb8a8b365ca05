"""What our transport costs per request, in a tight loop and inside a whole call.

``run.py`` reports the ratio of a whole ``chat.completions.create`` to a plain client's.
This script splits our share of it, for work on the request path:

- tight loop: ``BedrockTransport.handle_request`` on one request, over and over, minus
  the mock transport it wraps (``timeit``, best of 5): the code's own cost, caches warm;
- in a call: the same transport timed inside real SDK calls, minus the time spent in
  the transport it wraps. The SDK's call runs between ours and leaves the CPU caches
  cold for it, so this is what a user pays; it is 2 to 3 times the tight-loop figure.

    python benchmarks/transport_cost.py [--calls 3000]

Figures move with the machine's load by 10-20%; compare runs made one after another.
"""

from __future__ import annotations

import argparse
import time
import timeit
from typing import Any

import openai_bedrock
from openai_bedrock._http import http
from suite import fixtures as bench  # run.py's mock answer, model and credentials

_perf = time.perf_counter


class _Timed(http.BaseTransport):
    """The inner transport, with the time spent in it added up."""

    def __init__(self, inner: http.BaseTransport) -> None:
        self.inner = inner
        self.seconds = 0.0

    def handle_request(self, request: http.Request) -> http.Response:
        start = _perf()
        try:
            return self.inner.handle_request(request)
        finally:
            self.seconds += _perf() - start


class _Outer(http.BaseTransport):
    """Our transport, with the time spent in it (inner included) added up."""

    def __init__(self, ours: Any) -> None:
        self.ours = ours
        self.seconds = 0.0

    def handle_request(self, request: http.Request) -> http.Response:
        start = _perf()
        try:
            response: http.Response = self.ours.handle_request(request)
            return response
        finally:
            self.seconds += _perf() - start


def _credentials(kind: str) -> dict[str, str]:
    if kind == "API key":
        return {"api_key": bench.API_KEY}
    return {"access_key_id": bench.ACCESS_KEY_ID, "secret_access_key": bench.SECRET_ACCESS_KEY}


def in_a_call(kind: str, calls: int) -> float:
    """Microseconds of our transport's own work per call, inside SDK calls."""
    inner = _Timed(http.MockTransport(bench._reply))
    ours = openai_bedrock.create_transport(
        region=bench.REGION, transport=inner, **_credentials(kind)
    )
    outer = _Outer(ours)
    sdk = openai_bedrock.create_client(region=bench.REGION, api_key=bench.API_KEY)
    # The same SDK client a user gets, its HTTP client sending through the timed pair.
    client = sdk.with_options(http_client=http.Client(transport=outer))
    create = client.chat.completions.create
    for _ in range(300):  # warm up: imports, caches
        create(model=bench.MODEL, messages=bench.MESSAGES)
    inner.seconds = outer.seconds = 0.0
    for _ in range(calls):
        create(model=bench.MODEL, messages=bench.MESSAGES)
    return (outer.seconds - inner.seconds) / calls * 1e6


def tight_loop(kind: str) -> float:
    """Microseconds of our transport's own work per request, one request repeated."""
    mock = http.MockTransport(bench._reply)
    ours = openai_bedrock.create_transport(
        region=bench.REGION, transport=mock, **_credentials(kind)
    )
    client = openai_bedrock.create_client(region=bench.REGION, transport=mock, **_credentials(kind))
    # A request as the SDK builds it (its headers, its placeholder or key).
    request = client.chat.completions.with_raw_response.create(
        model=bench.MODEL, messages=bench.MESSAGES
    ).http_request
    body = request.content

    def fresh() -> http.Request:
        return http.Request(request.method, request.url, headers=request.headers, content=body)

    def through_ours() -> None:
        ours.handle_request(fresh())

    def mock_only() -> None:
        mock.handle_request(fresh())

    number = 20_000
    ours_us = min(timeit.repeat(through_ours, number=number, repeat=5)) / number * 1e6
    mock_us = min(timeit.repeat(mock_only, number=number, repeat=5)) / number * 1e6
    return ours_us - mock_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    print(f"{'':10s} {'tight loop':>12s} {'in a call':>12s}   (us per request, our code only)")
    for kind in ("API key", "SigV4"):
        print(f"{kind:10s} {tight_loop(kind):12.1f} {in_a_call(kind, args.calls):12.1f}")


if __name__ == "__main__":
    main()
