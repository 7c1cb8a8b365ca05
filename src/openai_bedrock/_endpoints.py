"""Where Bedrock's OpenAI-compatible API lives: hostnames, paths and signing names.

The endpoint table is data. Runtime hostnames follow botocore's endpoint rules for
``bedrock-runtime`` (``https://bedrock-runtime[-fips].{Region}.{dnsSuffix}``) over
botocore's partition data, copied into ``_endpoint_data`` by
``scripts/generate_endpoint_data.py`` so that a client resolves its hostname without
importing botocore; ``tests/unit/test_endpoint_data.py`` checks the copy against the
installed botocore for every region it knows. Region names are checked against the
partitions' region patterns; a region the copy does not match is looked up in the
installed botocore's partition data (which may be newer) before it is refused. Mantle
has no botocore rules, so its one documented hostname template lives here.
Sources: https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints.html and
``docs/wire.md`` section 1.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Literal, NamedTuple, Optional

from ._errors import ConfigurationError
from ._http import http

Endpoint = Literal["runtime", "mantle"]
"""Which Bedrock surface a client talks to: ``"runtime"`` (bedrock-runtime, the default) or
``"mantle"`` (bedrock-mantle)."""


class EndpointSpec(NamedTuple):
    """One OpenAI-compatible Bedrock surface."""

    signing_name: str  # SigV4 service in the credential scope
    path: str  # the default OpenAI API root on that host
    paths: tuple[str, ...]  # every OpenAI API root the host serves
    offers_models_list: bool  # runtime documents that GET /models is not implemented
    # Operations (path suffixes) on which Bedrock enforces guardrail headers. AWS
    # documents that guardrails do not apply to Responses on runtime; on mantle they
    # are reported ignored everywhere (docs/wire.md section 4).
    guardrails_enforced_on: tuple[str, ...]


# Model invocations, which a client-wide guardrail applies to.
INVOCATIONS = ("/chat/completions", "/responses")

ENDPOINTS: dict[str, EndpointSpec] = {
    "runtime": EndpointSpec(
        "bedrock",
        "/openai/v1",
        ("/openai/v1",),
        offers_models_list=False,
        guardrails_enforced_on=("/chat/completions",),
    ),
    # Some mantle models are served under /openai/v1 instead (docs/wire.md section 1).
    "mantle": EndpointSpec(
        "bedrock-mantle",
        "/v1",
        ("/v1", "/openai/v1"),
        offers_models_list=True,
        guardrails_enforced_on=(),
    ),
}

# The generic shape of an AWS region name; botocore's partition data then decides
# whether a partition claims it.
# Patterns here are compiled on first use (``re`` keeps them cached), not at import:
# import time is one of the figures benchmarks/run.py measures.
_REGION_SHAPE = r"[a-z]{2,8}(?:-[a-z0-9]{1,16}){1,3}-[0-9]{1,2}"

# Hostnames that name an endpoint and its region: canonical runtime and mantle hosts
# and their PrivateLink (vpce) forms. Used to check a base_url against the settings.
_KNOWN_HOSTS = (
    r"^bedrock-runtime(?:-fips)?\.(?P<region>[a-z0-9-]+)\.(?:amazonaws|api)\.",
    r"^bedrock-mantle\.(?P<region>[a-z0-9-]+)\.api\.aws$",
    r"\.bedrock-(?P<service>runtime|mantle)\.(?P<region>[a-z0-9-]+)\.vpce\.",
)


class _Partition(NamedTuple):
    name: str
    region_regex: re.Pattern[str]
    regions: frozenset[str]
    dns_suffix: str
    supports_fips: bool


@functools.lru_cache(maxsize=1)
def _partitions() -> tuple[_Partition, ...]:
    """botocore's partitions, regexes compiled on first use."""
    from ._endpoint_data import PARTITIONS

    return tuple(
        _Partition(name, re.compile(regex), regions, suffix, fips)
        for name, regex, regions, suffix, fips in PARTITIONS
    )


@functools.lru_cache(maxsize=1)
def _installed_partitions() -> tuple[_Partition, ...]:
    """The installed botocore's partitions, read only for a region our table does not
    match: a botocore newer than the table may know a new partition. Empty when botocore
    is missing or its data cannot be read."""
    try:
        from botocore.loaders import create_loader

        data = create_loader().load_data("partitions")["partitions"]
        return tuple(
            _Partition(
                p["id"],
                re.compile(p["regionRegex"]),
                frozenset(p["regions"]),
                p["outputs"]["dnsSuffix"],
                bool(p["outputs"].get("supportsFIPS", False)),
            )
            for p in data
        )
    except Exception:  # no botocore, or data in a shape we do not know: the table decides
        return ()


