"""Resolve everything a client needs, once, into an immutable ``Settings``.

Explicit arguments win over the environment, which wins over the AWS config files.
Bad input raises ``ConfigurationError`` here, before any network traffic.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ._auth import Authenticator, TokenProvider, resolve_auth
from ._endpoints import (
    ENDPOINTS,
    Endpoint,
    default_base_url,
    endpoint_of_host,
    is_bedrock_host,
    is_loopback,
)
from ._errors import ConfigurationError, GuardrailError
from ._http import http

if TYPE_CHECKING:  # loaded only when a guardrail is used
    from .guardrails import Guardrail

BASE_URL_ENV = "AWS_BEDROCK_BASE_URL"


class Settings:
    """What one client talks to and how it authenticates. Holds no secret in its repr.

    Set once, never changed (a plain class: see ``_auth.BearerAuth``)."""

    def __init__(
        self,
        *,
        region: str,
        region_source: str,
        endpoint: Endpoint,
        base_url: http.URL,
        base_url_source: str,
        auth: Authenticator,
        guardrail: Optional[Guardrail] = None,
        allow_unenforced_guardrail: bool = False,
    ) -> None:
        self.region = region
        self.region_source = region_source
        self.endpoint = endpoint
        self.base_url = base_url
        self.base_url_source = base_url_source
        self.auth = auth
        self.guardrail = guardrail
        self.allow_unenforced_guardrail = allow_unenforced_guardrail

    def __repr__(self) -> str:
        return (
            f"Settings(region={self.region!r}, region_source={self.region_source!r}, "
            f"endpoint={self.endpoint!r}, base_url={self.base_url!r}, "
            f"base_url_source={self.base_url_source!r}, auth={self.auth!r}, "
            f"guardrail={self.guardrail!r}, "
            f"allow_unenforced_guardrail={self.allow_unenforced_guardrail!r})"
        )

    @functools.cached_property  # read on every request
    def origin(self) -> tuple[str, str, Optional[int]]:
        """``(scheme, host, port)``: the only origin requests may go to."""
        return origin_of(self.base_url)

    @property
    def routes_mantle(self) -> bool:
        """Whether requests are routed per model between mantle's two bases: only on
        mantle's own default URL, never on a ``base_url`` someone chose."""
        return self.endpoint == "mantle" and self.base_url_source.startswith("mantle endpoint")


def origin_of(url: http.URL) -> tuple[str, str, Optional[int]]:
    return url.scheme, url.host, url.port


def _session_region(session: Any) -> Optional[str]:
    region = getattr(session, "region_name", None)  # boto3.Session
    if region is None and callable(getattr(session, "get_config_variable", None)):
        region = session.get_config_variable("region")  # botocore Session
    return region if isinstance(region, str) and region.strip() else None


