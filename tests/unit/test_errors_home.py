"""Every exception the package raises lives in ``_errors``, is public and is a
``BedrockError``, so ``except openai_bedrock.BedrockError`` catches all of them."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import openai
import pytest

import openai_bedrock
from openai_bedrock import _errors

SRC = Path(openai_bedrock.__file__).parent

# Raised and caught inside the package; never reaches a caller.
INTERNAL = {
    "openai_bedrock.cli._common.CommandError",  # the CLI's main() turns it into an exit code
    "openai_bedrock.testing._exchange.Rejected",  # the emulator answers it as an HTTP error
}

# Built-in exceptions raised in src/ that the raising module (or its caller in the
# package) catches, so none escapes a public function. file -> raised names.
CAUGHT_INSIDE = {
    "testing/_verify.py": {"ValueError"},  # a malformed X-Amz-Date: the emulator answers 403
    "testing/_batch.py": {"ValueError"},  # a bad s3:// URI: the emulated job fails
}


def _modules() -> list[str]:
    names = ["openai_bedrock"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="openai_bedrock."):
        names.append(info.name)
    return names


def _package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        if name.endswith("pytest_plugin") or name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__.startswith("openai_bedrock")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def test_every_package_exception_is_defined_in_errors() -> None:
    exceptions = _package_exceptions()
    assert "openai_bedrock._errors.GuardrailError" in exceptions  # the walk found them
    elsewhere = sorted(
        name
        for name, cls in exceptions.items()
        if cls.__module__ != "openai_bedrock._errors" and name not in INTERNAL
    )
    assert elsewhere == []


@pytest.mark.parametrize("name", _errors.__all__)
def test_each_error_is_public_and_a_bedrock_error(name: str) -> None:
    cls = getattr(_errors, name)
    assert issubclass(cls, openai_bedrock.BedrockError)
    assert issubclass(cls, openai.OpenAIError)
    assert name in openai_bedrock.__all__
    assert getattr(openai_bedrock, name) is cls


def test_errors_all_lists_every_class_it_defines() -> None:
    defined = {
        name
        for name, value in vars(_errors).items()
        if isinstance(value, type) and value.__module__ == _errors.__name__
    }
    assert defined == set(_errors.__all__)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("openai_bedrock.guardrails", "GuardrailError"),
        ("openai_bedrock.guardrails", "GuardTagError"),
        ("openai_bedrock.guardrails", "GuardrailNotEnforcedError"),
    ],
)
def test_old_import_paths_keep_working(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is getattr(openai_bedrock, name)


def test_builtin_errors_raised_only_where_caught_inside() -> None:
    builtin = {"TypeError", "ValueError", "RuntimeError", "KeyError", "Exception"}
    raised: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in builtin:
                raised.setdefault(path.relative_to(SRC).as_posix(), set()).add(exc.id)
    assert raised == CAUGHT_INSIDE


def test_emulator_argument_errors_are_bedrock_errors() -> None:
    from openai_bedrock.testing import BedrockEmulator

    with pytest.raises(openai_bedrock.EmulatorError, match="endpoint must be"):
        BedrockEmulator(endpoint="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="endpoint must be"):  # still what it was
        BedrockEmulator(endpoint="nope")  # type: ignore[arg-type]
    with pytest.raises(openai_bedrock.EmulatorNotRunningError):
        _ = BedrockEmulator().port


def test_blocked_messages_of_the_wrong_type_is_a_guardrail_error() -> None:
    with pytest.raises(openai_bedrock.GuardrailError, match="blocked_messages must be strings"):
        openai_bedrock.guardrail_outcome({"choices": []}, blocked_messages=[1])  # type: ignore[list-item]