def _matching(region: str, partitions: tuple[_Partition, ...]) -> Optional[_Partition]:
    for partition in partitions:
        if region in partition.regions or partition.region_regex.match(region):
            return partition
    return None


def _partition_of(region: str) -> _Partition:
    """The first partition that lists ``region`` or whose regex matches it (in our table,
    then in the installed botocore's data), else the first partition: botocore's
    ``aws.partition`` rule function (``botocore/endpoint_provider.py``,
    ``RuleSetStandardLibrary.aws_partition``)."""
    partitions = _partitions()
    found = _matching(region, partitions) or _matching(region, _installed_partitions())
    return found or partitions[0]


def validate_region(region: str, source: str) -> str:
    """Return ``region`` if it is an AWS region name, else raise ConfigurationError."""
    if not re.fullmatch(_REGION_SHAPE, region) or not any(
        partition.region_regex.match(region)
        for partitions in (_partitions, _installed_partitions)  # botocore only if needed
        for partition in partitions()
    ):
        raise ConfigurationError(
            f"{source} gave region {region!r}, which is not an AWS region name. "
            "Use a region where Bedrock is offered, such as 'us-west-2' or 'eu-central-1'."
        )
    return region


def default_base_url(
    endpoint: Endpoint, region: str, *, fips: bool, fips_source: str = "fips=True"
) -> str:
    """The documented base URL of ``endpoint`` in ``region``."""
    spec = ENDPOINTS[endpoint]
    if endpoint == "mantle":
        if fips:
            raise ConfigurationError(
                f"{fips_source} asks for FIPS with endpoint='mantle', but AWS documents no "
                "FIPS hostname for bedrock-mantle. Use endpoint='runtime' for FIPS, pass "
                "fips=False, or pass the FIPS URL you were given as base_url."
            )
        return f"https://bedrock-mantle.{region}.api.aws{spec.path}"
    from ._endpoint_data import FIPS_REGIONS

    partition = _partition_of(region)
    # The rules would build a FIPS hostname for any region; only some exist.
    if fips and (region not in FIPS_REGIONS or not partition.supports_fips):
        raise ConfigurationError(
            f"{fips_source} asks for FIPS, but bedrock-runtime has no FIPS endpoint in "
            f"{region}. FIPS regions: {', '.join(sorted(FIPS_REGIONS))}. Pick one of "
            "them, or pass fips=False."
        )
    host = "bedrock-runtime-fips" if fips else "bedrock-runtime"
    return f"https://{host}.{region}.{partition.dns_suffix}{spec.path}"


def parse_base_url(raw: str, source: str) -> http.URL:
    """Check a user-given base URL: absolute http(s), no credentials, query or fragment."""
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in raw):
        raise ConfigurationError(
            f"{source} contains whitespace or control characters. Pass a plain URL such as "
            "'https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1'."
        )
    # Non-ASCII host names are ambiguous: IDNA 2008 (httpx) and IDNA 2003 (the standard
    # library, and many proxies) map some of them to different hosts ("ß" is "xn--zca" to
    # one and "ss" to the other), so the request could go somewhere else than the user reads.
    authority = raw.partition("://")[2].split("/", 1)[0].rpartition("@")[2]
    if not authority.isascii():
        raise ConfigurationError(
            f"{source} has a host name with non-ASCII characters. Write it in its ASCII "
            "(punycode, 'xn--') form, so every tool reads the same host."
        )
    try:
        url = http.URL(raw)
    except Exception as exc:  # httpx raises InvalidURL and others for malformed input
        raise ConfigurationError(f"{source} is not a valid URL ({exc}).") from exc
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL with a host, such as "
            "'https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1'."
        )
    if not re.fullmatch(_HOST_NAME, url.raw_host.decode("ascii")) and not _is_ip(url.host):
        raise ConfigurationError(
            f"{source} does not have a valid host name (letters, digits, hyphens and dots, "
            "or an IP address in brackets). Check the URL for a stray character."
        )
    if url.userinfo:
        raise ConfigurationError(
            f"{source} contains a user name or password. Remove them: Bedrock is "
            "authenticated with AWS credentials or an API key, never URL credentials."
        )
    try:
        url.port  # noqa: B018 - httpx checks the port range lazily
    except Exception as exc:
        raise ConfigurationError(f"{source} has an invalid port ({exc}).") from exc
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(f"{source} has port {url.port}, outside 1-65535.")
    # An empty "?" or "#" counts too: the SDK would append the API path after it.
    if url.query or url.fragment or "?" in raw or "#" in raw:
        raise ConfigurationError(f"{source} must not contain a query string or fragment.")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url.path):
        raise ConfigurationError(
            f"{source} has a percent-encoded space or control character in its path. "
            "Pass a plain URL such as "
            "'https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1'."
        )
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigurationError(
            f"{source} uses plain http to {url.host}, which would send the signature, "
            "session token or API key in clear text. Use https://; plain http is allowed "
            "only for a local emulator on localhost, 127.0.0.1 or [::1]."
        )
    return url


