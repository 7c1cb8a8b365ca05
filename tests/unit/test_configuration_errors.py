"""Every mistake a user can make when building a client fails at construction.

Each case runs against both factories and checks what a user relies on: the error is an
``openai.OpenAIError`` (so existing handlers catch it), it is the specific
``ConfigurationError`` (also a ``ValueError``) or ``CredentialsError``, its message says
what to do, and no secret that was given appears anywhere in it, its repr or its chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import openai
import pytest

import openai_bedrock
from openai_bedrock import ConfigurationError, CredentialsError
from support import (
    ACCESS_KEY_ID,
    API_KEY,
    MANTLE_URL,
    RUNTIME_URL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Factory,
    FakeBedrock,
    http_lib,
    static_keys,
)

URL_PASSWORD = "hunter2-url-password"
QUERY_SECRET = "query-string-secret-value"
PROFILE_SECRET = "profile-secret-access-key"
KNOWN_SECRETS = (API_KEY, SECRET_ACCESS_KEY, SESSION_TOKEN, URL_PASSWORD, QUERY_SECRET)


def messages_of(error: BaseException) -> Iterator[str]:
    """``str`` and ``repr`` of the error and of every exception chained to it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        current = current.__cause__ or current.__context__


def assert_no_secret(error: BaseException, secrets: tuple[str, ...] = ()) -> None:
    fragments = {
        piece
        for secret in KNOWN_SECRETS + secrets
        for piece in [secret, *secret.split()]
        if len(piece) >= 6
    }
    for text in messages_of(error):
        for piece in fragments:
            assert piece not in text, "a secret value appears in the error or its chain"


@dataclass(frozen=True)
class ErrorCase:
    make_kwargs: Callable[[], dict[str, Any]]
    error: type[openai_bedrock.BedrockError]
    phrases: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    config: str = ""
    credentials: str = ""
    secrets: tuple[str, ...] = ()


def with_keys(**overrides: Any) -> Callable[[], dict[str, Any]]:
    return lambda: static_keys(**overrides)


def kw(**kwargs: Any) -> Callable[[], dict[str, Any]]:
    return lambda: kwargs


def boto3_session(**kwargs: Any) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, **kwargs
    )


NOT_A_REGION = "which is not an AWS region name"
ONLY_ONE = "Pass only one of them"
KEY_WITH_NEWLINE = API_KEY[:30] + "\n" + API_KEY[30:]

REGION_CASES = [
    pytest.param(
        ErrorCase(with_keys(region="US-WEST-2"), ConfigurationError, (NOT_A_REGION, "'us-west-2'")),
        id="an upper-case region is rejected and a valid example is suggested",
    ),
    pytest.param(
        ErrorCase(with_keys(region="uswest2"), ConfigurationError, (NOT_A_REGION, "'uswest2'")),
        id="a region without dashes is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(region="us-west -2"), ConfigurationError, (NOT_A_REGION,)),
        id="a region with a space inside is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(region="us-west\n-2"), ConfigurationError, (NOT_A_REGION,)),
        id="a region with a newline inside is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(region="xx-west-1"), ConfigurationError, (NOT_A_REGION,)),
        id="a region no AWS partition claims is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(region=""), ConfigurationError, ("region is empty", "'us-west-2'")),
        id="an empty region argument is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(region="   "), ConfigurationError, ("region is empty",)),
        id="a blank region argument is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(api_key=API_KEY),
            ConfigurationError,
            ("AWS_REGION gave region", NOT_A_REGION),
            env={"AWS_REGION": "us-west-2;echo"},
        ),
        id="a malformed AWS_REGION is rejected and the variable is named",
    ),
    pytest.param(
        ErrorCase(
            kw(api_key=API_KEY),
            ConfigurationError,
            ("AWS_DEFAULT_REGION gave region 'Oregon'",),
            env={"AWS_DEFAULT_REGION": "Oregon"},
        ),
        id="a malformed AWS_DEFAULT_REGION is rejected and the variable is named",
    ),
    pytest.param(
        ErrorCase(
            kw(api_key=API_KEY),
            ConfigurationError,
            ("profile 'default' in the AWS config file gave region 'us west 2'",),
            config="[default]\nregion = us west 2\n",
        ),
        id="a malformed region in the config file is rejected and the profile is named",
    ),
    pytest.param(
        ErrorCase(
            kw(api_key=API_KEY),
            ConfigurationError,
            (
                "No AWS region was found",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "{aws_dir}/config",
                "region='us-west-2'",
            ),
        ),
        id="no region anywhere names every place looked and how to set one",
    ),
]

