"""Hostile input: every setting, fuzzed. Each case ends in a working client or a clear
``openai.OpenAIError`` subclass; never another exception, a header carrying CR/LF, a
secret echoed in an error, or a request to an origin other than the one given.

``FUZZ_EXAMPLES`` sets the examples per test (CI default: 200). Each test also asserts that
a share of its inputs was accepted (``accepts_at_least``; the shares are about half of
what a run sees), so none can pass by refusing everything.
"""

from __future__ import annotations

import functools
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from typing import Any, Optional, TypeVar

import botocore.session
import openai
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import openai_bedrock
from support import ACCESS_KEY_ID, MODEL, SECRET_ACCESS_KEY, FakeBedrock, http_lib

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)

HOSTILE_CHARS = ["\r", "\n", "\r\n", "\x00", "\t", " ", "\u2028", "\u00a0", "\u200b", "\x7f", "é"]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from([*HOSTILE_CHARS, "a", "1", "-", ":", "/", "@"]), max_size=12).map(
        "".join
    ),
)


def with_hostile(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``base`` values, sometimes with hostile characters inserted at either end or inside."""
    return st.one_of(
        base,
        st.tuples(base, st.sampled_from(HOSTILE_CHARS), st.integers(0, 60)).map(
            lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
        ),
        hostile_text,
    )


def send(client: openai.OpenAI) -> None:
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def check_wire(bedrock: FakeBedrock) -> http_lib.Request:
    """The one request on the wire, with every header free of CR, LF and NUL."""
    assert len(bedrock.requests) == 1
    wire = bedrock.requests[0]
    for name, value in wire.headers.multi_items():
        assert not re.search(r"[\r\n\x00]", name + value), (name, value)
    return wire


# What each generated input came to (True: accepted), for the running test.
OUTCOMES: list[bool] = []
Test = TypeVar("Test", bound=Callable[..., None])


def accepts_at_least(share: float) -> Callable[[Test], Test]:
    """Fail unless at least ``share`` of the generated inputs were accepted (recorded with
    ``accepted``/``refused``): a test that refused every input would prove nothing about
    the inputs that work. Goes above ``@FUZZ``/``@given``, so it sees every example."""

    def decorate(test: Test) -> Test:
        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> None:
            OUTCOMES.clear()
            test(*args, **kwargs)
            took = OUTCOMES.count(True)
            assert OUTCOMES, "no input was tried"
            assert took >= share * len(OUTCOMES), (
                f"only {took} of {len(OUTCOMES)} generated inputs were accepted"
            )

        return run  # type: ignore[return-value]

    return decorate


def accepted() -> None:
    OUTCOMES.append(True)
    event("accepted")


def refused(exc: BaseException) -> None:
    OUTCOMES.append(False)
    event(f"refused: {type(exc).__name__}")


def build(bedrock: FakeBedrock, **kwargs: Any) -> Optional[openai.OpenAI]:
    """The client, or None after a clear error; any other exception fails the test."""
    try:
        client = openai_bedrock.create_client(transport=bedrock, max_retries=0, **kwargs)
    except openai.OpenAIError as exc:
        assert str(exc).strip(), "an error must say what was wrong"  # noqa: PT017
        refused(exc)
        return None
    accepted()
    return client


STATIC = {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}

# -- base URLs ------------------------------------------------------------------------------


def mostly(valid: str, *others: str) -> st.SearchStrategy[str]:
    """``valid`` about three times in four, else one of ``others``: hostile, but not always.
    (``st.one_of`` of equal strategies would not weight: it draws among distinct ones.)"""
    return st.sampled_from([valid] * (3 * len(others)) + list(others))


schemes = mostly("https", "http", "HTTPS", "ftp", "", "javascript", "https:")
userinfo = mostly("", "user@", "user:hunter2pass@", "a%40b:c@", ":@", "@")
valid_hosts = st.sampled_from(
    [
        "bedrock-runtime.us-west-2.amazonaws.com",
        "bedrock-mantle.us-west-2.api.aws",
        "127.0.0.1",
        "localhost",
        "proxy.internal.example",
    ]
)
hosts = st.one_of(
    valid_hosts,
    st.sampled_from(
        [
            "bedrock-runtime.us-west-2.amazonaws.com",
            "bedrock-mantle.eu-central-1.api.aws",
            "bedrock-runtime-fips.us-east-1.amazonaws.com",
            "vpce-1.bedrock-runtime.us-west-2.vpce.amazonaws.com",
            "127.0.0.1",
            "localhost",
            "[::1]",
            "[::1",
            "bédrock-runtime.us-west-2.amazonaws.com",
            "xn--bdrock-runtime-bkb.example",
            "evil.example\\@bedrock-runtime.us-west-2.amazonaws.com",
            "bedrock-runtime.us-west-2.amazonaws.com.evil.example",
            "Bedrock-Runtime.US-WEST-2.amazonaws.com",
            "",
            "%62edrock.example",
            "ex ample.com",
            "example.com\r\nX-Injected: 1",
        ]
    ),
    st.text(max_size=20),
)
ports = mostly("", ":443", ":8443", ":0", ":65535", ":65536", ":-1", ":abc", ":", ":٣")
paths = mostly("/openai/v1", "/v1", "", "/", "/openai/v1/", "/a b", "/%0d%0a", "/../v1")
suffixes = mostly("", "?q=1", "#frag", "?", "#", "\r\nX-Injected: yes", "\n", " ")
urls = st.one_of(
    st.builds(
        lambda s, u, h, p, pa, x: f"{s}://{u}{h}{p}{pa}{x}",
        schemes,
        userinfo,
        hosts,
        ports,
        paths,
        suffixes,
    ),
    hostile_text,
)


def origin(url: http_lib.URL) -> tuple[str, bytes, int]:
    default = {"https": 443, "http": 80}[url.scheme]
    return url.scheme, url.raw_host.lower(), url.port or default


def reference_host(url: str) -> Optional[str]:
    """The host a standard parser (urllib) finds, lower-cased and IDNA-encoded."""
    try:
        host = urllib.parse.urlsplit(url).hostname
        return host.encode("idna").decode("ascii").lower() if host else None
    except (ValueError, UnicodeError):
        return None


@accepts_at_least(0.01)
@FUZZ
@given(url=urls, endpoint=st.sampled_from([None, "runtime", "mantle"]))
def test_a_base_url_gives_a_working_client_or_a_clear_error(
    url: str, endpoint: Optional[str]
) -> None:
    bedrock = FakeBedrock()
    client = build(bedrock, base_url=url, endpoint=endpoint, region="us-west-2", **STATIC)
    if client is None:
        return
    send(client)
    wire = check_wire(bedrock)
    given_url = http_lib.URL(url)
    # No silently different endpoint: the origin on the wire is the one in the URL, as
    # both httpx and the standard library read it, and carries no credentials.
    assert origin(wire.url) == origin(given_url)
    assert wire.url.raw_host.decode("ascii").lower() == reference_host(url)
    assert not wire.url.userinfo
    assert "hunter2pass" not in str(wire.url)
    assert wire.url.path.endswith("/chat/completions")
    # Canonical Bedrock hostnames sign for the region they name.
    named = re.match(r"bedrock-(?:runtime|mantle)(?:-fips)?\.([a-z0-9-]+)\.", wire.url.host)
    if named:
        assert f"/{named.group(1)}/" in wire.headers["Authorization"]


@FUZZ
@given(
    url=st.builds(
        lambda s, u, h, p: f"{s}://{u}{h}{p}/openai/v1",
        schemes,
        st.sampled_from(["user:hunter2pass@", ":hunter2pass@", "hunter2pass@", "u:hunter2pass@:@"]),
        hosts,
        ports,
    )
)
def test_a_password_in_a_base_url_is_never_echoed(url: str) -> None:
    try:
        openai_bedrock.create_client(base_url=url, region="us-west-2", **STATIC)
    except openai.OpenAIError as exc:
        assert "hunter2pass" not in str(exc)  # noqa: PT017
    else:
        pytest.fail("a base URL with a password was accepted")


# -- regions ----------------------------------------------------------------------------------

# Real region names, many of them (hypothesis does not repeat an input it has tried).
# Deferred: botocore reads its endpoint data when a test first draws, not at collection.
valid_regions = st.deferred(
    lambda: st.sampled_from(
        sorted(botocore.session.get_session().get_available_regions("bedrock-runtime"))
        or ["us-west-2"]
    )
)
regions = st.one_of(
    valid_regions,
    st.sampled_from(
        [
            "us-west-2",
            "eu-central-1",
            "us-gov-west-1",
            "cn-north-1",
            "us-iso-east-1",
            "mars-1",
            "US-WEST-2",
            "us-west-2 ",
            " us-west-2",
            "us_west_2",
            "us-west-2.evil.example",
        ]
    ).flatmap(lambda region: with_hostile(st.just(region))),
)


@accepts_at_least(0.05)
@FUZZ
@given(region=regions, endpoint=st.sampled_from(["runtime", "mantle"]))
def test_a_region_gives_a_working_client_or_a_clear_error(region: str, endpoint: str) -> None:
    bedrock = FakeBedrock()
    client = build(bedrock, region=region, endpoint=endpoint, **STATIC)
    if client is None:
        return
    send(client)
    wire = check_wire(bedrock)
    resolved = region.strip()
    assert re.fullmatch(r"[a-z0-9-]+", resolved)
    assert f".{resolved}." in wire.url.host
    assert f"/{resolved}/" in wire.headers["Authorization"]


# -- keys ---------------------------------------------------------------------------------

# Every key holds one of these cores, which must never appear in an error message.
CORES = ("K7MDENGbPxRfiCY", "secretvalue123")
valid_keys = st.builds(
    lambda head, core, tail: head + core + tail,
    st.from_regex(r"[A-Za-z0-9/+]{0,16}", fullmatch=True),
    st.sampled_from(CORES),
    st.from_regex(r"[A-Za-z0-9/+=]{0,16}", fullmatch=True),
)
keys = st.one_of(valid_keys, with_hostile(valid_keys))


def assert_not_echoed(exc: BaseException) -> None:
    for core in CORES:
        assert core not in str(exc)


@accepts_at_least(0.15)
@FUZZ
@given(api_key=keys)
def test_an_api_key_gives_a_working_client_or_a_clear_error(api_key: str) -> None:
    bedrock = FakeBedrock()
    try:
        client = openai_bedrock.create_client(
            region="us-west-2", api_key=api_key, transport=bedrock, max_retries=0
        )
    except openai.OpenAIError as exc:
        assert_not_echoed(exc)
        refused(exc)
        return
    accepted()
    send(client)
    assert check_wire(bedrock).headers["Authorization"] == f"Bearer {api_key}"


@accepts_at_least(0.03)
@FUZZ
@given(access=keys, secret=keys, token=st.one_of(st.none(), keys))
def test_static_keys_give_a_working_client_or_a_clear_error(
    access: str, secret: str, token: Optional[str]
) -> None:
    bedrock = FakeBedrock()
    try:
        client = openai_bedrock.create_client(
            region="us-west-2",
            access_key_id=access,
            secret_access_key=secret,
            session_token=token,
            transport=bedrock,
            max_retries=0,
        )
    except openai.OpenAIError as exc:
        assert_not_echoed(exc)
        refused(exc)
        return
    accepted()
    send(client)
    wire = check_wire(bedrock)
    assert wire.headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={access}/")
    if token:
        assert wire.headers["X-Amz-Security-Token"] == token


@accepts_at_least(0.08)
@FUZZ
@given(token=st.one_of(keys, st.none(), st.integers(), st.binary(max_size=8)))
def test_a_token_provider_result_gives_a_request_or_a_clear_error(token: Any) -> None:
    bedrock = FakeBedrock()
    client = openai_bedrock.create_client(
        region="us-west-2", token_provider=lambda: token, transport=bedrock, max_retries=0
    )
    try:
        send(client)
    except openai.OpenAIError as exc:
        assert_not_echoed(exc)
        assert bedrock.requests == []
        refused(exc)
        return
    accepted()
    assert check_wire(bedrock).headers["Authorization"] == f"Bearer {token}"


# -- guardrails ---------------------------------------------------------------------------


def weighted(valid: st.SearchStrategy[Any], *hostile: st.SearchStrategy[Any]) -> Any:
    """``valid`` about four times in five, else a hostile value. (``st.one_of`` of equal
    strategies would not weight: it draws among distinct ones.)"""
    return st.sampled_from([True] * 4 + [False]).flatmap(
        lambda ok: valid if ok else st.one_of(*hostile)
    )


identifiers = weighted(
    st.one_of(
        st.from_regex(r"[a-z0-9]{12}", fullmatch=True),
        st.sampled_from(
            ["gr1a2b3c4d5e", "GR12345", "arn:aws:bedrock:us-west-2:123456789012:guardrail/abc1"]
        ),
    ),
    with_hostile(
        st.sampled_from(["gr1a2b3c4d5e", "arn:aws:bedrock:us-west-2:123:guardrail/x", "a" * 2049])
    ),
)
versions = weighted(
    st.one_of(st.sampled_from(["DRAFT", "1", 7, "99999999"]), st.integers(1, 99999999)),
    with_hostile(st.sampled_from(["DRAFT", "1", "0", "01", "draft", "-1"])),
    st.integers(-2, 10**9),
    st.sampled_from([True, None, 1.5, float("nan")]),
)
traces = weighted(
    st.sampled_from([False, True, "ENABLED", "DISABLED", "ENABLED_FULL"]),
    with_hostile(st.sampled_from(["ENABLED", "enabled", ""])),
    st.sampled_from([None, 1]),
)
suffixes_ = weighted(
    st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)),
    with_hostile(st.sampled_from(["xyz", "a" * 21, ""])),
)


@accepts_at_least(0.25)
@FUZZ
@given(identifier=identifiers, version=versions, trace=traces, tag_suffix=suffixes_)
def test_guardrail_fields_give_a_guarded_request_or_a_clear_error(
    identifier: Any, version: Any, trace: Any, tag_suffix: Any
) -> None:
    try:
        guardrail = openai_bedrock.Guardrail(identifier, version, trace, tag_suffix)
    except openai.OpenAIError as exc:
        assert str(exc).strip()  # noqa: PT017
        refused(exc)
        return
    bedrock = FakeBedrock()
    client = build(bedrock, region="us-west-2", guardrail=guardrail, **STATIC)
    assert client is not None
    send(client)
    wire = check_wire(bedrock)
    for name, value in guardrail.extra_headers.items():
        assert wire.headers[name] == value
    assert wire.headers["X-Amzn-Bedrock-GuardrailIdentifier"] == identifier


@accepts_at_least(1.0)
@FUZZ
@given(
    identifier=st.from_regex(r"[A-Za-z0-9]{1,30}", fullmatch=True),
    version=st.one_of(st.just("DRAFT"), st.integers(1, 99999999)),
    trace=st.sampled_from([False, True, "ENABLED", "DISABLED", "ENABLED_FULL"]),
    tag_suffix=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)),
)
def test_every_valid_guardrail_reaches_the_wire_exactly(
    identifier: str, version: Any, trace: Any, tag_suffix: Optional[str]
) -> None:
    guardrail = openai_bedrock.Guardrail(identifier, version, trace, tag_suffix)
    bedrock = FakeBedrock()
    client = build(bedrock, region="us-west-2", guardrail=guardrail, **STATIC)
    assert client is not None
    send(client)
    wire = check_wire(bedrock)
    for name, value in guardrail.extra_headers.items():
        assert wire.headers[name] == value
    config = json.loads(wire.content).get("amazon-bedrock-guardrailConfig")
    assert config == ({"tagSuffix": tag_suffix} if tag_suffix else None)
