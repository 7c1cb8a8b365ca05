"""The factories: resolve settings, wrap a transport, return a plain openai client."""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING, Any, Optional, TypeVar, cast

import httpx
import openai

from ._auth import TokenProvider
from ._errors import ConfigurationError, UnknownOperationError
from ._hotpath import SDK_PLACEHOLDER_KEY
from ._responses import ERROR_CLASS_HEADER
from ._settings import Settings, resolve_settings
from ._transport import AsyncBedrockTransport, BedrockTransport

if TYPE_CHECKING:  # loaded only when a guardrail is used
    from .guardrails import Guardrail

_T = TypeVar("_T", httpx.HTTPTransport, httpx.AsyncHTTPTransport)

# Bedrock inference may run up to 60 minutes before the first byte of a non-streamed
# answer (https://docs.aws.amazon.com/nova/latest/nova2-userguide/important-timeout-configuration.html);
# the SDK's 600 s default would cut long reasoning calls. Connecting stays quick.
# openai.Timeout is the SDK's own type (httpx's before openai 3.0, httpx2's since), so
# client.timeout is what a plain client's would be.
DEFAULT_TIMEOUT = openai.Timeout(3600.0, connect=10.0, pool=60.0)

# The openai SDK's own pool size, so concurrency is what users of the SDK expect.
DEFAULT_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


def _env_proxy(url: httpx.URL) -> Optional[str]:
    """The proxy that HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY choose for our origin.

    httpx only reads proxy variables when it builds its own transport, and ours wraps
    one, so the same environment rules are applied here, as httpx applies them.
    """
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"  # httpx's reading of "host:port"


def _default_transport(url: httpx.URL, cls: type[_T]) -> _T:
    proxy = _env_proxy(url)
    try:
        return cls(proxy=proxy, limits=DEFAULT_LIMITS)
    except Exception as exc:  # httpx: bad proxy URL, or SOCKS without socksio installed
        raise ConfigurationError(
            f"The proxy from the environment ({_redacted(proxy)}) cannot be used: {exc}. "
            "Fix HTTPS_PROXY / ALL_PROXY, or pass transport=... ."
        ) from exc


def _redacted(proxy: Optional[str]) -> str:
    """A proxy URL without its password."""
    if not proxy:
        return "none"
    try:
        return str(httpx.URL(proxy).copy_with(password=None))
    except Exception:
        return "an invalid URL"


def _check_transport(transport: object, expected: type, factory: str) -> None:
    if transport is not None and not isinstance(transport, expected):
        raise ConfigurationError(
            f"transport must be an httpx.{expected.__name__} for "
            f"{factory}(), not {type(transport).__name__}."
        )


def _check_sdk_kwargs(openai_kwargs: dict[str, Any]) -> None:
    if "http_client" in openai_kwargs:
        raise ConfigurationError(
            "http_client cannot be passed: openai-bedrock builds the HTTP client so that "
            "every request is authenticated. To control connections (proxy, TLS, limits), "
            "pass transport=httpx.HTTPTransport(...) (or httpx.AsyncHTTPTransport for the "
            "async client) and it will be wrapped."
        )


_SETTING_NAMES = (
    "region",
    "endpoint",
    "base_url",
    "fips",
    "api_key",
    "token_provider",
    "session",
    "profile",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "guardrail",
    "allow_unenforced_guardrail",
)


def _resolve(arguments: dict[str, Any]) -> tuple[Settings, Any, Any]:
    """Settings from a factory's arguments (its ``locals()``), and the timeout for the
    SDK and for the httpx client."""
    openai_kwargs: dict[str, Any] = arguments["openai_kwargs"]
    _check_sdk_kwargs(openai_kwargs)
    settings = resolve_settings(**{name: arguments[name] for name in _SETTING_NAMES})
    _ignore_openai_account_env(openai_kwargs)
    return (settings, *_timeouts(openai_kwargs.pop("timeout", DEFAULT_TIMEOUT)))


def _timeouts(value: Any) -> tuple[Any, Any]:
    """``value`` as the SDK's Timeout type and as httpx's (numbers and None as they are).

    Each side gets its own library's type: in openai 3.x those differ (httpx2 and
    httpx), and the SDK would otherwise convert the timeout on every request, and
    httpx refuses an httpx2 one.
    """
    as_dict = getattr(value, "as_dict", None)
    if not callable(as_dict):
        return value, value
    fields = as_dict()
    return openai.Timeout(**fields), httpx.Timeout(**fields)


def _ignore_openai_account_env(openai_kwargs: dict[str, Any]) -> None:
    """Keep OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment off the wire.

    They name OpenAI organisations and projects, which mean nothing to Bedrock (the
    runtime Responses API accepts only the default project), and a codebase moving
    from OpenAI often still has them set. Values passed explicitly are still sent.
    The SDK drops a default header whose value is ``Omit``, in copies too.
    """
    headers = dict(openai_kwargs.get("default_headers") or {})
    for argument, header in (
        ("organization", "OpenAI-Organization"),
        ("project", "OpenAI-Project"),
    ):
        if openai_kwargs.get(argument) is None:
            headers.setdefault(header, openai.Omit())
    openai_kwargs["default_headers"] = headers