API_KEY_CASES = [
    pytest.param(
        ErrorCase(kw(region="us-west-2", api_key=""), ConfigurationError, ("api_key is empty",)),
        id="an empty api_key is rejected",
    ),
    pytest.param(
        ErrorCase(kw(region="us-west-2", api_key=" \t"), ConfigurationError, ("api_key is empty",)),
        id="a blank api_key is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", api_key=KEY_WITH_NEWLINE),
            ConfigurationError,
            (
                "api_key contains whitespace, a control character or a non-ASCII "
                "character at position 30",
                "Remove it",
            ),
            secrets=(KEY_WITH_NEWLINE,),
        ),
        id="an api_key with a newline inside is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", api_key=API_KEY + "\n"),
            ConfigurationError,
            ("trailing newline", "Remove it"),
        ),
        id="an api_key with a trailing newline is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2"),
            ConfigurationError,
            ("AWS_BEARER_TOKEN_BEDROCK contains whitespace", "Remove it"),
            env={"AWS_BEARER_TOKEN_BEDROCK": API_KEY + "\n"},
        ),
        id="an AWS_BEARER_TOKEN_BEDROCK with a trailing newline is rejected and named",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", token_provider=API_KEY),
            ConfigurationError,
            ("token_provider must be a callable",),
        ),
        id="a token_provider that is a string, not a function, is rejected",
    ),
]

CONFLICT_CASES = [
    pytest.param(
        ErrorCase(
            with_keys(api_key=API_KEY),
            ConfigurationError,
            ("api_key and access_key_id/secret_access_key", ONLY_ONE),
        ),
        id="api_key together with static AWS keys is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", api_key=API_KEY, session_token=SESSION_TOKEN),
            ConfigurationError,
            ("api_key and access_key_id/secret_access_key", ONLY_ONE),
        ),
        id="api_key together with a session_token is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", api_key=API_KEY, profile="work"),
            ConfigurationError,
            ("api_key and profile", ONLY_ONE),
        ),
        id="api_key together with a profile is rejected",
    ),
    pytest.param(
        ErrorCase(
            lambda: {"region": "us-west-2", "api_key": API_KEY, "session": boto3_session()},
            ConfigurationError,
            ("api_key and session", ONLY_ONE),
        ),
        id="api_key together with a session is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", api_key=API_KEY, token_provider=lambda: API_KEY),
            ConfigurationError,
            ("api_key and token_provider", ONLY_ONE),
        ),
        id="api_key together with a token_provider is rejected",
    ),
    pytest.param(
        ErrorCase(
            lambda: {"region": "us-west-2", "profile": "work", "session": boto3_session()},
            ConfigurationError,
            ("session and profile", ONLY_ONE),
        ),
        id="a session together with a profile is rejected",
    ),
    pytest.param(
        ErrorCase(
            lambda: static_keys(session=boto3_session()),
            ConfigurationError,
            ("session and access_key_id/secret_access_key", ONLY_ONE),
        ),
        id="a session together with static AWS keys is rejected",
    ),
]

STATIC_KEY_CASES = [
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", access_key_id=ACCESS_KEY_ID),
            ConfigurationError,
            ("access_key_id was given without secret_access_key", "together"),
        ),
        id="an access_key_id without its secret_access_key is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", secret_access_key=SECRET_ACCESS_KEY),
            ConfigurationError,
            ("secret_access_key was given without access_key_id", "together"),
        ),
        id="a secret_access_key without its access_key_id is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", access_key_id=ACCESS_KEY_ID, session_token=SESSION_TOKEN),
            ConfigurationError,
            ("access_key_id was given without secret_access_key",),
        ),
        id="an access_key_id and session_token without a secret_access_key are rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", session_token=SESSION_TOKEN),
            ConfigurationError,
            ("session_token was given without access_key_id", "together"),
        ),
        id="a session_token alone is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            with_keys(secret_access_key=""), ConfigurationError, ("secret_access_key is empty",)
        ),
        id="an empty secret_access_key is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(secret_access_key=SECRET_ACCESS_KEY + "\r\n"),
            ConfigurationError,
            ("secret_access_key contains whitespace", "Remove it"),
        ),
        id="a secret_access_key with a trailing CR-LF is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            with_keys(session_token=" " + SESSION_TOKEN),
            ConfigurationError,
            ("session_token contains whitespace", "Remove it"),
        ),
        id="a session_token with a leading space is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", session={"aws_access_key_id": ACCESS_KEY_ID}),
            ConfigurationError,
            ("session must be a boto3.Session or botocore.session.Session",),
        ),
        id="a session that is not a boto3 or botocore session is rejected",
    ),
]

