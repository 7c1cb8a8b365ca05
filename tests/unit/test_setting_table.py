"""Each setting is declared once (``_setting_table``); every place that lists the
settings is checked against that declaration, so none can be forgotten in one."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import openai_bedrock
from openai_bedrock import ConfigurationError, GuardrailError, _client, _setting_table
from openai_bedrock._setting_table import CONNECTION_COMMANDS, SETTINGS, Setting
from openai_bedrock._settings import resolve_settings
from openai_bedrock.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(openai_bedrock.__file__).parent
DOCS_MARKER = "<!-- settings table -->"

FACTORIES: list[Callable[..., Any]] = [
    openai_bedrock.create_client,
    openai_bedrock.create_async_client,
    openai_bedrock.create_http_client,
    openai_bedrock.create_async_http_client,
    openai_bedrock.create_transport,
]


def _leading_keywords(function: Callable[..., Any]) -> list[inspect.Parameter]:
    return list(inspect.signature(function).parameters.values())[: len(SETTINGS)]


def test_settings_have_distinct_names_and_a_doc_each() -> None:
    assert len(set(_setting_table.NAMES)) == len(SETTINGS) == 14
    for setting in SETTINGS:
        assert setting.doc
        assert setting.accepts
        assert "\n" not in setting.doc


@pytest.mark.parametrize("function", [*FACTORIES, resolve_settings], ids=lambda f: f.__name__)
def test_each_factory_takes_every_setting_in_order_with_its_type_and_default(
    function: Callable[..., Any],
) -> None:
    declared = [(s.name, s.annotation, s.default) for s in SETTINGS]
    actual = [(p.name, p.annotation, p.default) for p in _leading_keywords(function)]
    assert actual == declared
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in _leading_keywords(function))


def _resolve_calls(function: Callable[..., Any]) -> Iterator[ast.Call]:
    tree = ast.parse(inspect.getsource(_client))
    (definition,) = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == function.__name__
    ]
    for node in ast.walk(definition):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "resolve_settings"
        ):
            yield node


@pytest.mark.parametrize("function", FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_passes_every_setting_on_by_name(function: Callable[..., Any]) -> None:
    (call,) = _resolve_calls(function)
    passed = {k.arg: k.value.id for k in call.keywords if isinstance(k.value, ast.Name) and k.arg}
    assert passed == {name: name for name in _setting_table.NAMES}
    assert not call.args


def test_no_factory_hands_its_locals_around() -> None:
    assert "locals()" not in (SRC / "_client.py").read_text(encoding="utf-8")


def test_create_client_documents_every_setting() -> None:
    doc = inspect.getdoc(openai_bedrock.create_client) or ""
    for setting in SETTINGS:
        assert re.search(rf"\b{setting.name}\b", doc), setting.name


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}".strip())
        found[prefix] = parser

    walk(build_parser(), "")
    return found


def _connection_flags(parser: argparse.ArgumentParser) -> set[str]:
    for group in parser._action_groups:
        if group.title == "connection":
            return {opt for action in group._group_actions for opt in action.option_strings}
    return set()


def test_every_connection_command_takes_the_declared_connection_options() -> None:
    declared = {s.cli for s in _setting_table.CONNECTION_OPTIONS}
    commands = _subcommands()
    with_connection = {name for name, parser in commands.items() if _connection_flags(parser)}
    assert {name.split()[0] for name in with_connection} == set(CONNECTION_COMMANDS)
    for name in with_connection:
        assert _connection_flags(commands[name]) - {"--offline"} == declared, name


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.cli], ids=lambda s: s.name)
def test_each_setting_with_a_flag_has_it(setting: Setting) -> None:
    commands = _subcommands()
    holders = [
        name
        for name, parser in commands.items()
        if any(setting.cli in action.option_strings for action in parser._actions)
    ]
    assert holders, f"no command takes {setting.cli}"
    if setting.name == "guardrail":
        assert {"chat", "proxy"} <= set(holders)


def test_the_cli_passes_its_connection_options_as_those_settings() -> None:
    from openai_bedrock.cli._common import connection

    argv = ["--region", "eu-west-1", "--profile", "p", "--endpoint", "mantle"]
    argv += ["--base-url", "https://x.example/v1", "--allow-custom-host", "hi"]
    args = _subcommands()["chat"].parse_args(argv)
    with connection(args) as conn:
        assert conn.kwargs == {
            "region": "eu-west-1",
            "endpoint": "mantle",
            "base_url": "https://x.example/v1",
            "profile": "p",
            "allow_custom_host": True,
        }


def test_doctor_reports_a_row_for_every_setting_it_can_see(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for setting in SETTINGS:
        for name in setting.env:
            monkeypatch.delenv(name, raising=False)
    assert main(["doctor", "--offline", "--no-call", "--json"]) == 0
    rows = {check["name"] for check in json.loads(capsys.readouterr().out)["checks"]}
    expected = {s.doctor for s in SETTINGS if s.doctor}
    assert expected == {"region", "endpoint", "credentials"}
    assert expected <= rows


def test_every_aws_variable_the_resolution_reads_is_declared() -> None:
    declared = {name for s in SETTINGS for name in s.env}
    read: set[str] = set()
    for module in ("_settings.py", "_auth.py", "_credentials.py", "_endpoints.py"):
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                read |= set(re.findall(r"\bAWS_[A-Z_]+\b", node.value))
    # Named in messages only (where to look), not settings.
    read -= {"AWS_CONFIG_FILE"}
    assert read, "the scan found no variable"
    assert read <= declared


def _docs_table() -> tuple[Path, dict[str, str]]:
    """The docs page holding the settings table (found by its marker, wherever the page
    is), and each row by the settings its first column names."""
    pages = [
        path
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
        if DOCS_MARKER in path.read_text(encoding="utf-8")
    ]
    assert len(pages) == 1, f"one docs page should hold the settings table: {pages}"
    text = pages[0].read_text(encoding="utf-8")
    table = text.split(DOCS_MARKER + "\n", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, str] = {}
    for row in table.splitlines()[2:]:  # after the header and the rule
        for name in re.findall(r"`(\w+)`", row.strip().strip("|").split("|")[0]):
            rows[name] = row
    return pages[0], rows


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_docs_table_has_a_row_with_the_declared_variables_and_flag(setting: Setting) -> None:
    page, rows = _docs_table()
    assert setting.name in rows, f"{page.name}: no row for {setting.name}"
    row = rows[setting.name]
    for variable in setting.env:
        assert variable in row, f"{page.name}: {setting.name}'s row does not name {variable}"
    cli_column = row.strip().strip("|").split("|")[-1]
    if setting.cli:
        assert f"`{setting.cli}" in cli_column, f"{page.name}: {setting.name} lacks {setting.cli}"
    else:
        assert "--" not in cli_column, f"{page.name}: {setting.name} has no CLI flag"


class Checked(Exception):
    """Raised by a spy standing in for a setting's declared check."""


