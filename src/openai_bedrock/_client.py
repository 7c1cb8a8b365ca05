"""The factories: resolve settings, build the HTTP side (``_http_clients``), and return
a plain openai client, an HTTP client or the transport."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, cast

import openai

from ._auth import TokenProvider
from ._dual_transport import DualBedrockTransport
from ._errors import ConfigurationError
from ._http import NAME, http
from ._http_clients import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT  # public: openai_bedrock's
from ._http_clients import (
    _env_proxy,  # noqa: F401 - read from here by the tests
    bedrock_transport,
    build_http_client,
    check_transport,
    timeouts,
)
from ._settings import resolve_settings
from ._signing import SDK_PLACEHOLDER_KEY, Signing

if TYPE_CHECKING:  # loaded only when a guardrail is used
    from .guardrails import Guardrail


def _check_sdk_kwargs(openai_kwargs: dict[str, Any]) -> None:
    if "http_client" in openai_kwargs:
        raise ConfigurationError(
            "http_client cannot be passed: openai-bedrock builds the HTTP client so that "
            "every request is authenticated. To control connections (proxy, TLS, limits), "
            f"pass transport={NAME}.HTTPTransport(...) (or {NAME}.AsyncHTTPTransport for "
            f"the async client; {NAME} is the HTTP library this openai version uses) and it "
            "will be wrapped."
        )


def _split_sdk_kwargs(openai_kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """Keep OpenAI account variables off the wire, and take out the timeout, as the
    SDK's type and as its HTTP client's."""
    _ignore_openai_account_env(openai_kwargs)
    return timeouts(openai_kwargs.pop("timeout", DEFAULT_TIMEOUT))


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


def _sdk_api_key(signing: Signing) -> str:
    """The SDK's ``api_key``: a fixed Bedrock API key itself, so the SDK writes its
    Authorization header as a plain client does (the transport still refuses other
    origins); otherwise a placeholder that the transport replaces (never sent)."""
    return signing.sdk_api_key or SDK_PLACEHOLDER_KEY


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
    allow_custom_host: bool = False,
    transport: Optional[http.BaseTransport] = None,
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
        base_url: Full override (VPC endpoint, emulator). Else
            ``AWS_BEDROCK_BASE_URL``. Its host must be a Bedrock endpoint (any
            partition, FIPS, dual-stack, VPC endpoint) or loopback; any other host
            raises ``ConfigurationError`` unless ``allow_custom_host=True``.
        fips: Use the FIPS runtime hostname (else ``AWS_USE_FIPS_ENDPOINT``).
        api_key: A Bedrock API key, sent as ``Authorization: Bearer``.
        token_provider: Called per request for a Bedrock API key (cache inside it).
        session: A ``boto3.Session`` or ``botocore.session.Session``.
        profile: An AWS profile name.
        access_key_id, secret_access_key, session_token: Static AWS credentials.
        guardrail: A ``Guardrail`` applied to every chat completion and response
            request (a per-call guardrail wins). Refused on mantle, and on requests
            where Bedrock ignores guardrails, unless ``allow_unenforced_guardrail``.
        allow_custom_host: Allow a ``base_url`` whose host is not Bedrock, such as a
            corporate gateway that forwards to Bedrock. The client then sends your
            AWS signature or API key to that host: only for a gateway you trust.
        transport: The inner transport (proxy, TLS, limits), of the HTTP library the
            installed openai uses (``http_library()``); default its ``HTTPTransport()``
            honouring the proxy environment variables.
        **openai_kwargs: Passed to ``openai.OpenAI`` unchanged (``timeout``,
            ``max_retries``, ``default_headers``, ...). ``timeout`` defaults to 3600 s
            read / 10 s connect.

    Example::

        client = openai_bedrock.create_client(region="us-west-2")
        client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[...])
    """
    check_transport(transport, http.BaseTransport, "create_client")
    _check_sdk_kwargs(openai_kwargs)
    settings = resolve_settings(
        region=region,
        endpoint=endpoint,
        base_url=base_url,
        fips=fips,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
        allow_custom_host=allow_custom_host,
    )
    timeout, http_timeout = _split_sdk_kwargs(openai_kwargs)
    # An openai client sends one kind of request: it gets that half of the transport.
    bedrock = bedrock_transport(settings, transport=transport).sync
    http_client = build_http_client(bedrock, http_timeout, is_async=False)
    client = openai.OpenAI(
        api_key=_sdk_api_key(bedrock.signing),
        base_url=str(settings.base_url),
        # The SDK's own library (``_http``); typed here as httpx, which 3.x is not.
        http_client=cast(Any, http_client),
        timeout=timeout,
        **openai_kwargs,
    )
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
    allow_custom_host: bool = False,
    transport: Optional[http.AsyncBaseTransport] = None,
    **openai_kwargs: Any,
) -> openai.AsyncOpenAI:
    """Return an ``openai.AsyncOpenAI`` that talks to Amazon Bedrock.

    Takes the same arguments as ``create_client``; ``transport`` is an async
    transport and ``token_provider`` may also be an async function. Credential
    refreshes run in a worker thread, so the event loop is never blocked on them.
    """
    check_transport(transport, http.AsyncBaseTransport, "create_async_client")
    _check_sdk_kwargs(openai_kwargs)
    settings = resolve_settings(
        region=region,
        endpoint=endpoint,
        base_url=base_url,
        fips=fips,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
        allow_custom_host=allow_custom_host,
    )
    timeout, http_timeout = _split_sdk_kwargs(openai_kwargs)
    bedrock = bedrock_transport(settings, async_transport=transport).async_
    http_client = build_http_client(bedrock, http_timeout, is_async=True)
    client = openai.AsyncOpenAI(
        api_key=_sdk_api_key(bedrock.signing),
        base_url=str(settings.base_url),
        # The SDK's own library (``_http``); typed here as httpx, which 3.x is not.
        http_client=cast(Any, http_client),
        timeout=timeout,
        **openai_kwargs,
    )
    return client