ENDPOINT_CASES = [
    pytest.param(
        ErrorCase(
            with_keys(endpoint="bedrock-runtime"),
            ConfigurationError,
            ("is not a Bedrock endpoint", "'runtime'", "'mantle'"),
        ),
        id="an unknown endpoint is rejected and the two valid ones are named",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1"),
            ConfigurationError,
            ("'us-east-1'", "'us-west-2'", "make them agree"),
        ),
        id="a canonical base_url in another region than the region argument is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(api_key=API_KEY),
            ConfigurationError,
            ("AWS_BEDROCK_BASE_URL is in region 'us-east-1'", "AWS_REGION", "make them agree"),
            env={
                "AWS_REGION": "us-west-2",
                "AWS_BEDROCK_BASE_URL": "https://bedrock-mantle.us-east-1.api.aws/v1",
            },
        ),
        id="a canonical AWS_BEDROCK_BASE_URL in another region than AWS_REGION is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=RUNTIME_URL, endpoint="mantle"),
            ConfigurationError,
            ("bedrock-runtime URL", "Pass endpoint='runtime'"),
        ),
        id="a runtime base_url with endpoint mantle is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=MANTLE_URL, endpoint="runtime"),
            ConfigurationError,
            ("bedrock-mantle URL", "Pass endpoint='mantle'"),
        ),
        id="a mantle base_url with endpoint runtime is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="http://bedrock-runtime.us-west-2.amazonaws.com/openai/v1"),
            ConfigurationError,
            ("plain http", "Use https://"),
        ),
        id="a canonical Bedrock base_url over plain http is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=RUNTIME_URL.replace("https://", f"https://user:{URL_PASSWORD}@")),
            ConfigurationError,
            ("user name or password", "Remove them"),
        ),
        id="a base_url with a password in it is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=f"{RUNTIME_URL}?token={QUERY_SECRET}"),
            ConfigurationError,
            ("must not contain a query string or fragment",),
        ),
        id="a base_url with a query string is rejected without echoing it",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=f"{RUNTIME_URL}#section"),
            ConfigurationError,
            ("must not contain a query string or fragment",),
        ),
        id="a base_url with a fragment is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=RUNTIME_URL + "\r\nX-Injected: 1"),
            ConfigurationError,
            ("whitespace or control characters", "Pass a plain URL"),
        ),
        id="a base_url with CR-LF in it is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="https://stra\u00dfe.example/openai/v1"),
            ConfigurationError,
            ("non-ASCII characters", "punycode"),
        ),
        id="a base_url with a non-ASCII host is rejected (IDNA 2003 and 2008 disagree on it)",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="bedrock-runtime.us-west-2.amazonaws.com/openai/v1"),
            ConfigurationError,
            ("must be an absolute http(s) URL",),
        ),
        id="a base_url without a scheme is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="/openai/v1"),
            ConfigurationError,
            ("must be an absolute http(s) URL",),
        ),
        id="a relative base_url is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="ftp://bedrock.example/openai/v1"),
            ConfigurationError,
            ("must be an absolute http(s) URL",),
        ),
        id="a base_url with a non-http scheme is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="https://bedrock.example:port/openai/v1"),
            ConfigurationError,
            ("is not a valid URL",),
        ),
        id="a base_url that is not a URL at all is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(),
            ConfigurationError,
            ("AWS_BEDROCK_BASE_URL must be an absolute http(s) URL",),
            env={"AWS_BEDROCK_BASE_URL": "localhost:8080"},
        ),
        id="a malformed AWS_BEDROCK_BASE_URL is rejected and the variable is named",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url=RUNTIME_URL, fips=True),
            ConfigurationError,
            ("fips=True was given together with base_url argument", "Pass one of them"),
        ),
        id="fips together with a base_url is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(fips=True),
            ConfigurationError,
            ("fips=True was given together with AWS_BEDROCK_BASE_URL", "Pass one of them"),
            env={"AWS_BEDROCK_BASE_URL": RUNTIME_URL},
        ),
        id="fips together with AWS_BEDROCK_BASE_URL is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(endpoint="mantle", fips=True),
            ConfigurationError,
            ("no FIPS hostname for bedrock-mantle", "Use endpoint='runtime' for FIPS"),
        ),
        id="fips with the mantle endpoint is rejected",
    ),
]

