"""The README's and the docs' Python examples run, as written, against the emulator.

Each page's examples run in order in one namespace, as a reader would type them: the
namespace starts with ``openai``, ``openai_bedrock`` and the clients of "Getting started"
(``client``, ``aclient``), and the environment is a reader's with AWS credentials (static keys,
region ``us-west-2``, a ``dev`` profile) whose Bedrock is the emulator, with the guardrails
the examples name (they block text about locks). Every request an
example sends must be authenticated as the example says (SigV4, or the Bedrock API key for
examples that read ``AWS_BEARER_TOKEN_BEDROCK``) and answered without error.

How blocks are marked (whole files run by their own tests, examples that cannot run
offline, framework recipes): ``tests/docs_examples.py``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import openai
import pytest

import openai_bedrock
from docs_examples import DOCS, ROOT, Block, all_blocks, pages, python_blocks
from openai_bedrock.testing import BedrockEmulator

INTEGRATIONS = DOCS / "integrations.md"
GUARDRAILS = [("GR12345", "DRAFT"), ("gr1a2b3c4d5e", 1)]  # the examples' guardrails


def is_recipe(block: Block) -> bool:
    """A framework recipe: run by integrations/, in an environment with the framework."""
    return block.page == INTEGRATIONS and block.marker is None and block.heading in recipes()


def recipes() -> set[str]:
    text = INTEGRATIONS.read_text(encoding="utf-8")
    return set(re.findall(r"^### (.+)$", text, re.M))


def runnable(page: Path) -> list[Block]:
    return [b for b in python_blocks(page) if b.marker is None and not is_recipe(b)]


RUNNABLE_PAGES = [page for page in pages() if runnable(page)]


@pytest.fixture
def reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An emulator, and an environment that points a reader's AWS set-up at it."""
    with BedrockEmulator(region="us-west-2") as emu:
        for name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_BEARER_TOKEN_BEDROCK",
            "AWS_DEFAULT_REGION",
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
            "OPENAI_ORG_ID",
            "OPENAI_PROJECT_ID",
        ):
            monkeypatch.delenv(name, raising=False)
        config = tmp_path / "config"
        keys = (
            f"aws_access_key_id = {emu.access_key_id}\n"
            f"aws_secret_access_key = {emu.secret_access_key}\n"
        )
        config.write_text(f"[default]\n{keys}\n[profile dev]\n{keys}", encoding="utf-8")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.setenv("AWS_REGION", emu.region)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", emu.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emu.secret_access_key)
        monkeypatch.setenv("AWS_BEDROCK_BASE_URL", emu.base_url)
        for identifier, version in GUARDRAILS:
            emu.add_guardrail(identifier, version, blocks=lambda text: "lock" in text)
        yield emu


async def run_block(block: Block, namespace: dict[str, Any]) -> None:
    code = compile(block.source, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        await result


@pytest.mark.parametrize(
    "page", RUNNABLE_PAGES, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE_PAGES]
)
async def test_the_examples_on_the_page_run(
    page: Path, reader: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace: dict[str, Any] = {
        "__name__": "docs_example",
        "openai": openai,
        "openai_bedrock": openai_bedrock,
        "client": openai_bedrock.create_client(region="us-west-2"),
        "aclient": openai_bedrock.create_async_client(region="us-west-2"),
    }
    for block in runnable(page):
        bearer = "AWS_BEARER_TOKEN_BEDROCK" in block.source
        with monkeypatch.context() as env:
            if bearer:
                env.setenv("AWS_BEARER_TOKEN_BEDROCK", reader.api_key)
            seen = len(reader.requests)
            try:
                await run_block(block, namespace)
            except Exception as error:
                pytest.fail(f"the example at {block.where} failed: {error!r}")
        sent = reader.requests[seen:]
        assert [r.verdict for r in sent] == ["ok"] * len(sent), block.where
        expected = "bearer" if bearer else "sigv4"
        assert {r.auth for r in sent} <= {expected}, block.where


def test_every_page_with_python_has_an_example_that_runs() -> None:
    """The runner finds the examples (a parser that found none would pass everything)."""
    names = {str(p.relative_to(ROOT)) for p in RUNNABLE_PAGES}
    assert {
        "README.md",
        "docs/getting-started.md",
        "docs/authentication.md",
        "docs/guardrails.md",
        "docs/errors.md",
    } <= names
    assert sum(len(runnable(p)) for p in RUNNABLE_PAGES) >= 15


def test_examples_that_do_not_run_offline_are_few_and_deliberate() -> None:
    """Adding a ``<!-- not run: ... -->`` mark means changing this list, on purpose."""
    marked = {
        (str(b.page.relative_to(ROOT)), b.marker[1].split(";")[0])
        for b in all_blocks()
        if b.marker is not None and b.marker[0] == "not run"
    }
    assert marked == {
        ("docs/batch.md", "needs S3 and a batch service role"),
        ("docs/proxy.md", "needs `openai-bedrock proxy` running, and its token"),
    }


def test_named_examples_are_each_run_by_a_test() -> None:
    tests = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py")
    )
    named = [b.marker[1] for b in all_blocks() if b.marker and b.marker[0] == "example"]
    assert named, "no named examples found"
    for name in named:
        assert f'named_example("{name}")' in tests, f"no test runs the example {name!r}"


def test_framework_recipes_are_each_run_by_an_integration_test() -> None:
    tests = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "integrations").glob("test_*.py")
    )
    headings = {b.heading for b in python_blocks(INTEGRATIONS) if is_recipe(b)}
    assert len(headings) >= 14
    for heading in headings:
        assert f'docs_recipe("{heading}")' in tests, f"no integration test runs {heading!r}"


def test_no_python_example_hides_behind_another_info_string() -> None:
    """```py or ```python3 would be skipped by the runner without anyone noticing."""
    for page in pages():
        fences = re.findall(r"^```(\S+)", page.read_text(encoding="utf-8"), re.M)
        odd = [f for f in fences if f.startswith(("py", "Py")) and f != "python"]
        assert odd == [], f"{page.relative_to(ROOT)}: {odd}"
