"""The per-request header helpers: the fast path (httpx's internal header list) and
the public-API fallback give the same requests, and a copy never writes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openai_bedrock import _headers
from support import http_lib

DROPPED = frozenset({b"authorization", b"x-amz-date"})


@pytest.fixture(params=[True, False], ids=["fast path", "public API"])
def fast(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(_headers, "FAST", request.param)
    return bool(request.param)


def sdk_request(**kwargs: object) -> http_lib.Request:
    return http_lib.Request(
        "POST",
        "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions?a=b",
        headers=[
            ("Authorization", "Bearer placeholder"),
            ("X-Amz-Date", "20200101T000000Z"),
            ("Content-Type", "application/json"),
            ("x-multi", "1"),
            ("X-Multi", "2"),
        ],
        extensions={"timeout": {"read": 1.0}},
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_installed_httpx_takes_the_fast_path() -> None:
    assert _headers.FAST, "httpx changed how it stores headers: the fallback is in use"


def test_a_copy_has_the_same_request_less_the_dropped_headers(fast: bool) -> None:
    original = sdk_request(content=b'{"model": "m"}')
    copy = _headers.copy_request(original, DROPPED)
    assert copy is not original
    assert copy.headers is not original.headers
    assert (copy.method, copy.url) == (original.method, original.url)
    assert copy.read() == original.content == b'{"model": "m"}'
    kept = [
        (k, v)
        for k, v in original.headers.multi_items()
        if k not in ("authorization", "x-amz-date")
    ]
    assert copy.headers.multi_items() == kept
    assert ("x-multi", "2") in kept
    assert len(kept) == len(original.headers.multi_items()) - 2
    assert copy.extensions == original.extensions
    assert copy.extensions is not original.extensions


def test_headers_added_to_a_copy_never_reach_the_original(fast: bool) -> None:
    original = sdk_request(content=b"{}")
    before = original.headers.multi_items()
    copy = _headers.copy_request(original, DROPPED)
    _headers.extend_raw(copy.headers, [(b"Authorization", b"authorization", b"AWS4 sig")])
    copy.extensions["added"] = True
    assert copy.headers["authorization"] == "AWS4 sig"
    assert list(_headers.names(copy.headers))[-1] == b"authorization"
    assert original.headers.multi_items() == before
    assert "added" not in original.extensions
    assert _headers.value_encoding(copy.headers) in ("utf-8", "ascii")


def test_a_streamed_body_is_read_once_through_the_copy(fast: bool) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"a":'
        yield b"1}"

    original = sdk_request(content=chunks())
    copy = _headers.copy_request(original, DROPPED)
    assert copy.read() == b'{"a":1}'
    assert copy.content == b'{"a":1}'
    assert [(k, v) for k, _, v in _headers.raw_items(copy.headers)] == copy.headers.raw
