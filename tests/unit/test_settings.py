"""Where a client sends its requests and how it authenticates them.

Every case runs against both factories. Most cases send one chat completion through
``FakeBedrock`` and look at what reached the wire: the URL, and the ``Authorization``
header (``Bearer ...`` or a SigV4 credential scope ``.../{region}/{service}/aws4_request``).
``resolve_settings`` is used directly only for what the wire cannot show, such as the
label of the source a region came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import boto3
import botocore.session
import openai
import pytest

import openai_bedrock
from openai_bedrock._settings import resolve_settings
from support import (
    ACCESS_KEY_ID,
    API_KEY,
    MANTLE_URL,
    MODEL,
    RUNTIME_URL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Factory,
    FakeBedrock,
    http_lib,
    static_keys,
)

AnyClient = Union[openai.OpenAI, openai.AsyncOpenAI]


# Credentials that tell the sources apart on the wire (by access key id or token).
ENV_KEY_ID, ENV_SECRET, ENV_TOKEN = "AKIDFROMENVIRONMENT", "env-secret-key", "env-session-token"
SESSION_KEY_ID, SESSION_SECRET = "AKIDFROMBOTO3SESSION", "session-secret-key"
DEFAULT_KEY_ID, DEFAULT_SECRET = "AKIDDEFAULTPROFILE", "default-profile-secret-key"
WORK_KEY_ID, WORK_SECRET = "AKIDWORKPROFILE", "work-profile-secret-key"
ENV_BEARER = "ABSKZW52aXJvbm1lbnQtYmVhcmVyLXRva2Vu"

CREDENTIALS_FILE = f"""\
[default]
aws_access_key_id = {DEFAULT_KEY_ID}
aws_secret_access_key = {DEFAULT_SECRET}

[work]
aws_access_key_id = {WORK_KEY_ID}
aws_secret_access_key = {WORK_SECRET}
"""

SCOPE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key_id>[^/]+)/\d{8}/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$"
)


def write_aws_files(aws_dir: Path, *, config: str = "", credentials: str = "") -> None:
    (aws_dir / "config").write_text(config)
    (aws_dir / "credentials").write_text(credentials)


def set_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def build(factory: Factory, bedrock: FakeBedrock, kwargs: dict[str, Any]) -> AnyClient:
    return factory(transport=bedrock, max_retries=0, **kwargs)


async def send_chat(client: AnyClient) -> None:
    """Send one chat completion, with either client, and close the client."""
    messages: Any = [{"role": "user", "content": "Hello"}]
    if isinstance(client, openai.AsyncOpenAI):
        async with client:
            await client.chat.completions.create(model=MODEL, messages=messages)
    else:
        with client:
            client.chat.completions.create(model=MODEL, messages=messages)


def sigv4_scope(bedrock: FakeBedrock) -> dict[str, str]:
    authorization = bedrock.last.headers["Authorization"]
    match = SCOPE.match(authorization)
    assert match, f"not a SigV4 Authorization header: {authorization.split(',')[0]}"
    return match.groupdict()


# ---------------------------------------------------------------------------
# 1. Region precedence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionCase:
    make_kwargs: Callable[[], dict[str, Any]]
    region: str
    source: str
    env: dict[str, str] = field(default_factory=dict)
    config: str = ""


ALL_ENV_REGIONS = {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ca-central-1"}
CONFIG_WITH_REGIONS = """\
[default]
region = sa-east-1

