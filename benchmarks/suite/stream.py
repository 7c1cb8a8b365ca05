"""2. Time to the first streamed chunk."""

from __future__ import annotations

import random
from typing import Any

import openai

import openai_bedrock

from .fixtures import ACCESS_KEY_ID, API_KEY, MESSAGES, MODEL, REGION, SECRET_ACCESS_KEY, http
from .sampling import _interleaved, _summarise
from .servers import _CLOCK, LocalServer


class _SendClock(http.BaseTransport):
    """The network transport, noting when a request is handed to it."""

    def __init__(self) -> None:
        self.inner = http.HTTPTransport()
        self.sent = 0

    def handle_request(self, request: http.Request) -> http.Response:
        self.sent = _CLOCK()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def bench_stream(samples_per_variant: int, rng: random.Random) -> dict[str, Any]:
    """Time to the first chunk in user code, from three starting points:

    - the server's send of that chunk (stamped into it): the way back alone, where
      buffering would show ("nothing buffered"), and the figure the target reads;
    - the request's send (handed to the network transport, after the client's own
      work, signing included), which adds writing the request and the server's turn;
    - calling ``create(stream=True)``, which adds the per-call cost measured in 1.
    """
    with LocalServer("stream") as server:
        clocks = {
            name: _SendClock() for name in ("plain openai, API key", "ours, API key", "ours, SigV4")
        }
        clients = {
            "plain openai, API key": openai.OpenAI(
                api_key=API_KEY,
                base_url=server.url,
                http_client=openai.DefaultHttpxClient(transport=clocks["plain openai, API key"]),
            ),
            "ours, API key": openai_bedrock.create_client(
                region=REGION,
                base_url=server.url,
                api_key=API_KEY,
                transport=clocks["ours, API key"],
            ),
            "ours, SigV4": openai_bedrock.create_client(
                region=REGION,
                base_url=server.url,
                access_key_id=ACCESS_KEY_ID,
                secret_access_key=SECRET_ACCESS_KEY,
                transport=clocks["ours, SigV4"],
            ),
        }
        from_request: dict[str, list[float]] = {name: [] for name in clients}
        from_create: dict[str, list[float]] = {name: [] for name in clients}

        def first_chunk(name: str) -> float:
            create = clients[name].chat.completions.create
            start = _CLOCK()
            stream = create(model=MODEL, messages=MESSAGES, stream=True)
            chunk = next(iter(stream))
            end = _CLOCK()
            stream.close()
            sent = int(chunk.id.rpartition("-")[2])
            if not start < sent < end:
                raise RuntimeError(f"the chunk's send time {sent} is not within this call")
            from_create[name].append((end - start) / 1e3)
            from_request[name].append((end - clocks[name].sent) / 1e3)
            return (end - sent) / 1e3

        for name in clients:
            for _ in range(5):
                first_chunk(name)
        for values in (*from_request.values(), *from_create.values()):
            values.clear()
        samples = _interleaved(list(clients), first_chunk, samples_per_variant, rng)
    baseline = "plain openai, API key"
    return {
        "unit": "microseconds to the first chunk in user code",
        "variants": _summarise(samples, dict.fromkeys(samples, baseline)),
        "from_request": _summarise(from_request, dict.fromkeys(from_request, baseline)),
        "from_create": _summarise(from_create, dict.fromkeys(from_create, baseline)),
    }
