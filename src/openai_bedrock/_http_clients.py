"""The HTTP side of every factory: the inner transport (honouring the proxy
environment), the Bedrock transport wrapping it, and the HTTP client on top, with the
package's default timeout and pool limits."""

from __future__ import annotations

import inspect
import urllib.request
from typing import Any, Literal, Optional, TypeVar, Union, cast, overload

import openai

from ._dual_transport import DualBedrockTransport
from ._errors import ConfigurationError
from ._http import NAME, http
from ._settings import Settings
from ._transport import AsyncBedrockTransport, BedrockTransport

_T = TypeVar("_T", http.HTTPTransport, http.AsyncHTTPTransport)


# Bedrock inference may run up to 60 minutes before the first byte of a non-streamed
# answer (https://docs.aws.amazon.com/nova/latest/nova2-userguide/important-timeout-configuration.html);
# the SDK's 600 s default would cut long reasoning calls. Connecting stays quick.
# openai.Timeout is the SDK's own type (httpx's before openai 3.0, httpx2's since), so
# client.timeout is what a plain client's would be.
DEFAULT_TIMEOUT = openai.Timeout(3600.0, connect=10.0, pool=60.0)


# The openai SDK's own pool size, so concurrency is what users of the SDK expect.
DEFAULT_LIMITS = http.Limits(max_connections=1000, max_keepalive_connections=100)


def _env_proxy(url: http.URL) -> Optional[str]:
    """The proxy that HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY choose for our origin.

    httpx only reads proxy variables when it builds its own transport, and ours wraps
    one, so the same environment rules are applied here, as httpx applies them.
    """
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"  # httpx's reading of "host:port"


def _default_transport(url: http.URL, cls: type[_T]) -> _T:
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
        return str(http.URL(proxy).copy_with(password=None))
    except Exception:
        return "an invalid URL"


def check_transport(transport: object, expected: type, factory: str) -> None:
    if transport is not None and not isinstance(transport, expected):
        raise ConfigurationError(
            f"transport must be an {NAME}.{expected.__name__} for {factory}() (the HTTP "
            f"library this openai version uses), not {type(transport).__module__}."
            f"{type(transport).__qualname__}."
        )


def bedrock_transport(
    settings: Settings,
    *,
    transport: Optional[http.BaseTransport] = None,
    async_transport: Optional[http.AsyncBaseTransport] = None,
) -> DualBedrockTransport:
    """The one Bedrock transport every client of this package sends through.

    Each half wraps the caller's inner transport, or else a default one (honouring
    the proxy environment) that a forked child rebuilds for itself.
    """

    def sync_inner() -> http.HTTPTransport:
        return _default_transport(settings.base_url, http.HTTPTransport)

    def async_inner() -> http.AsyncHTTPTransport:
        return _default_transport(settings.base_url, http.AsyncHTTPTransport)

    return DualBedrockTransport(
        settings,
        sync_half=lambda: BedrockTransport(
            settings,
            inner=transport or sync_inner(),
            rebuild=None if transport else sync_inner,
        ),
        async_half=lambda: AsyncBedrockTransport(
            settings,
            inner=async_transport or async_inner(),
            rebuild=None if async_transport else async_inner,
        ),
    )


class _SetCookiesOnly(http.Cookies):
    """A client's cookies, read from a response only when it sets one.

    httpx hands every response to ``http.cookiejar`` through urllib stand-ins of the
    request and the response, which costs about 35 us a call (3% of a call on openai
    1.x and 2.x) although Bedrock's responses set no cookie. httpx2 looks for the
    header first (https://github.com/pydantic/httpx2/pull/1107); so does this, on httpx.
    """

    def extract_cookies(self, response: http.Response) -> None:
        # One pass over the raw names: half the cost of two ``in`` lookups, which
        # raise and catch a KeyError each when the header is absent.
        if not _COOKIE_HEADERS.isdisjoint([name.lower() for name, _ in response.headers.raw]):
            super().extract_cookies(response)


# The headers http.cookiejar reads (CookieJar.make_cookies).
_COOKIE_HEADERS = frozenset((b"set-cookie", b"set-cookie2"))


# The library's own ``cookies`` property, which the clients below wrap.
_LIBRARY_COOKIES = cast(property, inspect.getattr_static(http.Client, "cookies"))


class _CookiesView:
    """For the library's two clients: ``cookies`` is a ``_SetCookiesOnly`` view of the
    client's own jar, kept when a caller assigns new cookies."""

    _cookie_view: http.Cookies

    def _view_jar(self) -> None:
        self._cookie_view = _SetCookiesOnly(_LIBRARY_COOKIES.__get__(self).jar)

    @property
    def cookies(self) -> http.Cookies:
        return self._cookie_view

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        _LIBRARY_COOKIES.__set__(self, cookies)  # the library's own reading of them
        self._view_jar()


class _Client(_CookiesView, http.Client):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._view_jar()


class _AsyncClient(_CookiesView, http.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._view_jar()


# httpx2 already skips responses without Set-Cookie: its own classes serve as they are.
_CLIENTS: tuple[type[http.Client], type[http.AsyncClient]] = (
    (http.Client, http.AsyncClient) if NAME == "httpx2" else (_Client, _AsyncClient)
)


@overload
def build_http_client(
    transport: http.BaseTransport, timeout: Any, *, is_async: Literal[False]
) -> http.Client: ...


@overload
def build_http_client(
    transport: http.AsyncBaseTransport, timeout: Any, *, is_async: Literal[True]
) -> http.AsyncClient: ...


def build_http_client(
    transport: Any, timeout: Any, *, is_async: bool
) -> Union[http.Client, http.AsyncClient]:
    """The HTTP client of every factory, on a Bedrock transport (the one place that
    names the HTTP library's client classes).

    Redirects are not followed: a signed request goes to Bedrock's origin only. The
    client's ``base_url`` is the endpoint's, for libraries that ask for one.
    """
    cls = _CLIENTS[1] if is_async else _CLIENTS[0]
    return cls(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        base_url=transport.settings.base_url,
    )


def timeouts(value: Any) -> tuple[Any, Any]:
    """``value`` as the SDK's Timeout type and as httpx's (numbers and None as they are).

    openai 3.x has its own Timeout class, which its HTTP library (httpx2) does not
    accept; the SDK would otherwise convert the timeout on every request.
    """
    as_dict = getattr(value, "as_dict", None)
    if not callable(as_dict):
        return value, value
    fields = as_dict()
    return openai.Timeout(**fields), http.Timeout(**fields)


def async_http_client(
    settings: Settings,
    *,
    transport: Optional[http.AsyncBaseTransport] = None,
    timeout: Any = None,
) -> http.AsyncClient:
    """An async HTTP client that authenticates (and guards) every request for
    already resolved ``settings``; used by the local proxy."""
    bedrock = bedrock_transport(settings, async_transport=transport).async_
    return build_http_client(
        bedrock, timeouts(DEFAULT_TIMEOUT)[1] if timeout is None else timeout, is_async=True
    )
