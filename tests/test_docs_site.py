"""The docs site builds with ``mkdocs build --strict`` (a broken link or anchor fails it), its
API reference documents every public name, and its reliability page is RELIABILITY.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import openai_bedrock
import openai_bedrock.testing

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # Not --quiet: it drops the warnings that --strict counts, and a broken link passes.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_api_reference_documents_every_public_name(site: Path) -> None:
    page = (site / "reference" / "index.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'<h[2-6] id="([\w.]+)"', page))
    public = [f"openai_bedrock.{name}" for name in openai_bedrock.__all__ if name != "__version__"]
    public += [f"openai_bedrock.testing.{name}" for name in openai_bedrock.testing.__all__]
    assert [name for name in public if name not in documented] == []


def test_the_reliability_page_is_reliability_md(site: Path) -> None:
    page = (site / "reliability" / "index.html").read_text(encoding="utf-8")
    assert "Threat model" in page
    assert "tests/test_reliability.py" in page