PROFILES_CONFIG = "[profile dev]\nregion = us-west-2\n\n[profile prod]\nregion = us-west-2\n"

CREDENTIAL_SOURCE_CASES = [
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", profile="nope"),
            ConfigurationError,
            (
                "AWS profile 'nope' was not found",
                "profiles found: dev, prod",
                "`aws configure sso --profile nope`",
                "`aws configure --profile nope`",
            ),
            config=PROFILES_CONFIG,
        ),
        id="an unknown profile lists the profiles found and how to create it",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2", profile="dev"),
            CredentialsError,
            ("No AWS credentials or Bedrock API key were found", "aws sso login"),
            config=PROFILES_CONFIG,
        ),
        id="a profile without credentials says how to log in",
    ),
    pytest.param(
        ErrorCase(
            lambda: {"region": "us-west-2", "session": boto3.Session()},
            CredentialsError,
            ("No AWS credentials or Bedrock API key were found",),
        ),
        id="a session without credentials is rejected",
    ),
    pytest.param(
        ErrorCase(
            kw(region="us-west-2"),
            CredentialsError,
            (
                "No AWS credentials or Bedrock API key were found",
                "api_key / token_provider",
                "AWS_BEARER_TOKEN_BEDROCK",
                "AWS_ACCESS_KEY_ID",
                "~/.aws/credentials",
                "container and instance roles",
                "`aws configure sso`",
                "`aws sso login --profile NAME`",
                "set AWS_BEARER_TOKEN_BEDROCK to a Bedrock API key",
            ),
            env={"OPENAI_API_KEY": "sk-should-not-leak"},
        ),
        id="no credentials anywhere names every source tried and the remedies",
    ),
]


REVIEW_CASES = [
    pytest.param(
        ErrorCase(
            with_keys(base_url="http://bedrock-gw.corp.example/openai/v1"),
            ConfigurationError,
            ("plain http to bedrock-gw.corp.example", "Use https://", "localhost"),
        ),
        id="a plain http base_url to a remote host is rejected",
    ),
    pytest.param(
        ErrorCase(with_keys(fips="false"), ConfigurationError, ("fips must be True or False",)),
        id="a fips value that is not a bool is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(region="eu-west-1", fips=True),
            ConfigurationError,
            ("no FIPS endpoint in eu-west-1", "us-east-1", "fips=False"),
        ),
        id="fips in a region without a FIPS endpoint is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="https://bedrock-runtime.us-west-2.amazonaws.com"),
            ConfigurationError,
            ("serves the OpenAI API under /openai/v1", "amazonaws.com/openai/v1'"),
        ),
        id="a canonical runtime base_url without /openai/v1 is rejected",
    ),
    pytest.param(
        ErrorCase(
            with_keys(base_url="https://bedrock-mantle.us-west-2.api.aws/openai"),
            ConfigurationError,
            ("/v1 or /openai/v1",),
        ),
        id="a canonical mantle base_url with another path is rejected",
    ),
]