def resolve_settings(
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
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Resolve region, endpoint, base URL and auth, in that order.

    Region: ``region`` > the ``session``'s region > ``AWS_REGION`` >
    ``AWS_DEFAULT_REGION`` > the profile's region in the AWS config file > the region
    named by a canonical Bedrock ``base_url``.
    Base URL: ``base_url`` > ``AWS_BEDROCK_BASE_URL`` > the endpoint's documented URL;
    a host that is neither a Bedrock endpoint nor loopback needs ``allow_custom_host``.
    Auth: see ``resolve_auth``.
    """
    # Each value is checked by its declared check (``_setting_table``) where it is read.
    # The table loads on the first resolution, not with the package (import time).
    from ._setting_table import checked

    # Endpoint and base URL first: a canonical base URL can tell us both.
    if endpoint is not None:
        endpoint = checked("endpoint", endpoint)
    raw_url, url_source = (
        (base_url, "base_url argument")
        if base_url is not None
        else (environ.get(BASE_URL_ENV) or None, BASE_URL_ENV)
    )
    url: Optional[http.URL] = (
        checked("base_url", raw_url, url_source) if raw_url is not None else None
    )
    if url is not None:
        _check_host(url, url_source, allow_custom_host)
    named = endpoint_of_host(url.host) if url is not None else None
    if fips is not None:
        fips = checked("fips", fips)
    if url is not None and fips:
        raise ConfigurationError(
            f"fips=True was given together with {url_source}; the base URL decides the "
            "host, so fips would be ignored. Pass one of them."
        )

    resolved_endpoint: Endpoint
    if endpoint is not None:
        resolved_endpoint = "mantle" if endpoint == "mantle" else "runtime"
    else:
        resolved_endpoint = named[0] if named is not None else "runtime"
    if named is not None and named[0] != resolved_endpoint:
        raise ConfigurationError(
            f"{url_source} is a bedrock-{named[0]} URL but endpoint={endpoint!r} was given. "
            f"Pass endpoint={named[0]!r}, or a {resolved_endpoint} URL."
        )
    if named is not None and url is not None:
        paths = ENDPOINTS[resolved_endpoint].paths
        if url.path.rstrip("/") not in paths:
            raise ConfigurationError(
                f"{url_source} has path {url.path!r}, but bedrock-{resolved_endpoint} serves "
                f"the OpenAI API under {' or '.join(paths)}. Use, for example, "
                f"'{url.scheme}://{url.host}{paths[0]}'."
            )

    _check_guardrail(guardrail, resolved_endpoint, allow_unenforced_guardrail)

    # Region.
    profile_session_cache: list[Any] = []

    def botocore_session() -> Any:
        if not profile_session_cache:
            from ._credentials import botocore_session as _botocore_session

            profile_session_cache.append(_botocore_session(profile))
        return profile_session_cache[0]

    resolved_region, region_source = _resolve_region(
        region, session, profile, environ, botocore_session, named, url_source
    )
    if named is not None and named[1] != resolved_region:
        raise ConfigurationError(
            f"{url_source} is in region {named[1]!r} but the region from {region_source} is "
            f"{resolved_region!r}. Requests would be signed for the wrong region: make them agree."
        )

    # Base URL.
    if url is None:
        if fips is not None:
            use_fips, fips_source = fips, "fips=True"
        else:
            # botocore treats only "true" (any case) as true.
            use_fips = environ.get("AWS_USE_FIPS_ENDPOINT", "").strip().lower() == "true"
            fips_source = "AWS_USE_FIPS_ENDPOINT=true"
        url = http.URL(
            default_base_url(
                resolved_endpoint, resolved_region, fips=use_fips, fips_source=fips_source
            )
        )
        url_source = f"{resolved_endpoint} endpoint" + (" (FIPS)" if use_fips else "")
    else:
        url = url.copy_with(path=url.path.rstrip("/") or "/")

    auth = resolve_auth(
        service=ENDPOINTS[resolved_endpoint].signing_name,
        region=resolved_region,
        api_key=api_key,
        token_provider=token_provider,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        botocore_session=botocore_session,
        environ=environ,
    )
    return Settings(
        region=resolved_region,
        region_source=region_source,
        endpoint=resolved_endpoint,
        base_url=url,
        base_url_source=url_source,
        auth=auth,
        guardrail=guardrail,
        allow_unenforced_guardrail=allow_unenforced_guardrail,
    )


def _check_host(url: http.URL, source: str, allow_custom_host: object) -> None:
    """Refuse to send credentials to a host that is not Bedrock, unless told to."""
    from ._setting_table import checked

    allowed = checked("allow_custom_host", allow_custom_host)
    if allowed or is_loopback(url.host) or is_bedrock_host(url.host):
        return
    raise ConfigurationError(
        f"{source} names host {url.host!r}, which is not an Amazon Bedrock endpoint "
        "(bedrock-runtime or bedrock-mantle in an AWS partition, FIPS, dual-stack or a "
        "VPC endpoint) nor loopback. The client would send your AWS signature or API key "
        "there. If it is a gateway you trust that forwards to Bedrock, pass "
        "allow_custom_host=True (CLI: --allow-custom-host)."
    )


def _check_guardrail(guardrail: object, endpoint: Endpoint, allow_unenforced: object) -> None:
    from ._setting_table import checked

    checked("allow_unenforced_guardrail", allow_unenforced)
    if guardrail is None:
        return  # the common case, without loading the guardrails module
    checked("guardrail", guardrail)
    if not ENDPOINTS[endpoint].guardrails_enforced_on and not allow_unenforced:
        raise GuardrailError(
            f"A client-wide guardrail was given for the {endpoint} endpoint, which ignores "
            "guardrail headers, so no call would be guarded. Use endpoint='runtime' (Chat "
            "Completions enforces guardrails), or pass allow_unenforced_guardrail=True to "
            "send the headers anyway."
        )


def _resolve_region(
    region: object,
    session: Any,
    profile: Optional[str],
    environ: Mapping[str, str],
    botocore_session: Callable[[], Any],
    named: Optional[tuple[Endpoint, str]],
    url_source: str,
) -> tuple[str, str]:
    """The region and where it came from, checked (as the declaration says) whatever
    its source."""
    from ._setting_table import checked

    found, source = _find_region(
        region, session, profile, environ, botocore_session, named, url_source
    )
    return checked("region", found, source), source


def _find_region(
    region: object,
    session: Any,
    profile: Optional[str],
    environ: Mapping[str, str],
    botocore_session: Callable[[], Any],
    named: Optional[tuple[Endpoint, str]],
    url_source: str,
) -> tuple[object, str]:
    if region is not None:
        return region, "region argument"
    if session is not None:
        from_session = _session_region(session)
        if from_session:
            return from_session.strip(), "session argument"
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = environ.get(name, "").strip()
        if value:
            return value, name
    from_config = botocore_session().get_scoped_config().get("region")
    if isinstance(from_config, str) and from_config.strip():
        where = profile or environ.get("AWS_PROFILE") or "default"
        return from_config.strip(), f"profile {where!r} in the AWS config file"
    if named is not None:
        return named[1], url_source
    raise ConfigurationError(
        "No AWS region was found. Looked in: the region argument, the session argument, "
        "AWS_REGION, AWS_DEFAULT_REGION, and the profile's region in the AWS config file "
        f"({environ.get('AWS_CONFIG_FILE', '~/.aws/config')}). Pass region='us-west-2' (or "
        "your region), or set AWS_REGION."
    )
