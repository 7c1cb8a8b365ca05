"""Our pure-Python SigV4 signer against botocore's SigV4Auth, on thousands of
randomized requests (seeded, so a failure reproduces): the canonical request, the
string to sign and the Authorization header must be identical, byte for byte."""

from __future__ import annotations

import datetime as dt
import random
import string
import threading
import types
from typing import Any

import pytest

from openai_bedrock import _sigv4, _sigv4_canonical

CASES = 3000
SEED = 20261124

ORIGINS = [
    "https://bedrock-runtime.us-west-2.amazonaws.com",
    "https://bedrock-mantle.eu-central-1.api.aws",
    "https://Bedrock-Runtime.US-EAST-1.amazonaws.com:443",
    "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com:8443",
    "http://localhost:8080",
    "http://127.0.0.1:80",
    "http://[::1]:9000",
    "https://vpce-0abc.bedrock-runtime.us-west-2.vpce.amazonaws.com",
]
SEGMENTS = [
    "openai",
    "v1",
    "chat",
    "completions",
    "models",
    "openai.gpt-oss-20b-1:0",
    "a:b",
    "c d",
    "c%20d",
    "x%2Fy",
    "%E2%9C%93",
    "ünï",
    "日本語",
    "\N{GRINNING FACE}",
    "!$&'()*+,;=@",
    "~tilde",
    "under_score",
    "-.",
    ".",
    "..",
    "",
    "%",
    "100%25",
    "a+b",
]
QUERY_KEYS = ["a", "b", "B", "key", "x-id", "ü", "%C3%BC", "a%20b", "a+b", "", "max_tokens"]
QUERY_VALUES = ["", "1", "2", "x y", "x+y", "x%20y", "%2B", "ünï", "=", "a=b", "~", "*", "a%2Fb"]
HEADER_NAMES = [
    "Content-Type",
    "Accept",
    "X-Amzn-Bedrock-GuardrailIdentifier",
    "x-amzn-bedrock-trace",
    "X-Custom",
    "x-custom",
    "X-Amz-Meta-Things",
    "OpenAI-Organization",
    "Date",
    # Left unsigned or overridden; they must not change the result.
    "User-Agent",
    "Content-Length",
    "Accept-Encoding",
    "Connection",
    "X-Stainless-Retry-Count",
    "traceparent",
    "X-Amz-Date",
    "X-Amz-Content-SHA256",
    "X-Amz-Security-Token",
    "Authorization",
]
HEADER_VALUES = [
    "application/json",
    "",
    " ",
    "  leading",
    "trailing  ",
    " both\tends\t ",
    "internal   run",
    "tab\t\tseparated",
    "mixed \t \t runs",
    "a,b, c",
    "ünïcödé",
    "non\xa0breaking",
    "line\x1fseparator",
    '"quoted"  value',
]
REGIONS = ["us-west-2", "us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1", "ap-south-2"]
SERVICES = ["bedrock", "bedrock-mantle", "s3-like-but-not"]


def _text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def _random_request(rng: random.Random) -> dict[str, Any]:
    path = "/" + "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.2:
        path += "/"
    if rng.random() < 0.1:
        path = path.replace("/", "//", 1)
    url = rng.choice(ORIGINS) + path
    if rng.random() < 0.6:
        pairs = []
        for _ in range(rng.randint(1, 5)):
            key = rng.choice(QUERY_KEYS)
            if rng.random() < 0.15:
                pairs.append(key)  # a key without "="
            else:
                pairs.append(f"{key}={rng.choice(QUERY_VALUES)}")
        if rng.random() < 0.2:
            pairs.append(pairs[0])  # a repeated pair
        url += "?" + "&".join(pairs)
    headers: list[tuple[str, str]] = []
    if rng.random() < 0.9:
        host = url.split("://", 1)[1].split("/", 1)[0]
        headers.append((rng.choice(["Host", "host"]), host))
    for _ in range(rng.randint(0, 10)):
        value = rng.choice(HEADER_VALUES)
        if rng.random() < 0.2:
            value = _text(rng, string.printable.strip() + "  \t", 0, 40)
        headers.append((rng.choice(HEADER_NAMES), value))
    rng.shuffle(headers)
    size = rng.choice([0, 0, 1, 17, 1000, rng.randint(0, 70_000)])
    if rng.random() < 0.002:
        size = 3 * 1024 * 1024
    body = rng.randbytes(size)
    token = rng.choice([None, "IQoJEXAMPLETOKEN" + _text(rng, string.ascii_letters, 0, 200)])
    credentials = _sigv4.FrozenCredentials(
        "AKID" + _text(rng, string.ascii_uppercase + string.digits, 12, 16),
        _text(rng, string.ascii_letters + string.digits + "+/", 40, 40),
        token,
    )
    offset = dt.timezone(dt.timedelta(minutes=rng.choice([0, 0, 60, -420, 330])))
    now = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        seconds=rng.randint(0, 10 * 365 * 86400)
    )
    return {
        "method": rng.choice(["GET", "POST", "PUT", "DELETE", "post", "Patch"]),
        "url": url,
        "headers": headers,
        "body": body,
        "credentials": credentials,
        "service": rng.choice(SERVICES),
        "region": rng.choice(REGIONS),
        "now": now.astimezone(offset),
    }