[profile work]
region = eu-north-1
"""


def boto3_session(**kwargs: Any) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=SESSION_KEY_ID, aws_secret_access_key=SESSION_SECRET, **kwargs
    )


REGION_CASES = [
    pytest.param(
        RegionCase(
            lambda: {"region": "eu-central-1", "session": boto3_session(region_name="eu-west-3")},
            "eu-central-1",
            "region argument",
            env=ALL_ENV_REGIONS,
            config=CONFIG_WITH_REGIONS,
        ),
        id="the region argument beats the session, both env variables and the config file",
    ),
    pytest.param(
        RegionCase(
            lambda: {"region": "  eu-central-1\n"},
            "eu-central-1",
            "region argument",
        ),
        id="whitespace around the region argument is stripped",
    ),
    pytest.param(
        RegionCase(
            lambda: {"session": boto3_session(region_name="eu-west-3")},
            "eu-west-3",
            "session argument",
            env=ALL_ENV_REGIONS,
            config=CONFIG_WITH_REGIONS,
        ),
        id="a boto3 session's region beats AWS_REGION, AWS_DEFAULT_REGION and the config file",
    ),
    pytest.param(
        RegionCase(
            lambda: {"session": botocore.session.Session(profile="work")},
            "eu-north-1",
            "session argument",
            env={"AWS_REGION": "ap-south-1"},
            config=CONFIG_WITH_REGIONS,
        ),
        id="a botocore session's profile region beats AWS_REGION",
    ),
    pytest.param(
        RegionCase(
            lambda: {"session": boto3_session()},
            "ap-south-1",
            "AWS_REGION",
            env={"AWS_REGION": "ap-south-1"},
        ),
        id="a session without a region falls through to AWS_REGION",
    ),
    pytest.param(
        RegionCase(
            lambda: {}, "ap-south-1", "AWS_REGION", env=ALL_ENV_REGIONS, config=CONFIG_WITH_REGIONS
        ),
        id="AWS_REGION beats AWS_DEFAULT_REGION and the config file",
    ),
    pytest.param(
        RegionCase(lambda: {}, "ap-south-1", "AWS_REGION", env={"AWS_REGION": " ap-south-1\n"}),
        id="whitespace around AWS_REGION is stripped",
    ),
    pytest.param(
        RegionCase(
            lambda: {},
            "ca-central-1",
            "AWS_DEFAULT_REGION",
            env={"AWS_DEFAULT_REGION": "ca-central-1"},
            config=CONFIG_WITH_REGIONS,
        ),
        id="AWS_DEFAULT_REGION beats the config file",
    ),
    pytest.param(
        RegionCase(
            lambda: {},
            "ca-central-1",
            "AWS_DEFAULT_REGION",
            env={"AWS_REGION": "  ", "AWS_DEFAULT_REGION": "ca-central-1"},
        ),
        id="a blank AWS_REGION is skipped",
    ),
    pytest.param(
        RegionCase(
            lambda: {"profile": "work"},
            "ca-central-1",
            "AWS_DEFAULT_REGION",
            env={"AWS_DEFAULT_REGION": "ca-central-1"},
            config=CONFIG_WITH_REGIONS,
        ),
        id="AWS_DEFAULT_REGION beats the region of the profile argument",
    ),
    pytest.param(
        RegionCase(
            lambda: {},
            "sa-east-1",
            "profile 'default' in the AWS config file",
            config=CONFIG_WITH_REGIONS,
        ),
        id="the default profile's region in the config file is used last",
    ),
    pytest.param(
        RegionCase(
            lambda: {},
            "eu-north-1",
            "profile 'work' in the AWS config file",
            env={"AWS_PROFILE": "work"},
            config=CONFIG_WITH_REGIONS,
        ),
        id="AWS_PROFILE picks the profile whose config region is used",
    ),
    pytest.param(
        RegionCase(
            lambda: {"profile": "work"},
            "eu-north-1",
            "profile 'work' in the AWS config file",
            env={"AWS_PROFILE": "default"},
            config=CONFIG_WITH_REGIONS,
        ),
        id="the profile argument's config region beats AWS_PROFILE's",
    ),
    pytest.param(
        RegionCase(
            lambda: {"base_url": "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1"},
            "eu-west-1",
            "base_url argument",
        ),
        id="a canonical base_url names the region when nothing else does",
    ),
    pytest.param(
        RegionCase(
            lambda: {},
            "eu-west-1",
            "AWS_BEDROCK_BASE_URL",
            env={
                "AWS_BEDROCK_BASE_URL": "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1"
            },
        ),
        id="a canonical AWS_BEDROCK_BASE_URL names the region when nothing else does",
    ),
    pytest.param(
        RegionCase(
            lambda: {
                "region": "eu-west-1",
                "base_url": "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1",
            },
            "eu-west-1",
            "region argument",
        ),
        id="a region argument that agrees with a canonical base_url is accepted",
    ),
]


@pytest.mark.parametrize("case", REGION_CASES)
async def test_region_precedence(
    case: RegionCase,
    factory: Factory,
    bedrock: FakeBedrock,
    isolated_aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_aws_files(isolated_aws_env, config=case.config, credentials=CREDENTIALS_FILE)
    set_env(monkeypatch, case.env)

    await send_chat(build(factory, bedrock, case.make_kwargs()))

    assert bedrock.last.url.host == f"bedrock-runtime.{case.region}.amazonaws.com"
    scope = sigv4_scope(bedrock)
    assert (scope["region"], scope["service"]) == (case.region, "bedrock")
    settings = resolve_settings(**case.make_kwargs())
    assert (settings.region, settings.region_source) == (case.region, case.source)


# ---------------------------------------------------------------------------
# 2. Endpoints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointCase:
    kwargs: dict[str, Any]
    base_url: str
    region: str
    service: str
    env: dict[str, str] = field(default_factory=dict)


VPCE_URL = "https://vpce-0abc-xyz.bedrock-runtime.us-east-1.vpce.amazonaws.com/openai/v1"
PROXY_URL = "https://llm-gateway.corp.example/bedrock/openai/v1"

ENDPOINT_CASES = [
    pytest.param(
        EndpointCase({"region": "us-west-2"}, RUNTIME_URL, "us-west-2", "bedrock"),
        id="runtime is the default endpoint and signs for bedrock",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-west-2", "endpoint": "runtime"}, RUNTIME_URL, "us-west-2", "bedrock"
        ),
        id="endpoint runtime in us-west-2 uses the documented runtime URL",
    ),
    pytest.param(
        EndpointCase(
            {"region": "eu-central-1"},
            "https://bedrock-runtime.eu-central-1.amazonaws.com/openai/v1",
            "eu-central-1",
            "bedrock",
        ),
        id="eu-central-1 gets its own runtime hostname",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-east-1", "fips": True},
            "https://bedrock-runtime-fips.us-east-1.amazonaws.com/openai/v1",
            "us-east-1",
            "bedrock",
        ),
        id="fips=True in us-east-1 uses the FIPS runtime hostname",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-east-1"},
            "https://bedrock-runtime-fips.us-east-1.amazonaws.com/openai/v1",
            "us-east-1",
            "bedrock",
            env={"AWS_USE_FIPS_ENDPOINT": "true"},
        ),
        id="AWS_USE_FIPS_ENDPOINT=true selects the FIPS runtime hostname",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-east-1", "fips": False},
            "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1",
            "us-east-1",
            "bedrock",
            env={"AWS_USE_FIPS_ENDPOINT": "true"},
        ),
        id="fips=False beats AWS_USE_FIPS_ENDPOINT=true",
    ),
    pytest.param(
        EndpointCase(
            {"region": "cn-north-1"},
            "https://bedrock-runtime.cn-north-1.amazonaws.com.cn/openai/v1",
            "cn-north-1",
            "bedrock",
        ),
        id="China regions use the amazonaws.com.cn suffix",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-gov-west-1"},
            "https://bedrock-runtime.us-gov-west-1.amazonaws.com/openai/v1",
            "us-gov-west-1",
            "bedrock",
        ),
        id="GovCloud us-gov-west-1 uses its runtime hostname",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-gov-west-1", "fips": True},
            "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com/openai/v1",
            "us-gov-west-1",
            "bedrock",
        ),
        id="GovCloud us-gov-west-1 with fips uses the FIPS runtime hostname",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-west-2", "endpoint": "mantle"}, MANTLE_URL, "us-west-2", "bedrock-mantle"
        ),
        id="endpoint mantle uses the bedrock-mantle host and signs for bedrock-mantle",
    ),
    pytest.param(
        EndpointCase({"base_url": MANTLE_URL}, MANTLE_URL, "us-west-2", "bedrock-mantle"),
        id="a canonical mantle base_url without endpoint is signed for bedrock-mantle",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-west-2", "base_url": RUNTIME_URL + "/"},
            RUNTIME_URL,
            "us-west-2",
            "bedrock",
        ),
        id="a trailing slash on base_url is harmless",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-east-1", "base_url": VPCE_URL}, VPCE_URL, "us-east-1", "bedrock"
        ),
        id="a VPC endpoint base_url keeps service bedrock and the configured region",
    ),
    pytest.param(
        EndpointCase(
            {"region": "eu-west-1", "base_url": PROXY_URL, "allow_custom_host": True},
            PROXY_URL,
            "eu-west-1",
            "bedrock",
        ),
        id="a proxy base_url is signed for bedrock in the configured region",
    ),
    pytest.param(
        EndpointCase(
            {
                "region": "eu-west-1",
                "base_url": PROXY_URL,
                "endpoint": "mantle",
                "allow_custom_host": True,
            },
            PROXY_URL,
            "eu-west-1",
            "bedrock-mantle",
        ),
        id="a proxy base_url with endpoint mantle is signed for bedrock-mantle",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-west-2", "base_url": "http://127.0.0.1:8080/openai/v1"},
            "http://127.0.0.1:8080/openai/v1",
            "us-west-2",
            "bedrock",
        ),
        id="a local emulator over plain http on 127.0.0.1 works",
    ),
    pytest.param(
        EndpointCase(
            {"region": "eu-west-1", "allow_custom_host": True},
            PROXY_URL,
            "eu-west-1",
            "bedrock",
            env={"AWS_BEDROCK_BASE_URL": PROXY_URL},
        ),
        id="AWS_BEDROCK_BASE_URL overrides the endpoint's URL",
    ),
    pytest.param(
        EndpointCase(
            {"region": "eu-west-1", "base_url": PROXY_URL, "allow_custom_host": True},
            PROXY_URL,
            "eu-west-1",
            "bedrock",
            env={"AWS_BEDROCK_BASE_URL": "https://other-gateway.corp.example/v1"},
        ),
        id="the base_url argument beats AWS_BEDROCK_BASE_URL",
    ),
    pytest.param(
        EndpointCase(
            {"region": "us-west-2"},
            RUNTIME_URL,
            "us-west-2",
            "bedrock",
            env={"OPENAI_BASE_URL": "https://api.openai.com/v1"},
        ),
        id="OPENAI_BASE_URL in the environment does not redirect the client",
    ),
]


@pytest.mark.parametrize("case", ENDPOINT_CASES)
async def test_endpoint_urls_and_signing_scope(
    case: EndpointCase,
    factory: Factory,
    bedrock: FakeBedrock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, case.env)
    client = build(factory, bedrock, static_keys(**case.kwargs))

    assert str(client.base_url) == case.base_url + "/"
    await send_chat(client)

    assert str(bedrock.last.url) == case.base_url + "/chat/completions"
    scope = sigv4_scope(bedrock)
    assert (scope["region"], scope["service"]) == (case.region, case.service)


# ---------------------------------------------------------------------------
# 3. Authentication precedence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bearer:
    token: str


@dataclass(frozen=True)
class SigV4:
    key_id: str
    session_token: Optional[str] = None


@dataclass(frozen=True)
class AuthCase:
    make_kwargs: Callable[[], dict[str, Any]]
    expected: Union[Bearer, SigV4]
    env: dict[str, str] = field(default_factory=dict)


ENV_KEYS = {"AWS_ACCESS_KEY_ID": ENV_KEY_ID, "AWS_SECRET_ACCESS_KEY": ENV_SECRET}
ENV_KEYS_AND_BEARER = {**ENV_KEYS, "AWS_BEARER_TOKEN_BEDROCK": ENV_BEARER}

AUTH_CASES = [
    pytest.param(
        AuthCase(lambda: {"api_key": API_KEY}, Bearer(API_KEY), env=ENV_KEYS_AND_BEARER),
        id="api_key beats AWS_BEARER_TOKEN_BEDROCK and AWS keys in the environment",
    ),
    pytest.param(
        AuthCase(
            lambda: {"token_provider": lambda: "ABSKZnJvbS1wcm92aWRlcg"},
            Bearer("ABSKZnJvbS1wcm92aWRlcg"),
            env=ENV_KEYS_AND_BEARER,
        ),
        id="token_provider's key is sent as Bearer and beats the environment",
    ),
    pytest.param(
        AuthCase(
            lambda: {"session": boto3_session()}, SigV4(SESSION_KEY_ID), env=ENV_KEYS_AND_BEARER
        ),
        id="a boto3 session's static credentials beat AWS_BEARER_TOKEN_BEDROCK",
    ),
    pytest.param(
        AuthCase(
            lambda: {"session": boto3_session(aws_session_token=SESSION_TOKEN)},
            SigV4(SESSION_KEY_ID, SESSION_TOKEN),
        ),
        id="a boto3 session's session token is sent as X-Amz-Security-Token",
    ),
    pytest.param(
        AuthCase(
            lambda: {"session": botocore.session.Session(profile="work")},
            SigV4(WORK_KEY_ID),
            env=ENV_KEYS_AND_BEARER,
        ),
        id="a botocore session signs with its profile's credentials",
    ),
    pytest.param(
        AuthCase(lambda: {"profile": "work"}, SigV4(WORK_KEY_ID), env=ENV_KEYS_AND_BEARER),
        id="the profile argument signs with that profile from the credentials file",
    ),
    pytest.param(
        AuthCase(
            lambda: {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY},
            SigV4(ACCESS_KEY_ID),
            env=ENV_KEYS_AND_BEARER,
        ),
        id="static keys without a session token send no X-Amz-Security-Token",
    ),
    pytest.param(
        AuthCase(
            lambda: {
                "access_key_id": ACCESS_KEY_ID,
                "secret_access_key": SECRET_ACCESS_KEY,
                "session_token": SESSION_TOKEN,
            },
            SigV4(ACCESS_KEY_ID, SESSION_TOKEN),
        ),
        id="static keys with a session token send it as X-Amz-Security-Token",
    ),
    pytest.param(
        AuthCase(lambda: {}, Bearer(ENV_BEARER), env=ENV_KEYS_AND_BEARER),
        id="AWS_BEARER_TOKEN_BEDROCK beats AWS keys in the environment",
    ),
    pytest.param(
        AuthCase(lambda: {}, Bearer(ENV_BEARER), env={"AWS_BEARER_TOKEN_BEDROCK": ENV_BEARER}),
        id="AWS_BEARER_TOKEN_BEDROCK beats the default profile in the credentials file",
    ),
    pytest.param(
        AuthCase(lambda: {}, SigV4(ENV_KEY_ID), env=ENV_KEYS),
        id="the default chain signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    ),
    pytest.param(
        AuthCase(
            lambda: {},
            SigV4(ENV_KEY_ID, ENV_TOKEN),
            env={**ENV_KEYS, "AWS_SESSION_TOKEN": ENV_TOKEN},
        ),
        id="the default chain sends AWS_SESSION_TOKEN",
    ),
    pytest.param(
        AuthCase(lambda: {}, SigV4(DEFAULT_KEY_ID)),
        id="the default chain falls back to the default profile in the credentials file",
    ),
    pytest.param(
        AuthCase(lambda: {}, SigV4(WORK_KEY_ID), env={"AWS_PROFILE": "work"}),
        id="the default chain follows AWS_PROFILE",
    ),
]


def assert_authenticated_as(bedrock: FakeBedrock, expected: Union[Bearer, SigV4]) -> None:
    headers = bedrock.last.headers
    if isinstance(expected, Bearer):
        assert headers["Authorization"] == f"Bearer {expected.token}"
        assert "X-Amz-Date" not in headers
        assert "X-Amz-Security-Token" not in headers
        return
    scope = sigv4_scope(bedrock)
    assert (scope["key_id"], scope["region"], scope["service"]) == (
        expected.key_id,
        "us-west-2",
        "bedrock",
    )
    assert headers.get("X-Amz-Security-Token") == expected.session_token
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert ("x-amz-security-token" in signed) == (expected.session_token is not None)


@pytest.mark.parametrize("case", AUTH_CASES)
async def test_auth_precedence(
    case: AuthCase,
    factory: Factory,
    bedrock: FakeBedrock,
    isolated_aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_aws_files(isolated_aws_env, credentials=CREDENTIALS_FILE)
    set_env(monkeypatch, case.env)

    await send_chat(build(factory, bedrock, {"region": "us-west-2", **case.make_kwargs()}))

    assert_authenticated_as(bedrock, case.expected)


async def test_token_provider_is_called_for_every_request(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return f"ABSKdG9rZW4t{len(calls)}"

    client = build(factory, bedrock, {"region": "us-west-2", "token_provider": provider})
    assert calls == [], "the provider must not be called before a request is sent"
    messages: Any = [{"role": "user", "content": "Hello"}]
    for _ in range(2):
        if isinstance(client, openai.AsyncOpenAI):
            await client.chat.completions.create(model=MODEL, messages=messages)
        else:
            client.chat.completions.create(model=MODEL, messages=messages)

    assert len(calls) == 2
    assert [r.headers["Authorization"] for r in bedrock.requests] == [
        "Bearer ABSKdG9rZW4t1",
        "Bearer ABSKdG9rZW4t2",
    ]


async def test_async_client_awaits_an_async_token_provider(bedrock: FakeBedrock) -> None:
    async def provider() -> str:
        return "ABSKYXN5bmMtcHJvdmlkZXI"

    client = openai_bedrock.create_async_client(
        region="us-west-2", token_provider=provider, transport=bedrock
    )
    await send_chat(client)

    assert bedrock.last.headers["Authorization"] == "Bearer ABSKYXN5bmMtcHJvdmlkZXI"


LEAK = "sk-should-not-leak"

WIRE_AUTH_MODES = [
    pytest.param({"api_key": API_KEY}, {}, Bearer(API_KEY), id="with an api_key"),
    pytest.param(static_keys(), {}, SigV4(ACCESS_KEY_ID), id="with static AWS keys"),
    pytest.param(
        {"region": "us-west-2"},
        {"AWS_BEARER_TOKEN_BEDROCK": ENV_BEARER},
        Bearer(ENV_BEARER),
        id="with AWS_BEARER_TOKEN_BEDROCK",
    ),
]


@pytest.mark.parametrize(("kwargs", "env", "expected"), WIRE_AUTH_MODES)
async def test_openai_api_key_and_sdk_placeholder_never_reach_the_wire(
    kwargs: dict[str, Any],
    env: dict[str, str],
    expected: Union[Bearer, SigV4],
    factory: Factory,
    bedrock: FakeBedrock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, {**env, "OPENAI_API_KEY": LEAK})
    client = build(factory, bedrock, {"region": "us-west-2", **kwargs})
    placeholder = client.api_key
    assert LEAK not in placeholder
    # A fixed Bedrock API key is the SDK's own api_key (it writes the header itself).
    sdk_sends_the_key = isinstance(expected, Bearer) and placeholder == expected.token

    await send_chat(client)

    assert_authenticated_as(bedrock, expected)
    for name, value in bedrock.last.headers.items():
        assert LEAK not in value, f"OPENAI_API_KEY leaked in {name}"
        if not sdk_sends_the_key:
            assert placeholder not in value, f"the SDK's placeholder key leaked in {name}"


# ---------------------------------------------------------------------------
# 5. No secret in reprs
# ---------------------------------------------------------------------------

ENV_SECRETS = (API_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN, ENV_SECRET, ENV_TOKEN, ENV_BEARER)

REPR_CASES = [
    pytest.param(lambda: {"api_key": API_KEY}, {}, "api_key argument", id="api_key"),
    pytest.param(
        lambda: {"token_provider": lambda: API_KEY}, {}, "token_provider", id="token_provider"
    ),
    pytest.param(
        lambda: {
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "session_token": SESSION_TOKEN,
        },
        {},
        "access_key_id/secret_access_key arguments",
        id="static keys with a session token",
    ),
    pytest.param(
        lambda: {
            "session": boto3.Session(
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key=SECRET_ACCESS_KEY,
                aws_session_token=SESSION_TOKEN,
            )
        },
        {},
        "session argument",
        id="a boto3 session with a session token",
    ),
    pytest.param(
        lambda: {},
        {"AWS_BEARER_TOKEN_BEDROCK": API_KEY},
        "AWS_BEARER_TOKEN_BEDROCK",
        id="AWS_BEARER_TOKEN_BEDROCK",
    ),
    pytest.param(
        lambda: {},
        {
            "AWS_ACCESS_KEY_ID": ENV_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
            "AWS_SESSION_TOKEN": ENV_TOKEN,
        },
        "default credential chain",
        id="the default chain with environment keys",
    ),
]


@pytest.mark.parametrize(("make_kwargs", "env", "source"), REPR_CASES)
async def test_reprs_name_the_source_but_hold_no_secret(
    make_kwargs: Callable[[], dict[str, Any]],
    env: dict[str, str],
    source: str,
    factory: Factory,
    bedrock: FakeBedrock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, env)
    kwargs = {"region": "us-west-2", **make_kwargs()}
    client = build(factory, bedrock, kwargs)
    await send_chat(client)  # credentials are loaded and used before the reprs are taken

    transport = client._client._transport
    shown = [repr(transport), str(transport), repr(resolve_settings(**kwargs))]
    for text in shown:
        assert "us-west-2" in text
        assert source in text
        for secret in ENV_SECRETS:
            assert secret not in text


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8000/openai/v1", "http://localhost:8000/openai/v1", "http://[::1]:8000/v1"],
)
def test_plain_http_is_allowed_for_a_local_emulator(factory: Factory, base_url: str) -> None:
    client = factory(**static_keys(base_url=base_url))
    assert str(client.base_url).rstrip("/") == base_url


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_only_true_turns_on_fips_from_the_environment(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """As in botocore, which reads AWS_USE_FIPS_ENDPOINT as true only for "true"."""
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", value)
    client = factory(**static_keys(region="us-east-1"))
    assert "bedrock-runtime.us-east-1.amazonaws.com" in str(client.base_url)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HTTPS_PROXY": "proxy.corp:3128"}, "http://proxy.corp:3128"),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://proxy.corp:3128"),
        ({"ALL_PROXY": "http://all.corp:3128"}, "http://all.corp:3128"),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".amazonaws.com"}, None),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, None),
    ],
    ids=[
        "a proxy without a scheme is read as http, as httpx does",
        "an https proxy variable applies to the https endpoint",
        "ALL_PROXY applies when nothing more specific is set",
        "NO_PROXY bypasses the proxy",
        "an http-only proxy does not apply to an https endpoint",
    ],
)
def test_proxy_variables_apply_as_httpx_applies_them(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None
) -> None:
    from openai_bedrock._client import _env_proxy

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    url = http_lib.URL("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1")
    assert _env_proxy(url) == expected
    openai_bedrock.create_client(**static_keys())  # and the client builds with it
