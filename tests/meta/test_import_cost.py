"""Which modules a client pulls in: an API-key client (and a static-key one) never
imports botocore. Checked in a fresh interpreter, where sys.modules starts clean.

One interpreter answers every question in turn (starting one costs ~1 s, mostly importing
openai). Modules are only ever added, so a step that loads what it must not is still
caught at that step; a later step can only see more."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from support import http_lib

AUTHS = {
    "api key": {"api_key": "ABSKexample"},
    # Last: the HTTP-library answers below come from this client.
    "static AWS keys": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secretexample"},
}

PROBE = textwrap.dedent(
    """
    import asyncio, json, sys

    def loaded(*names):
        return sorted(name for name in names if name in sys.modules)

    found = {}
    import openai_bedrock.testing.pytest_plugin
    import openai_bedrock

    assert "botocore" not in sys.modules, "import openai_bedrock imported botocore"
    found["plugin"] = loaded("openai", "httpx", "httpx2", "botocore")
    openai_bedrock.create_client
    found["create_client"] = loaded("openai", "httpx", "httpx2", "botocore")

    http_lib = openai_bedrock.http_library()

    def reply(request):
        return http_lib.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "hi"}}],
        })

    messages = [{"role": "user", "content": "Hi"}]
    for name, auth in AUTHS.items():
        kwargs = dict(region="us-west-2", **auth)
        client = openai_bedrock.create_client(transport=http_lib.MockTransport(reply), **kwargs)
        client.chat.completions.create(model="m", messages=messages)
        aclient = openai_bedrock.create_async_client(
            transport=http_lib.MockTransport(reply), **kwargs
        )
        asyncio.run(aclient.chat.completions.create(model="m", messages=messages))
        found[name] = sorted(m for m in sys.modules if m.split(".")[0] in ("botocore", "boto3"))

    found["library"] = next(
        c.__module__.split(".")[0]
        for c in type(client._client).__mro__
        if c.__module__.split(".")[0] != "openai_bedrock"
    )
    found["http libraries"] = loaded("httpx", "httpx2")
    # The check above can fail: a script importing httpx shows it as loaded.
    import httpx
    found["http libraries after import httpx"] = loaded("httpx", "httpx2")
    print(json.dumps(found))
    """
).replace("AUTHS.items()", f"{AUTHS!r}.items()")


def run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def found() -> dict[str, Any]:
    result = run(PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("auth", list(AUTHS))
def test_a_client_and_its_requests_never_import_botocore(found: dict[str, Any], auth: str) -> None:
    assert found[auth] == []


def test_the_check_sees_botocore_when_it_is_imported() -> None:
    """The check above can fail: a profile-based client does import botocore."""
    script = PROBE.replace(
        "import openai_bedrock\n", "import openai_bedrock\nimport botocore.session\n", 1
    )
    result = run(script)
    assert result.returncode != 0
    assert "imported botocore" in result.stderr


def test_loading_the_pytest_plugin_imports_neither_openai_nor_httpx(found: dict[str, Any]) -> None:
    """Every pytest session where the package is installed loads the plugin (pytest11)."""
    assert found["plugin"] == []
    assert found["create_client"] == sorted([http_lib.__name__, "openai"])


def test_clients_use_the_sdks_own_http_library_and_import_no_other(found: dict[str, Any]) -> None:
    """openai 3.x builds on httpx2: a client (and its requests) must not load httpx."""
    import openai

    sdk_library = openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]
    assert found["library"] == sdk_library == http_lib.__name__
    assert found["http libraries"] == [sdk_library]


def test_the_library_check_sees_httpx_when_it_is_imported(found: dict[str, Any]) -> None:
    """The check above can fail: a script importing httpx shows it as loaded."""
    assert "httpx" in found["http libraries after import httpx"]
