"""The clients compared in 1 (client-side cost per call), on an in-process mock
transport: plain openai (the baseline), ours, and the SDK's own Bedrock provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

import openai_bedrock

from .fixtures import (
    ACCESS_KEY_ID,
    API_KEY,
    COMPLETION,
    REGION,
    RUNTIME_URL,
    SECRET_ACCESS_KEY,
    _reply,
    http,
)


def _has_sdk_bedrock() -> bool:
    try:
        import openai.providers.bedrock  # noqa: F401
    except ImportError:
        return False
    return True


def _forced_httpx() -> Any:
    """httpx, when the installed openai uses another library (openai 3.x: httpx2) and
    httpx is installed: the row of a plain client forced onto it, for information."""
    if http.__name__ == "httpx":
        return None
    try:
        import httpx
    except ImportError:
        return None
    return httpx


def plain_client(is_async: bool, transport: Any) -> tuple[Any, Callable[..., Any]]:
    """The baseline, a plain openai client with the SDK's default HTTP client class on
    ``transport``, and our factory of the same kind."""
    if is_async:
        plain: Any = openai.AsyncOpenAI(
            api_key=API_KEY,
            base_url=RUNTIME_URL,
            # The SDK's default client class, on the mock transport.
            http_client=openai.DefaultAsyncHttpxClient(transport=transport),
        )
        return plain, openai_bedrock.create_async_client
    plain = openai.OpenAI(
        api_key=API_KEY,
        base_url=RUNTIME_URL,
        http_client=openai.DefaultHttpxClient(transport=transport),
    )
    return plain, openai_bedrock.create_client


def _mock_clients(is_async: bool) -> dict[str, tuple[Any, str]]:
    """name -> (client, name of the baseline it is compared with)."""
    transport: Any = http.MockTransport(_reply)
    plain, factory = plain_client(is_async, transport)
    clients: dict[str, tuple[Any, str]] = {
        "plain openai, API key": (plain, "plain openai, API key"),
        "ours, API key": (
            factory(region=REGION, api_key=API_KEY, transport=transport),
            "plain openai, API key",
        ),
        "ours, SigV4": (
            factory(
                region=REGION,
                access_key_id=ACCESS_KEY_ID,
                secret_access_key=SECRET_ACCESS_KEY,
                transport=transport,
            ),
            "plain openai, API key",
        ),
    }
    forced = _forced_httpx()
    if forced is not None:
        name = "plain openai forced onto httpx, API key"

        def forced_reply(request: Any) -> Any:
            return forced.Response(
                200, content=COMPLETION, headers={"content-type": "application/json"}
            )

        forced_cls = forced.AsyncClient if is_async else forced.Client
        client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        forced_client = forced_cls(transport=forced.MockTransport(forced_reply))
        clients[name] = (
            client_cls(api_key=API_KEY, base_url=RUNTIME_URL, http_client=forced_client),
            "plain openai, API key",
        )
    if _has_sdk_bedrock():
        import inspect

        from openai.providers.bedrock import bedrock

        sdk_httpx = http
        client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        http_cls = sdk_httpx.AsyncClient if is_async else sdk_httpx.Client

        def reply(request: Any) -> Any:
            return sdk_httpx.Response(
                200, content=COMPLETION, headers={"content-type": "application/json"}
            )

        def on_sdk_stack(**kwargs: Any) -> Any:
            transport = sdk_httpx.MockTransport(reply)
            return client_cls(http_client=http_cls(transport=transport), **kwargs)

        provider = {"region": REGION, "base_url": RUNTIME_URL}
        if "endpoint" in inspect.signature(bedrock).parameters:
            provider["endpoint"] = "runtime"
        baseline = "plain openai, API key"
        clients["SDK bedrock provider, API key"] = (
            on_sdk_stack(provider=bedrock(api_key=API_KEY, **provider)),
            baseline,
        )
        clients["SDK bedrock provider, SigV4"] = (
            on_sdk_stack(
                provider=bedrock(
                    access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY, **provider
                )
            ),
            baseline,
        )
    return clients