def create_http_client(
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
    allow_custom_host: bool = False,
    transport: Optional[http.BaseTransport] = None,
    timeout: Any = DEFAULT_TIMEOUT,
) -> http.Client:
    """Return an HTTP client that signs every request for Amazon Bedrock.

    For libraries that build their own ``openai.OpenAI`` and accept an
    ``http_client``: each request it sends is authenticated, given the client-wide
    ``guardrail`` and refused if it is for another origin, exactly as through
    ``create_client``. Point the library at the client's ``base_url`` (Bedrock's
    OpenAI-compatible base URL for these settings); the library's API key is a
    placeholder that is never sent.

    The client is of the HTTP library the installed ``openai`` uses (``httpx2`` on
    openai 3.x, ``httpx`` on 1.x and 2.x; ``http_library()``), so an SDK built on it
    accepts it.

    Takes the settings of ``create_client`` (not its openai keyword arguments), plus
    ``transport`` (the inner ``BaseTransport`` of that library) and ``timeout`` (the client's
    default; an SDK on top usually passes its own per request).

    Example::

        http_client = openai_bedrock.create_http_client(region="us-west-2")
        library.Model(base_url=str(http_client.base_url), api_key="unused", http_client=http_client)
    """
    check_transport(transport, http.BaseTransport, "create_http_client")
    settings = resolve_settings(
        region=region,
        endpoint=endpoint,
        base_url=base_url,
        fips=fips,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
        allow_custom_host=allow_custom_host,
    )
    bedrock = bedrock_transport(settings, transport=transport)
    bedrock.sync  # noqa: B018 - its pool built now: a bad proxy variable fails here
    return build_http_client(bedrock, timeouts(timeout)[1], is_async=False)


def create_async_http_client(
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
    allow_custom_host: bool = False,
    transport: Optional[http.AsyncBaseTransport] = None,
    timeout: Any = DEFAULT_TIMEOUT,
) -> http.AsyncClient:
    """Return an async HTTP client that signs every request for Amazon Bedrock.

    The async twin of ``create_http_client``; ``transport`` is an
    ``AsyncBaseTransport`` of that library and ``token_provider`` may be an async function.
    """
    check_transport(transport, http.AsyncBaseTransport, "create_async_http_client")
    settings = resolve_settings(
        region=region,
        endpoint=endpoint,
        base_url=base_url,
        fips=fips,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
        allow_custom_host=allow_custom_host,
    )
    bedrock = bedrock_transport(settings, async_transport=transport)
    bedrock.async_  # noqa: B018 - its pool built now: a bad proxy variable fails here
    return build_http_client(bedrock, timeouts(timeout)[1], is_async=True)


def create_transport(
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
    allow_custom_host: bool = False,
    transport: Optional[http.BaseTransport] = None,
    async_transport: Optional[http.AsyncBaseTransport] = None,
    library: Optional[str] = None,
) -> DualBedrockTransport:
    """Return the transport behind ``create_http_client``: one object that is both an
    ``BaseTransport`` and an ``AsyncBaseTransport`` of the SDK's HTTP library
    (``http_library()``).

    For libraries that build a ``Client`` and an ``AsyncClient`` from one
    set of keyword arguments (``transport=``): both sign through it. Its sync and async
    connection pools are built on first use; ``transport`` / ``async_transport`` are
    the inner transports (default: the library's, honouring the proxy environment).

    ``library`` picks the HTTP library whose clients will use it: by default the one
    the installed openai uses (``http_library()``); ``library="httpx"`` on openai 3.x
    for a library that builds plain ``httpx`` clients (each request and response is
    converted; the body still streams).

    Example::

        transport = openai_bedrock.create_transport(region="us-west-2")
        http.Client(transport=transport), http.AsyncClient(transport=transport)
    """
    from ._bridge import bridged
    from ._bridge import library as library_named

    lib = library_named(library)
    check_transport(transport, http.BaseTransport, "create_transport")
    check_transport(async_transport, http.AsyncBaseTransport, "create_transport")
    settings = resolve_settings(
        region=region,
        endpoint=endpoint,
        base_url=base_url,
        fips=fips,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
        allow_custom_host=allow_custom_host,
    )
    dual = bedrock_transport(settings, transport=transport, async_transport=async_transport)
    # Typed as ours: with library= it is that library's transport, with the same
    # settings, base_url, sending and closing.
    return cast(DualBedrockTransport, bridged(dual, lib))
