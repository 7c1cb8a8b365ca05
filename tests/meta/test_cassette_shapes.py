"""The committed cassettes are exactly what scripts/build_cassettes.py writes from the
shapes module, so a shape is corrected in one place (``testing/_shapes.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_cassettes", ROOT / "scripts" / "build_cassettes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILDER = _builder()


def test_every_cassette_is_built_from_the_shapes() -> None:
    committed = {path.stem for path in (ROOT / "cassettes").glob("*.yaml")}
    assert committed == set(BUILDER.cassettes())


@pytest.mark.parametrize("name", sorted(BUILDER.cassettes()))
def test_cassette_equals_what_the_shapes_produce(name: str) -> None:
    committed = (ROOT / "cassettes" / f"{name}.yaml").read_text()
    assert committed == BUILDER.render(name), (
        f"cassettes/{name}.yaml differs from the shapes; run scripts/build_cassettes.py"
    )
