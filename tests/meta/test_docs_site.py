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

ROOT = Path(__file__).resolve().parents[2]


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
    assert "tests/integration/test_reliability.py" in page


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub and MkDocs' toc make it for plain headings."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("name", ["README.md", "CONTRIBUTING.md", "RELIABILITY.md"])
def test_links_outside_the_site_resolve(name: str) -> None:
    """mkdocs checks the pages under docs/; these files are read on GitHub and PyPI."""
    text = (ROOT / name).read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"\w+://", link)]
    for link in local:
        path, _, anchor = link.partition("#")
        target = ROOT / path if path else ROOT / name
        assert target.exists(), f"{name}: {link} points to nothing"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            assert anchor in {slug(h) for h in headings}, f"{name}: no #{anchor} in {path}"