# DNS labels (RFC 1123, plus "_", which some private zones use); IDNA hosts arrive
# here already encoded as "xn--" labels.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
_HOST_NAME = rf"{_LABEL}(?:\.{_LABEL})*\.?"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def canonical_path(raw_path: str) -> str:
    """``raw_path`` as a lenient server may read it: percent-decoded (repeatedly, for
    double encoding), ``\\`` as ``/``, empty, ``.`` and ``..`` segments resolved,
    ``;parameters`` and trailing dots or spaces of a segment dropped, lowercased.

    Used to find the operation a request may reach, so a client-wide guardrail covers
    ``/chat/completions/``, ``/Chat/Completions``, ``/chat%2Fcompletions`` and the like.
    """
    import urllib.parse

    path = raw_path.partition("?")[0]
    for _ in range(4):  # bounded: each pass must shorten the path to continue
        decoded = urllib.parse.unquote(path)
        if decoded == path:
            break
        path = decoded
    segments: list[str] = []
    for segment in path.replace("\\", "/").split("/"):
        segment = segment.partition(";")[0]
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segment = segment.rstrip(" .")
        if segment:
            segments.append(segment)
    return "/" + "/".join(segments).lower()


# Dual-stack DNS suffixes: botocore's partitions.json lists them as dualStackDnsSuffix,
# which our generated table leaves out; "api.aws" is the aws and aws-us-gov one, and
# the one bedrock-mantle uses. Other partitions' are read from botocore when needed.
_DUAL_STACK_SUFFIXES = frozenset({"api.aws"})


@functools.lru_cache(maxsize=1)
def _installed_dual_stack_suffixes() -> frozenset[str]:
    try:
        from botocore.loaders import create_loader

        data = create_loader().load_data("partitions")["partitions"]
        return frozenset(
            p["outputs"]["dualStackDnsSuffix"]
            for p in data
            if p["outputs"].get("dualStackDnsSuffix")
        )
    except Exception:  # no botocore, or data in a shape we do not know
        return frozenset()


def is_bedrock_host(host: str) -> bool:
    """Whether ``host`` is an AWS Bedrock runtime or mantle endpoint in any partition:
    the regional, FIPS and dual-stack names, and PrivateLink (``*.vpce.``) names."""
    host = host.lower().rstrip(".")
    match = re.fullmatch(
        rf"(?P<vpce>(?:[a-z0-9-]+\.)+)?"
        rf"bedrock-(?:runtime|mantle)(?:-fips)?\.(?P<region>{_REGION_SHAPE})\."
        rf"(?P<vpce_label>vpce\.)?(?P<suffix>[a-z0-9.-]+)",
        host,
    )
    if match is None:
        return False
    if match.group("vpce") and not match.group("vpce_label"):
        return False  # a prefix is only a VPC endpoint's, e.g. vpce-0abc.bedrock-runtime...
    suffix = match.group("suffix")
    known = {partition.dns_suffix for partition in _partitions()} | _DUAL_STACK_SUFFIXES
    if match.group("vpce_label"):
        return suffix in known
    return (
        suffix in known
        or suffix in {p.dns_suffix for p in _installed_partitions()}
        or suffix in _installed_dual_stack_suffixes()
    )


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: the emulator's hosts, never a remote machine."""
    return _is_loopback(host.lower().rstrip("."))


def endpoint_of_host(host: str) -> Optional[tuple[Endpoint, str]]:
    """``(endpoint, region)`` named by a Bedrock hostname, or None for any other host."""
    host = host.lower().rstrip(".")
    for pattern in _KNOWN_HOSTS:
        match = re.search(pattern, host)
        if match:
            service = match.groupdict().get("service")
            if service is None:
                service = "mantle" if host.startswith("bedrock-mantle.") else "runtime"
            endpoint: Endpoint = "mantle" if service == "mantle" else "runtime"
            return endpoint, match.group("region")
    return None
