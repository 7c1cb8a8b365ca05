"""Which modules a client pulls in: an API-key client (and a static-key one) never
imports botocore. Checked in a fresh interpreter, where sys.modules starts clean."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from support import http_lib

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import openai_bedrock

    http_lib = openai_bedrock.http_library()

    assert "botocore" not in sys.modules, "import openai_bedrock imported botocore"

    def reply(request):
        return http_lib.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "hi"}}],
        })

    kwargs = dict(region="us-west-2", **{AUTH})
    messages = [{"role": "user", "content": "Hi"}]
    client = openai_bedrock.create_client(transport=http_lib.MockTransport(reply), **kwargs)
    client.chat.completions.create(model="m", messages=messages)
    aclient = openai_bedrock.create_async_client(transport=http_lib.MockTransport(reply), **kwargs)
    asyncio.run(aclient.chat.completions.create(model="m", messages=messages))
    print(sorted(name for name in sys.modules if name.split(".")[0] in ("botocore", "boto3")))
    """
)


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param('{"api_key": "ABSKexample"}', id="api key"),
        pytest.param(
            '{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secretexample"}',
            id="static AWS keys",
        ),
    ],
)
def test_a_client_and_its_requests_never_import_botocore(auth: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{AUTH}", auth)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_check_sees_botocore_when_it_is_imported() -> None:
    """The subprocess check above can fail: a profile-based client does import botocore."""
    script = SCRIPT.replace("{AUTH}", '{"api_key": "ABSKexample"}').replace(
        "import openai_bedrock\n", "import openai_bedrock\nimport botocore.session\n", 1
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "imported botocore" in result.stderr


def test_loading_the_pytest_plugin_imports_neither_openai_nor_httpx() -> None:
    """Every pytest session where the package is installed loads the plugin (pytest11)."""
    script = (
        "import sys, openai_bedrock.testing.pytest_plugin\n"
        "import openai_bedrock\n"
        "print(sorted(m for m in ('openai', 'httpx', 'httpx2', 'botocore') if m in sys.modules))\n"
        "openai_bedrock.create_client\n"
        "print(sorted(m for m in ('openai', 'httpx', 'httpx2', 'botocore') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", str(sorted([http_lib.__name__, "openai"]))]


# Builds both clients and sends a request with each, then says which HTTP libraries
# are loaded: only the one openai itself loads (httpx2 on openai 3.x).
LIBRARIES = SCRIPT.replace(
    'print(sorted(name for name in sys.modules if name.split(".")[0] in ("botocore", "boto3")))',
    'print(next(c.__module__.split(".")[0] for c in type(client._client).__mro__ '
    'if c.__module__.split(".")[0] != "openai_bedrock"), '
    '"httpx" in sys.modules, "httpx2" in sys.modules)',
).replace("{AUTH}", '{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secretexample"}')


def test_clients_use_the_sdks_own_http_library_and_import_no_other() -> None:
    """openai 3.x builds on httpx2: a client (and its requests) must not load httpx."""
    import openai

    sdk_library = openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]
    result = subprocess.run(
        [sys.executable, "-c", LIBRARIES], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    library, httpx_loaded, httpx2_loaded = result.stdout.split()
    assert library == sdk_library == http_lib.__name__
    if sdk_library == "httpx2":
        assert (httpx_loaded, httpx2_loaded) == ("False", "True")
    else:
        assert (httpx_loaded, httpx2_loaded) == ("True", "False")


def test_the_library_check_sees_httpx_when_it_is_imported() -> None:
    """The check above can fail: a script importing httpx shows it as loaded."""
    result = subprocess.run(
        [sys.executable, "-c", "import httpx\n" + LIBRARIES],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "True"