def _run_case(
    case: ErrorCase,
    factory: Factory,
    aws_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> BaseException:
    (aws_dir / "config").write_text(case.config)
    (aws_dir / "credentials").write_text(case.credentials)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    bedrock = FakeBedrock()
    with pytest.raises(case.error) as caught:
        factory(transport=bedrock, **case.make_kwargs())
    assert bedrock.requests == [], "nothing may be sent before the settings are valid"
    return caught.value


@pytest.mark.parametrize(
    "case",
    REGION_CASES
    + API_KEY_CASES
    + CONFLICT_CASES
    + STATIC_KEY_CASES
    + ENDPOINT_CASES
    + CREDENTIAL_SOURCE_CASES
    + REVIEW_CASES,
)
def test_construction_error(
    case: ErrorCase,
    factory: Factory,
    isolated_aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = _run_case(case, factory, isolated_aws_env, monkeypatch)

    assert isinstance(error, openai.OpenAIError)
    assert type(error) is case.error
    if case.error is ConfigurationError:
        assert isinstance(error, ValueError)
    message = str(error)
    for phrase in case.phrases:
        assert phrase.format(aws_dir=isolated_aws_env) in message
    assert_no_secret(error, (*case.secrets, "sk-should-not-leak"))


@pytest.mark.parametrize(
    "http_client",
    [
        pytest.param(http_lib.Client, id="a Client"),
        pytest.param(http_lib.AsyncClient, id="an AsyncClient"),
    ],
)
async def test_http_client_is_refused_and_points_to_transport(
    http_client: Callable[[], Any], factory: Factory
) -> None:
    given = http_client()
    try:
        with pytest.raises(ConfigurationError) as caught:
            factory(http_client=given, **static_keys())
    finally:
        if isinstance(given, http_lib.AsyncClient):
            await given.aclose()
        else:
            given.close()

    assert isinstance(caught.value, openai.OpenAIError)
    assert "http_client cannot be passed" in str(caught.value)
    assert f"transport={http_lib.__name__}.HTTPTransport(...)" in str(caught.value)
    assert f"{http_lib.__name__}.AsyncHTTPTransport" in str(caught.value)


# ---------------------------------------------------------------------------
# Cases found by review: environment-derived settings are named in errors, and
# non-ASCII secrets never reach a header.
# ---------------------------------------------------------------------------


def test_unknown_aws_profile_env_is_named_in_the_error(
    factory: Factory, isolated_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_aws_env / "config").write_text(PROFILES_CONFIG)
    monkeypatch.setenv("AWS_PROFILE", "nope")

    with pytest.raises(ConfigurationError) as caught:
        factory(region="us-west-2")

    message = str(caught.value)
    assert "profiles found: dev, prod" in message
    assert "'nope'" in message
    assert "--profile nope" in message
    assert "None" not in message


def test_fips_from_the_environment_with_mantle_names_the_variable(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")

    with pytest.raises(ConfigurationError) as caught:
        factory(**static_keys(endpoint="mantle"))

    assert "no FIPS hostname for bedrock-mantle" in str(caught.value)
    assert "AWS_USE_FIPS_ENDPOINT" in str(caught.value)


NON_ASCII_KEY = API_KEY[:-1] + "\u201d"  # a typographic quote picked up by a copy-paste

NON_ASCII_SECRETS = [
    pytest.param(
        {"region": "us-west-2", "api_key": NON_ASCII_KEY}, {}, id="an api_key with a curly quote"
    ),
    pytest.param(
        {"region": "us-west-2"},
        {"AWS_BEARER_TOKEN_BEDROCK": NON_ASCII_KEY},
        id="an AWS_BEARER_TOKEN_BEDROCK with a curly quote",
    ),
    pytest.param(
        static_keys(session_token=SESSION_TOKEN + "\u00e9"),
        {},
        id="a session_token with an accented letter",
    ),
]


@pytest.mark.parametrize(("kwargs", "env"), NON_ASCII_SECRETS)
def test_non_ascii_secret_is_rejected_at_construction(
    kwargs: dict[str, Any],
    env: dict[str, str],
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as caught:
        factory(**kwargs)

    assert "Remove it" in str(caught.value)
    assert_no_secret(caught.value, (NON_ASCII_KEY,))


@pytest.mark.parametrize(
    ("factory_name", "transport"),
    [
        ("create_client", http_lib.AsyncHTTPTransport()),
        ("create_async_client", http_lib.HTTPTransport()),
        ("create_client", "not a transport"),
    ],
    ids=["async transport to the sync factory", "sync transport to the async one", "a string"],
)
def test_a_transport_of_the_wrong_kind_is_rejected(factory_name: str, transport: object) -> None:
    with pytest.raises(ConfigurationError, match="transport must be an ") as caught:
        getattr(openai_bedrock, factory_name)(**static_keys(), transport=transport)
    expected = "AsyncBaseTransport" if factory_name == "create_async_client" else "BaseTransport"
    assert f"{http_lib.__name__}.{expected} for {factory_name}()" in str(caught.value)


@pytest.mark.skipif(http_lib.__name__ != "httpx2", reason="openai 3.x (httpx2) only")
def test_a_transport_of_the_other_http_library_is_rejected_by_name() -> None:
    """openai 3.x builds on httpx2: an httpx transport is named as the wrong library."""
    import httpx

    with pytest.raises(ConfigurationError) as caught:
        openai_bedrock.create_client(**static_keys(), transport=httpx.HTTPTransport())
    assert "httpx2.BaseTransport" in str(caught.value)
    assert "not httpx.HTTPTransport" in str(caught.value)


def test_an_unusable_proxy_from_the_environment_is_a_configuration_error(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "ftp://user:proxy-password@proxy.example:21")
    with pytest.raises(ConfigurationError) as caught:
        factory(**static_keys())
    assert "HTTPS_PROXY" in str(caught.value)
    assert "proxy-password" not in str(caught.value)