def _botocore_request(case: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The AWSRequest botocore signs for ``case``: our header selection, as the signer
    sent it to botocore before it was rewritten in pure Python."""
    from botocore.awsrequest import AWSRequest

    amz_date = case["now"].astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    added = {"X-Amz-Date": amz_date}
    if case["credentials"].token:
        added["X-Amz-Security-Token"] = case["credentials"].token
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"])
    # A caller's own X-Amz-Content-SHA256 is left out too (the transport also drops it).
    lowered_added = {name.lower() for name in added} | {"x-amz-content-sha256"}
    for name, value in case["headers"]:
        if _sigv4_canonical.is_signed(name) and name.lower() not in lowered_added:
            request.headers[name] = value
    for name, value in added.items():
        request.headers[name] = value
    request.context["timestamp"] = amz_date
    return request, added


def _botocore_building_blocks(case: dict[str, Any]) -> tuple[str, str, str]:
    from botocore.auth import SigV4Auth

    request, _ = _botocore_request(case)
    signer = SigV4Auth(case["credentials"], case["service"], case["region"])
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    signature = signer.signature(string_to_sign, request)
    signed_headers = signer.signed_headers(signer.headers_to_sign(request))
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return canonical_request, string_to_sign, authorization


def _botocore_add_auth(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """botocore's public entry point, at the case's time, on the same headers."""
    import botocore.auth
    from botocore.auth import SigV4Auth

    naive = case["now"].astimezone(dt.timezone.utc).replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: naive)
    else:  # older botocore reads datetime.datetime.utcnow() directly
        fake = types.SimpleNamespace(datetime=types.SimpleNamespace(utcnow=lambda: naive))
        monkeypatch.setattr(botocore.auth, "datetime", fake)
    request, _ = _botocore_request(case)
    del request.headers["X-Amz-Date"]  # add_auth sets it from the clock
    SigV4Auth(case["credentials"], case["service"], case["region"]).add_auth(request)
    return str(request.headers["Authorization"])


def _ours(case: dict[str, Any]) -> _sigv4.Signature:
    return _sigv4.signature(**case)


def test_our_unsigned_headers_include_botocores() -> None:
    from botocore.auth import SIGNED_HEADERS_BLACKLIST

    assert set(SIGNED_HEADERS_BLACKLIST) <= _sigv4_canonical.UNSIGNED_HEADERS


def test_randomized_requests_sign_exactly_as_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    compared_with_add_auth = 0
    for index in range(CASES):
        case = _random_request(rng)
        ours = _ours(case)
        canonical_request, string_to_sign, authorization = _botocore_building_blocks(case)
        context = f"case {index} (seed {SEED}): {case['method']} {case['url']!r}"
        assert ours.canonical_request == canonical_request, context
        assert ours.string_to_sign == string_to_sign, context
        assert ours.headers["Authorization"] == authorization, context
        assert ours.headers == _sigv4.sign(**case)
        # add_auth replaces X-Amz-Date with a Date header when one is present.
        if not any(name.lower() == "date" for name, _ in case["headers"]):
            assert ours.headers["Authorization"] == _botocore_add_auth(case, monkeypatch), context
            compared_with_add_auth += 1
    assert compared_with_add_auth > CASES // 2


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("", "/"),
        ("/", "/"),
        ("/a/./b/../c", "/a/c"),
        ("//a///b//", "/a/b/"),
        ("/../a", "/a"),
        ("/a%20b/c d", "/a%2520b/c%20d"),
        ("/ü~:@", "/%C3%BC~%3A%40"),
    ],
)
def test_canonical_uri_follows_botocore_non_s3_rules(path: str, canonical: str) -> None:
    from botocore.auth import SigV4Auth

    signer: Any = SigV4Auth(None, "bedrock", "us-west-2")
    assert signer._normalize_url_path(path) == canonical
    assert _sigv4_canonical._canonical_uri(path) == canonical


def test_header_values_are_trimmed_and_runs_collapsed() -> None:
    case = _random_request(random.Random(1))
    case.update(
        headers=[("Host", "h"), ("X-A", "  a \t  b  "), ("x-a", "c"), ("X-B", "\tx\ny ")],
        url="https://h/p",
    )
    canonical = _ours(case).canonical_request
    assert "\nx-a:a b,c\n" in canonical
    assert "\nx-b:x y\n" in canonical
    assert canonical == _botocore_building_blocks(case)[0]


def test_signing_keys_are_shared_safely_between_threads() -> None:
    rng = random.Random(SEED + 1)
    cases = [_random_request(rng) for _ in range(40)]
    expected = [_ours(case).headers for case in cases]
    _sigv4.signing_key.cache_clear()
    results: dict[int, list[dict[str, str]]] = {}
    barrier = threading.Barrier(8)

    def work(worker: int) -> None:
        barrier.wait()
        results[worker] = [_ours(case).headers for case in cases * 5]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[n] == expected * 5 for n in range(8))


def test_a_different_secret_or_day_gives_a_different_signature() -> None:
    """The comparisons above are not tautologies: the key and the date are used."""
    case = _random_request(random.Random(2))
    base = _ours(case).headers["Authorization"]
    other_secret = {**case, "credentials": case["credentials"]._replace(secret_key="x" * 40)}
    next_day = {**case, "now": case["now"] + dt.timedelta(days=1)}
    assert _ours(other_secret).headers["Authorization"] != base
    assert _ours(next_day).headers["Authorization"] != base


def test_headers_may_be_given_as_lists_or_a_generator() -> None:
    case = _random_request(random.Random(3))
    expected = _ours(case).headers
    as_lists = {**case, "headers": [[name, value] for name, value in case["headers"]]}
    as_generator = {**case, "headers": (pair for pair in case["headers"])}
    assert _ours(as_lists).headers == expected
    assert _ours(as_generator).headers == expected