# For each checked setting: arguments that reach its check, the value it must see, and
# the name its messages use.
VALID = {"region": "us-west-2", "api_key": "ABSKexample"}
REACHING: dict[str, tuple[dict[str, Any], object, str]] = {
    "region": ({"region": " us-west-2", "api_key": "k"}, " us-west-2", "region argument"),
    "endpoint": ({**VALID, "endpoint": "mantle"}, "mantle", "endpoint"),
    "base_url": (
        {**VALID, "base_url": "http://127.0.0.1:9/openai/v1"},
        "http://127.0.0.1:9/openai/v1",
        "base_url argument",
    ),
    "fips": ({**VALID, "fips": False}, False, "fips"),
    "api_key": (VALID, "ABSKexample", "api_key"),
    "token_provider": ({"region": "us-west-2", "token_provider": print}, print, "token_provider"),
    "session": ({"region": "us-west-2", "session": "a session"}, "a session", "session"),
    "access_key_id": (
        {"region": "us-west-2", "access_key_id": "AKID", "secret_access_key": "s"},
        "AKID",
        "access_key_id",
    ),
    "secret_access_key": (
        {"region": "us-west-2", "access_key_id": "AKID", "secret_access_key": "s"},
        "s",
        "secret_access_key",
    ),
    "session_token": (
        {
            "region": "us-west-2",
            "access_key_id": "A",
            "secret_access_key": "s",
            "session_token": "t",
        },
        "t",
        "session_token",
    ),
    "guardrail": ({**VALID, "guardrail": "g"}, "g", "guardrail"),
    "allow_unenforced_guardrail": (
        {**VALID, "allow_unenforced_guardrail": True},
        True,
        "allow_unenforced_guardrail",
    ),
    "allow_custom_host": (
        {**VALID, "base_url": "https://gw.example/v1", "allow_custom_host": True},
        True,
        "allow_custom_host",
    ),
}


def test_every_setting_but_profile_declares_its_check() -> None:
    # A profile is whatever the AWS config files hold: botocore's lookup checks it.
    assert {s.name for s in SETTINGS if s.check is None} == {"profile"}
    assert set(REACHING) == {s.name for s in SETTINGS if s.check is not None}


@pytest.mark.parametrize("name", sorted(REACHING))
def test_each_setting_is_validated_through_its_declared_check(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolution checks a value with its row's check, not a copy of the rule."""
    seen: list[tuple[object, str]] = []

    def spy(value: object, source: str) -> object:
        seen.append((value, source))
        raise Checked

    row = _setting_table.BY_NAME[name]
    monkeypatch.setitem(_setting_table.BY_NAME, name, row._replace(check=spy))
    kwargs, value, source = REACHING[name]
    with pytest.raises(Checked):
        resolve_settings(**kwargs, environ={})
    assert seen == [(value, source)]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"endpoint": "moon"}, ConfigurationError, "endpoint='moon' is not a Bedrock endpoint"),
        ({"fips": "yes"}, ConfigurationError, "fips must be True or False, not 'yes'."),
        ({"region": 3}, ConfigurationError, "region must be a string"),
        ({"region": "  "}, ConfigurationError, "region is empty"),
        ({"region": "mars-1"}, ConfigurationError, "region argument gave region 'mars-1'"),
        ({"api_key": "a b"}, ConfigurationError, "api_key contains whitespace"),
        ({"token_provider": 5}, ConfigurationError, "token_provider must be a callable"),
        ({"session": 5}, ConfigurationError, "session must be a boto3.Session"),
        ({"guardrail": "g"}, GuardrailError, "guardrail must be an openai_bedrock.Guardrail"),
        ({"allow_unenforced_guardrail": 1}, GuardrailError, "must be True or False, not 1."),
    ],
)
def test_each_declared_check_refuses_what_its_row_does_not_accept(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    (name,) = kwargs
    with pytest.raises(error, match=re.escape(message)):
        _setting_table.checked(name, kwargs[name], "region argument" if name == "region" else None)


def test_the_resolution_hands_no_locals_around() -> None:
    for module in ("_settings.py", "_auth.py", "_setting_table.py"):
        assert "locals()" not in (SRC / module).read_text(encoding="utf-8"), module
