"""One signing path (``_signing.Signing.prepare``) for sync and async clients: it signs
exactly as the reference signer does, leaves the SDK's request alone, and reads no
private attribute of the HTTP library or of openai (checked by scanning ``src/``)."""

from __future__ import annotations

import ast
import random
import string
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_bedrock import _sigv4
from openai_bedrock._auth import SigV4Auth
from openai_bedrock._settings import Settings, resolve_settings
from openai_bedrock._signing import SDK_PLACEHOLDER_KEY, Signing
from openai_bedrock._sigv4 import FrozenCredentials
from support import (
    ACCESS_KEY_ID,
    API_KEY,
    FROZEN_TIME,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    http_lib,
    static_keys,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "openai_bedrock"
SEED = 20261204
CASES = 400
BASE_URLS = [
    "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
    "https://bedrock-mantle.us-west-2.api.aws/v1",
    "http://127.0.0.1:8080/openai/v1",
    "http://[::1]:9000/openai/v1",
]
PATHS = ["/chat/completions", "/responses", "/models", "/a%20b/c:d", "//z", ""]
SECRETS = [SECRET_ACCESS_KEY, "another/Secret+Key0123456789abcdefghijkl"]
TOKENS = [None, SESSION_TOKEN, "  spaced   token  "]
AUTH_NAMES = {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}


class Rotating:
    """Credentials that change whenever the test says so (as botocore's refresh)."""

    def __init__(self) -> None:
        self.frozen = FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)

    def get_frozen_credentials(self) -> FrozenCredentials:
        return self.frozen


def sigv4_settings(base_url: str, credentials: Any) -> Settings:
    settings = resolve_settings(base_url=base_url, **static_keys())
    auth = settings.auth
    assert isinstance(auth, SigV4Auth)
    settings.auth = SigV4Auth(auth.source, auth.service, auth.region, credentials)
    return settings


def sdk_like_request(rng: random.Random, base_url: str, authorization: str) -> http_lib.Request:
    """A request as the openai SDK builds it, with random variations."""
    headers: list[tuple[str, str]] = [
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("User-Agent", "OpenAI/Python 3.57.0"),
        ("X-Stainless-Retry-Count", str(rng.randint(0, 2))),
    ]
    headers.insert(rng.randint(0, len(headers)), ("Authorization", authorization))
    for _ in range(rng.randint(0, 3)):
        name = "x-" + "".join(rng.choices(string.ascii_lowercase + "-", k=rng.randint(1, 8)))
        value = "".join(rng.choices(string.ascii_letters + "  \t,;=%{}", k=rng.randint(0, 12)))
        headers.insert(rng.randint(0, len(headers)), (rng.choice([name, name.upper()]), value))
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 80, 3000])))
    return http_lib.Request(
        rng.choice(["POST", "GET", "DELETE"]),
        base_url + rng.choice(PATHS),
        headers=headers,
        content=body,
        extensions={"timeout": {"read": 3600.0}},
    )


def snapshot(request: http_lib.Request) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        request.headers.raw,
        request.read(),
        request.extensions,
    )


