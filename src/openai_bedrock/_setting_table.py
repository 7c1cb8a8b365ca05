"""Every client setting, declared once: name, type, environment variables, default,
one-line doc, accepted values and the check that enforces them, CLI flag and
``doctor`` row.

The factories (``create_client`` and its four siblings) keep explicit, typed keyword
arguments for IDEs and type checkers; ``tests/unit/test_setting_table.py`` checks them,
``resolve_settings``, the CLI's options, ``doctor``'s report and the settings table
in the docs (the page with ``<!-- settings table -->``) against this declaration,
so a setting cannot be added in one place and forgotten in another.
The CLI's connection options are built from it (``cli._common``); the resolution
(``_settings``, ``_auth``) validates each value through its row's ``check``
(``checked``), where it reads the value, so a rule lives here and nowhere else; it
imports this table on the first resolution, so ``import openai_bedrock`` does not.
Rules between settings (``fips`` with ``base_url``, a guardrail on mantle, a key pair
given by halves) are the resolution's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Optional

from ._credentials import check_secret
from ._endpoints import ENDPOINTS, parse_base_url, validate_region
from ._errors import ConfigurationError, GuardrailError

Check = Callable[[Any, str], Any]
"""``check(value, name)``: the value to use, or ``ConfigurationError`` (or a subclass)
saying what is wrong; ``name`` is what messages call the value (the argument, or the
variable it came from)."""


def _region(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"region must be a string such as 'us-west-2', not {type(value).__name__}."
        )
    if not value.strip():
        raise ConfigurationError("region is empty. Pass a region such as 'us-west-2'.")
    return validate_region(value.strip(), name)


def _endpoint(value: Any, name: str) -> str:
    if value not in ENDPOINTS:
        raise ConfigurationError(
            f"endpoint={value!r} is not a Bedrock endpoint. Use 'runtime' (the default, "
            "bedrock-runtime) or 'mantle' (bedrock-mantle)."
        )
    return str(value)


def _base_url(value: Any, name: str) -> Any:
    return parse_base_url(str(value), name)


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, not {value!r}.")
    return value


def _guardrail_boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise GuardrailError(f"{name} must be True or False, not {value!r}.")
    return value


def _token_provider(value: Any, name: str) -> Any:
    if not callable(value):
        raise ConfigurationError(
            "token_provider must be a callable that returns a Bedrock API key."
        )
    return value


def _session(value: Any, name: str) -> Any:
    if not callable(getattr(value, "get_credentials", None)):
        raise ConfigurationError(
            "session must be a boto3.Session or botocore.session.Session, "
            f"not {type(value).__name__}."
        )
    return value


def _guardrail(value: Any, name: str) -> Any:
    from .guardrails import Guardrail  # loaded only when a guardrail is given

    if not isinstance(value, Guardrail):
        raise GuardrailError(
            f"guardrail must be an openai_bedrock.Guardrail, not {type(value).__name__}. "
            "Build one with openai_bedrock.Guardrail('your-guardrail-id', version=1)."
        )
    return value


# The CLI's commands that take the connection options (``cli._common``).
CONNECTION_COMMANDS = ("chat", "doctor", "proxy", "batch")


class Setting(NamedTuple):
    """One setting of every factory. (A NamedTuple: a client imports this table, and a
    frozen dataclass would cost about 1 ms of import time more.)"""

    name: str
    annotation: str  # the factories' annotation, as written in their signatures
    default: object
    env: tuple[str, ...]  # read, in this order, when the argument is not given
    doc: str  # one line
    accepts: str  # the values accepted; anything else raises ConfigurationError
    cli: Optional[str] = None  # the CLI flag, if the CLI takes this setting
    cli_help: Optional[str] = None  # the flag's --help line
    cli_metavar: Optional[str] = None
    connection_option: bool = False  # one of the options every connection command takes
    choices: tuple[str, ...] = ()  # the only values accepted, when there is a short list
    doctor: Optional[str] = None  # the ``doctor`` check that reports it
    # Enforces ``accepts`` on a value given or read; None where the value is only
    # checked by using it (a profile is whatever the AWS config files hold).
    check: Optional[Check] = None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "region",
        "Optional[str]",
        None,
        ("AWS_REGION", "AWS_DEFAULT_REGION"),
        "AWS region; else the environment, then the profile's region in the AWS config file",
        "an AWS region name such as `us-west-2`",
        cli="--region",
        cli_help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region)",
        connection_option=True,
        doctor="region",
        check=_region,
    ),
    Setting(
        "endpoint",
        "Optional[str]",
        None,
        (),
        "`runtime` (bedrock-runtime, `/openai/v1`; the default) or `mantle` "
        "(bedrock-mantle, `/v1`)",
        "`runtime` or `mantle`",
        cli="--endpoint",
        cli_help="bedrock-runtime (default) or bedrock-mantle",
        connection_option=True,
        choices=("runtime", "mantle"),
        doctor="endpoint",
        check=_endpoint,
    ),
    Setting(
        "base_url",
        "Optional[str]",
        None,
        ("AWS_BEDROCK_BASE_URL",),
        "full base URL override (VPC endpoint, emulator); else the endpoint's URL",
        "an http(s) URL whose host is a Bedrock endpoint or loopback "
        "(any host with `allow_custom_host`)",
        cli="--base-url",
        cli_metavar="URL",
        cli_help="full base URL override (VPC endpoint, proxy; default: AWS_BEDROCK_BASE_URL)",
        connection_option=True,
        doctor="endpoint",
        check=_base_url,
    ),
    Setting(
        "fips",
        "Optional[bool]",
        None,
        ("AWS_USE_FIPS_ENDPOINT",),
        "use the FIPS runtime hostname",
        "`True` or `False`; not together with `base_url`",
        doctor="endpoint",
        check=_boolean,
    ),
    Setting(
        "api_key",
        "Optional[str]",
        None,
        ("AWS_BEARER_TOKEN_BEDROCK",),
        "a Bedrock API key, sent as `Authorization: Bearer`",
        "printable ASCII without spaces",
        doctor="credentials",
        check=check_secret,
    ),
    Setting(
        "token_provider",
        "Optional[TokenProvider]",
        None,
        (),
        "called per request for a Bedrock API key (cache inside it); may be async "
        "for the async clients",
        "a callable returning a key",
        check=_token_provider,
    ),
    Setting(
        "session",
        "Any",
        None,
        (),
        "a `boto3.Session` or `botocore.session.Session` whose credentials sign requests",
        "an object with `get_credentials()`",
        check=_session,
    ),
    Setting(
        "profile",
        "Optional[str]",
        None,
        ("AWS_PROFILE",),
        "an AWS profile name (SSO, assume-role, credential_process, static keys)",
        "a profile in the AWS config or credentials file",
        cli="--profile",
        cli_help="AWS profile to take credentials from",
        connection_option=True,
        doctor="credentials",
    ),
    Setting(
        "access_key_id",
        "Optional[str]",
        None,
        ("AWS_ACCESS_KEY_ID",),
        "static AWS access key id (with `secret_access_key`)",
        "printable ASCII without spaces",
        doctor="credentials",
        check=check_secret,
    ),
    Setting(
        "secret_access_key",
        "Optional[str]",
        None,
        ("AWS_SECRET_ACCESS_KEY",),
        "static AWS secret access key (with `access_key_id`)",
        "printable ASCII without spaces",
        doctor="credentials",
        check=check_secret,
    ),
    Setting(
        "session_token",
        "Optional[str]",
        None,
        ("AWS_SESSION_TOKEN",),
        "the session token of temporary static credentials",
        "printable ASCII without spaces",
        doctor="credentials",
        check=check_secret,
    ),
    Setting(
        "guardrail",
        "Optional[Guardrail]",
        None,
        (),
        "a `Guardrail` applied to every chat completion and response request",
        "an `openai_bedrock.Guardrail`; refused where Bedrock ignores guardrails",
        cli="--guardrail",
        check=_guardrail,
    ),
    Setting(
        "allow_unenforced_guardrail",
        "bool",
        False,
        (),
        "send a client-wide guardrail even where Bedrock ignores it",
        "`True` or `False`",
        check=_guardrail_boolean,
    ),
    Setting(
        "allow_custom_host",
        "bool",
        False,
        (),
        "allow a `base_url` whose host is not Bedrock (a gateway you trust: it sees your "
        "signature or key)",
        "`True` or `False`",
        cli="--allow-custom-host",
        cli_help="allow a base URL whose host is not a Bedrock endpoint (a trusted gateway "
        "that forwards to Bedrock); your credentials are sent to it",
        connection_option=True,
        doctor="endpoint",
        check=_boolean,
    ),
)

NAMES: tuple[str, ...] = tuple(setting.name for setting in SETTINGS)
CONNECTION_OPTIONS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.connection_option)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def checked(name: str, value: Any, source: Optional[str] = None) -> Any:
    """``value`` checked by setting ``name``'s declared check (messages call it
    ``source``, default the setting's name)."""
    check = BY_NAME[name].check
    return value if check is None else check(value, source or name)
