"""Read an error response's body, up to a bound.

Bedrock's error bodies are a few hundred bytes; a body far larger comes from something
else (a proxy, a misbehaving gateway, an attacker) and must not be copied whole into
the exception, and from there into logs. The first ``LIMIT`` bytes are kept and the
rest is left unread (the connection is closed, not drained).
"""

from __future__ import annotations

from ._http import http

LIMIT = 1024 * 1024


def _collect(chunks: list[bytes], chunk: bytes, size: int) -> tuple[int, bool]:
    chunks.append(chunk)
    size += len(chunk)
    return size, size > LIMIT


def _kept(chunks: list[bytes]) -> bytes:
    return b"".join(chunks)[:LIMIT]


def read(response: http.Response) -> tuple[bytes, bool]:
    """``(body prefix, truncated)``; closes ``response``."""
    chunks: list[bytes] = []
    size, over = 0, False
    try:
        for chunk in response.iter_bytes():
            size, over = _collect(chunks, chunk, size)
            if over:
                break
    finally:
        response.close()
    return _kept(chunks), over


async def aread(response: http.Response) -> tuple[bytes, bool]:
    """The async twin of ``read``."""
    chunks: list[bytes] = []
    size, over = 0, False
    try:
        async for chunk in response.aiter_bytes():
            size, over = _collect(chunks, chunk, size)
            if over:
                break
    finally:
        await response.aclose()
    return _kept(chunks), over


def note(truncated: bool) -> str | None:
    """What the error message says about a cut body."""
    if not truncated:
        return None
    return (
        f"(The error body was larger than {LIMIT // 1024 // 1024} MiB; only its first "
        f"{LIMIT // 1024 // 1024} MiB were kept, the rest was discarded.)"
    )