def test_sigv4_signatures_match_the_reference_signer_across_seconds_and_rotations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached signer (per second, per request shape) signs as ``sign_raw`` does."""
    rng = random.Random(SEED)
    now = [FROZEN_TIME.timestamp()]
    monkeypatch.setattr(_sigv4, "timestamp", lambda: now[0])
    signings = {}
    credentials = {}
    for base_url in BASE_URLS:
        credentials[base_url] = Rotating()
        signings[base_url] = Signing(sigv4_settings(base_url, credentials[base_url]))
    for _ in range(CASES):
        base_url = rng.choice(BASE_URLS)
        now[0] += rng.choice([0, 0, 0.3, 1, 86400])
        if rng.random() < 0.2:
            credentials[base_url].frozen = FrozenCredentials(
                ACCESS_KEY_ID, rng.choice(SECRETS), rng.choice(TOKENS)
            )
        signing = signings[base_url]
        request = sdk_like_request(rng, base_url, "Bearer " + SDK_PLACEHOLDER_KEY)
        before = snapshot(request)
        frozen = signing.credential()
        wire = signing.prepare(request, frozen)

        assert snapshot(request) == before  # the SDK's request is left as it was
        kept = [(k, v) for k, v in request.headers.raw if k.lower().decode() not in AUTH_NAMES]
        expected = _sigv4.sign_raw(
            request.method,
            str(request.url),
            [(k, k.lower(), v) for k, v in kept],
            lambda: "utf-8",
            request.content,
            frozen,
            "bedrock-mantle" if "mantle" in base_url else "bedrock",
            "us-west-2",
            signing.auth.clock.now(),
        )
        # Header order carries no meaning here (SigV4 sorts them): the same headers.
        assert sorted(wire.headers.raw) == sorted(kept + [(k, v) for k, _, v in expected])
        assert (wire.method, wire.url, wire.content) == (
            request.method,
            request.url,
            request.content,
        )
        assert wire.extensions == request.extensions


def test_a_fixed_api_key_is_the_sdks_own_and_its_request_is_sent_as_built() -> None:
    signing = Signing(resolve_settings(api_key=API_KEY, region="us-west-2"))
    assert signing.sdk_api_key == API_KEY
    request = sdk_like_request(
        random.Random(1), str(signing.settings.base_url), f"Bearer {API_KEY}"
    )
    assert signing.prepare(request, signing.credential()) is request


@pytest.mark.parametrize(
    "extra",
    [
        [("Authorization", "Bearer sk-openai")],
        [("X-Amz-Security-Token", "caller-token")],
        [("X-Amzn-Bedrock-GuardrailIdentifier", "g1"), ("X-Amzn-Bedrock-GuardrailVersion", "1")],
    ],
    ids=["a second Authorization", "a hand-set signature header", "a per-call guardrail"],
)
def test_with_a_fixed_api_key_anything_unusual_is_rebuilt_with_one_authorization(
    extra: list[tuple[str, str]],
) -> None:
    signing = Signing(resolve_settings(api_key=API_KEY, region="us-west-2"))
    request = http_lib.Request(
        "POST",
        str(signing.settings.base_url) + "/chat/completions",
        headers=[("Authorization", f"Bearer {API_KEY}"), *extra],
        content=b'{"model":"m"}',
    )
    wire = signing.prepare(request, signing.credential())
    assert wire is not request
    assert wire.headers.get_list("Authorization") == [f"Bearer {API_KEY}"]
    assert "X-Amz-Security-Token" not in wire.headers
    assert wire.content == request.content


# Private attributes of the HTTP library and of openai: every underscored (not dunder)
# name their public classes and typical instances carry.
def _private_names() -> set[str]:
    request = http_lib.Request("POST", "https://h.invalid/p?q=1", content=b"{}")
    response = http_lib.Response(200, content=b"{}", request=request)
    client = openai.OpenAI(api_key="k", base_url="https://h.invalid/v1")
    objects: list[Any] = [
        request,
        response,
        request.url,
        request.headers,
        http_lib.Client(),
        http_lib.HTTPTransport(),
        client,
        openai.AsyncOpenAI(api_key="k", base_url="https://h.invalid/v1"),
        openai,
        http_lib,
    ]
    names: set[str] = set()
    for obj in objects:
        names |= set(dir(obj)) | set(getattr(obj, "__dict__", {}))
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


PRIVATE = _private_names()
LIBRARIES = ("http", "httpx", "httpx2", "openai")


def private_reads(source: str) -> list[str]:
    """Every read of such a name in ``source``: ``x._name``, ``getattr(x, "_name")``,
    and imports of ``openai._x`` / ``httpx._x`` modules."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                found.append(f"line {node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in PRIVATE
        ):
            found.append(f"line {node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for module in modules:
                parts = module.split(".")
                if parts[0] in LIBRARIES and any(p.startswith("_") for p in parts[1:]):
                    found.append(f"line {node.lineno}: import {module}")
    return found


def test_the_scan_finds_private_reads() -> None:
    """The scan below can fail: it sees each kind of read it looks for."""
    assert {"_list", "_content", "_uri_reference", "_client"} <= PRIVATE
    sample = (
        "import openai._base_client\n"
        "items = request.headers._list\n"
        "body = getattr(request, '_content')\n"
        "ref = url._uri_reference\n"
    )
    assert len(private_reads(sample)) == 4
    assert private_reads("self._inner.get()\nsettings.auth.key\n") == []


def test_no_private_attribute_of_the_http_library_or_openai_is_read_in_src() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20
    found = {
        str(path.relative_to(SRC)): [read.partition(": ")[2] for read in reads]
        for path in files
        if (reads := private_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}