def create_client(
    *,
    region: Optional[str] = None,
    endpoint: Optional[str] = None,
    base_url: Optional[str] = None,
    fips: Optional[bool] = None,
    api_key: Optional[str] = None,
    token_provider: Optional[TokenProvider] = None,
    session: Any = None,
    profile: Optional[str] = None,
    access_key_id: Optional[str] = None,
    secret_access_key: Optional[str] = None,
    session_token: Optional[str] = None,
    guardrail: Optional[Guardrail] = None,
    allow_unenforced_guardrail: bool = False,
    transport: Optional[httpx.BaseTransport] = None,
    **openai_kwargs: Any,
) -> openai.OpenAI:
    """Return an ``openai.OpenAI`` that talks to Amazon Bedrock.

    Settings are resolved once, here; invalid or contradictory input raises
    ``ConfigurationError`` (an ``openai.OpenAIError`` and ``ValueError``), and missing
    credentials raise ``CredentialsError``, both before any request is sent.

    Args:
        region: AWS region. Else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then the
            profile's region in the AWS config file.
        endpoint: ``"runtime"`` (default; bedrock-runtime, ``/openai/v1``) or
            ``"mantle"`` (bedrock-mantle, ``/v1``).
        base_url: Full override (VPC endpoint, proxy, emulator). Else
            ``AWS_BEDROCK_BASE_URL``.
        fips: Use the FIPS runtime hostname (else ``AWS_USE_FIPS_ENDPOINT``).
        api_key: A Bedrock API key, sent as ``Authorization: Bearer``.
        token_provider: Called per request for a Bedrock API key (cache inside it).
        session: A ``boto3.Session`` or ``botocore.session.Session``.
        profile: An AWS profile name.
        access_key_id, secret_access_key, session_token: Static AWS credentials.
        guardrail: A ``Guardrail`` applied to every chat completion and response
            request (a per-call guardrail wins). Refused on mantle, and on requests
            where Bedrock ignores guardrails, unless ``allow_unenforced_guardrail``.
        transport: The inner httpx transport (proxy, TLS, limits); default
            ``httpx.HTTPTransport()`` honouring the proxy environment variables.
        **openai_kwargs: Passed to ``openai.OpenAI`` unchanged (``timeout``,
            ``max_retries``, ``default_headers``, ...). ``timeout`` defaults to 3600 s
            read / 10 s connect.

    Example::

        client = openai_bedrock.create_client(region="us-west-2")
        client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[...])
    """
    _check_transport(transport, httpx.BaseTransport, "create_client")
    settings, timeout, http_timeout = _resolve(locals())

    def rebuild() -> httpx.HTTPTransport:  # for a child after os.fork()
        return _default_transport(settings.base_url, httpx.HTTPTransport)

    http_client = httpx.Client(
        transport=BedrockTransport(
            settings, inner=transport or rebuild(), rebuild=None if transport else rebuild
        ),
        timeout=http_timeout,
        follow_redirects=False,
    )
    client = openai.OpenAI(
        api_key=SDK_PLACEHOLDER_KEY,  # the SDK insists on one; never sent
        base_url=str(settings.base_url),
        # openai 3.x is typed for httpx2 clients but accepts httpx ones at run time.
        http_client=cast(Any, http_client),
        timeout=timeout,
        **openai_kwargs,
    )
    return _with_bedrock_errors(client)


_Client = TypeVar("_Client", openai.OpenAI, openai.AsyncOpenAI)


def _with_bedrock_errors(client: _Client) -> _Client:
    """The client, raising the package's own status errors for responses the transport
    marked (``_responses.ERROR_CLASS_HEADER``).

    An exception raised inside a transport reaches the user as the SDK's
    APIConnectionError (after retries), so the transport answers an error status
    instead and this extends the SDK's status-to-class mapping (``_make_status_error``,
    the hook the SDK's own clients override) on this one client.
    """
    make = client._make_status_error

    def make_status_error(err_msg: str, *, body: object, response: Any) -> openai.APIStatusError:
        if response.headers.get(ERROR_CLASS_HEADER) == "UnknownOperationException":
            data = body.get("error", body) if isinstance(body, dict) else body
            return UnknownOperationError(err_msg, response=response, body=data)
        return make(err_msg, body=body, response=response)

    setattr(client, "_make_status_error", make_status_error)  # noqa: B010
    return client


def create_async_client(
    *,
    region: Optional[str] = None,
    endpoint: Optional[str] = None,
    base_url: Optional[str] = None,
    fips: Optional[bool] = None,
    api_key: Optional[str] = None,
    token_provider: Optional[TokenProvider] = None,
    session: Any = None,
    profile: Optional[str] = None,
    access_key_id: Optional[str] = None,
    secret_access_key: Optional[str] = None,
    session_token: Optional[str] = None,
    guardrail: Optional[Guardrail] = None,
    allow_unenforced_guardrail: bool = False,
    transport: Optional[httpx.AsyncBaseTransport] = None,
    **openai_kwargs: Any,
) -> openai.AsyncOpenAI:
    """Return an ``openai.AsyncOpenAI`` that talks to Amazon Bedrock.

    Takes the same arguments as ``create_client``; ``transport`` is an async httpx
    transport and ``token_provider`` may also be an async function. Credential
    refreshes run in a worker thread, so the event loop is never blocked on them.
    """
    _check_transport(transport, httpx.AsyncBaseTransport, "create_async_client")
    settings, timeout, http_timeout = _resolve(locals())

    def rebuild() -> httpx.AsyncHTTPTransport:  # for a child after os.fork()
        return _default_transport(settings.base_url, httpx.AsyncHTTPTransport)

    http_client = httpx.AsyncClient(
        transport=AsyncBedrockTransport(
            settings, inner=transport or rebuild(), rebuild=None if transport else rebuild
        ),
        timeout=http_timeout,
        follow_redirects=False,
    )
    client = openai.AsyncOpenAI(
        api_key=SDK_PLACEHOLDER_KEY,  # the SDK insists on one; never sent
        base_url=str(settings.base_url),
        # openai 3.x is typed for httpx2 clients but accepts httpx ones at run time.
        http_client=cast(Any, http_client),
        timeout=timeout,
        **openai_kwargs,
    )
    return _with_bedrock_errors(client)
