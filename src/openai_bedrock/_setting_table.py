"""Every client setting, declared once: name, type, environment variables, default,
one-line doc, accepted values, CLI flag and ``doctor`` row.

The factories (``create_client`` and its four siblings) keep explicit, typed keyword
arguments for IDEs and type checkers; ``tests/test_setting_table.py`` checks them,
``resolve_settings``, the CLI's options, ``doctor``'s report and the settings table
in the docs (the page with ``<!-- settings table -->``) against this declaration,
so a setting cannot be added in one place and forgotten in another.
The CLI's connection options are built from it (``cli._common``).

Data only, imported by the CLI and the tests: a client does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# The CLI's commands that take the connection options (``cli._common``).
CONNECTION_COMMANDS = ("chat", "doctor", "proxy", "batch")


@dataclass(frozen=True)
class Setting:
    """One setting of every factory."""

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
    ),
    Setting(
        "fips",
        "Optional[bool]",
        None,
        ("AWS_USE_FIPS_ENDPOINT",),
        "use the FIPS runtime hostname",
        "`True` or `False`; not together with `base_url`",
        doctor="endpoint",
    ),
    Setting(
        "api_key",
        "Optional[str]",
        None,
        ("AWS_BEARER_TOKEN_BEDROCK",),
        "a Bedrock API key, sent as `Authorization: Bearer`",
        "printable ASCII without spaces",
        doctor="credentials",
    ),
    Setting(
        "token_provider",
        "Optional[TokenProvider]",
        None,
        (),
        "called per request for a Bedrock API key (cache inside it); may be async "
        "for the async clients",
        "a callable returning a key",
    ),
    Setting(
        "session",
        "Any",
        None,
        (),
        "a `boto3.Session` or `botocore.session.Session` whose credentials sign requests",
        "an object with `get_credentials()`",
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
    ),
    Setting(
        "secret_access_key",
        "Optional[str]",
        None,
        ("AWS_SECRET_ACCESS_KEY",),
        "static AWS secret access key (with `access_key_id`)",
        "printable ASCII without spaces",
        doctor="credentials",
    ),
    Setting(
        "session_token",
        "Optional[str]",
        None,
        ("AWS_SESSION_TOKEN",),
        "the session token of temporary static credentials",
        "printable ASCII without spaces",
        doctor="credentials",
    ),
    Setting(
        "guardrail",
        "Optional[Guardrail]",
        None,
        (),
        "a `Guardrail` applied to every chat completion and response request",
        "an `openai_bedrock.Guardrail`; refused where Bedrock ignores guardrails",
        cli="--guardrail",
    ),
    Setting(
        "allow_unenforced_guardrail",
        "bool",
        False,
        (),
        "send a client-wide guardrail even where Bedrock ignores it",
        "`True` or `False`",
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
    ),
)

NAMES: tuple[str, ...] = tuple(setting.name for setting in SETTINGS)
CONNECTION_OPTIONS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.connection_option)
