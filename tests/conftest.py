"""Shared fixtures: an isolated AWS environment, no network, a frozen signing clock,
and a recording mock transport standing in for Bedrock."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest

if TYPE_CHECKING:
    from support import Factory, FakeBedrock


def _rewrite_only_test_code() -> None:
    """pytest rewrites the asserts of every module of every distribution that ships a
    pytest plugin: all of hypothesis, anyio, xdist, and this package. Where no bytecode
    is written (PYTHONDONTWRITEBYTECODE) nothing of that is cached, and every worker spent
    ~2 s of CPU rewriting hypothesis and openai_bedrock again. Test modules, conftest and
    pytester's helpers are rewritten as before; asserts in the libraries run as written.
    Needs pytest's hook's private set of names: without it, all is rewritten as before."""
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if type(finder).__name__ == "AssertionRewritingHook" and isinstance(marked, set):
            marked.intersection_update({"_pytest.pytester", "_pytest.pytester_assertions"})


# Before anything loads the package. The package, openai and support are imported by the
# fixtures that use them: pytest-xdist's controller loads this file but runs no test.
_rewrite_only_test_code()

_ENV_PREFIXES = ("AWS_", "OPENAI_", "BOTO_")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the option
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``-n auto`` unless ``-n`` (or ``--tx``) is given. Set here rather than in
    pyproject.toml's addopts so that ``-p no:xdist``, or an environment without
    pytest-xdist, runs the suite in one process instead of failing on ``-n``."""
    option = config.option
    if hasattr(config, "workerinput") or getattr(option, "tx", None):
        return  # a worker (xdist passes it its part) or a user's own gateways
    if getattr(option, "numprocesses", 0) is None:  # 0: no pytest-xdist, or -n 0
        option.numprocesses = "auto"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (pyproject.toml): workers only for a run of the whole suite (or its
    ``-m slow`` part); a run of chosen files or tests starts quicker in one process."""
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return 0
    return None  # pytest-xdist's own answer: one worker per core


# The first certificate of a CA bundle this machine has (any will do: nothing is verified).
_CA_BUNDLES = (ssl.get_default_verify_paths().openssl_cafile, "/etc/ssl/certs/ca-certificates.crt")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.S)


_SMALL_CA = pytest.StashKey[tuple[Path, Optional[str]]]()


def pytest_configure(config: pytest.Config) -> None:
    """Every HTTP client the tests build loads its CA bundle, ~40 ms each, for hundreds of
    clients (some built while modules are collected); they only ever talk plain HTTP on
    loopback. A one-certificate bundle through SSL_CERT_FILE (honoured by httpx and
    httpx2) makes that ~1 ms, and TLS to anywhere real would fail verification."""
    for bundle in _CA_BUNDLES:
        if os.path.isfile(bundle):
            first = _PEM.search(Path(bundle).read_text(encoding="ascii", errors="replace"))
            if first:
                break
    else:
        return
    folder = Path(tempfile.mkdtemp(prefix="one-ca-"))
    (folder / "one.pem").write_text(first.group(0), encoding="ascii")
    config.stash[_SMALL_CA] = (folder, os.environ.get("SSL_CERT_FILE"))
    os.environ["SSL_CERT_FILE"] = str(folder / "one.pem")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, previous = config.stash.get(_SMALL_CA, (None, None))
    if folder is None:
        return
    if previous is None:
        os.environ.pop("SSL_CERT_FILE", None)
    else:
        os.environ["SSL_CERT_FILE"] = previous
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_botocore_data() -> Iterator[None]:
    """Every boto3/botocore session (one per ``batch.upload_input`` call without a
    session, one per CLI command, one per moto client) reads and parses botocore's data
    files again, ~0.15 s a session: here every session shares one loader, whose files
    never change. Opt in with ``pytestmark = pytest.mark.usefixtures(...)``."""
    import functools

    import botocore.session

    original = getattr(botocore.session, "create_loader", None)
    if original is None:  # botocore moved it: nothing is shared, all still works
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", functools.cache(original))
        yield


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS/OpenAI variables from the machine, empty AWS files, no IMDS lookups."""
    for name in list(os.environ):
        if name.upper().startswith(_ENV_PREFIXES) or name.upper() in _PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return aws_dir


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to open a connection beyond the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        try:
            if isinstance(host, str) and not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"test tried to reach the network: {address!r}")
        except ValueError as exc:  # a hostname, not an address
            raise AssertionError(f"test tried to reach the network: {address!r}") from exc
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Sign every request at docs/wire.md section 8's fixed time."""
    from openai_bedrock import _sigv4
    from support import FROZEN_TIME

    monkeypatch.setattr(_sigv4, "timestamp", FROZEN_TIME.timestamp)
    return FROZEN_TIME


@pytest.fixture
def bedrock() -> FakeBedrock:
    from support import FakeBedrock

    return FakeBedrock()


@pytest.fixture(
    params=[
        pytest.param("create_client", id="sync client"),
        pytest.param("create_async_client", id="async client"),
    ]
)
def factory(request: pytest.FixtureRequest) -> Factory:
    """Each factory in turn, for construction-time behaviour that both must share."""
    import openai_bedrock

    return getattr(openai_bedrock, request.param)  # type: ignore[no-any-return]
