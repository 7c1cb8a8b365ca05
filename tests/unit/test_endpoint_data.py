"""The generated endpoint table gives botocore's own answers for every region the
installed botocore knows (rerun scripts/generate_endpoint_data.py when it does not)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from openai_bedrock import ConfigurationError, _endpoint_data
from openai_bedrock._endpoints import default_base_url, validate_region


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _botocore() -> dict[str, Any]:
    import botocore
    from botocore.endpoint_provider import EndpointProvider
    from botocore.loaders import create_loader

    loader = create_loader()
    partitions = loader.load_data("partitions")
    endpoints = loader.load_data("endpoints")
    regions = {name for p in partitions["partitions"] for name in p["regions"]}
    regions |= {name for p in endpoints["partitions"] for name in p["regions"]}
    fips = {
        name[len("bedrock-runtime-fips-") :]
        for p in endpoints["partitions"]
        for name in p["services"].get("bedrock", {}).get("endpoints", {})
        if name.startswith("bedrock-runtime-fips-")
    }
    ruleset = loader.load_service_model("bedrock-runtime", "endpoint-rule-set-1")
    return {
        "version": _version(botocore.__version__),
        "provider": EndpointProvider(ruleset, partitions),
        "patterns": [re.compile(p["regionRegex"]) for p in partitions["partitions"]],
        "regions": sorted(regions),
        "fips": fips,
    }


BOTOCORE = _botocore()
SHAPE = re.compile(r"[a-z]{2,8}(?:-[a-z0-9]{1,16}){1,3}-[0-9]{1,2}")
# A botocore older than the one the table came from may know fewer FIPS endpoints.
TABLE_IS_NEWER = _version(_endpoint_data.BOTOCORE_VERSION) > BOTOCORE["version"]


def _botocore_url(region: str, fips: bool) -> str:
    resolved = BOTOCORE["provider"].resolve_endpoint(
        Region=region, UseFIPS=fips, UseDualStack=False
    )
    return f"{str(resolved.url).rstrip('/')}/openai/v1"


def _is_region_per_botocore(region: str) -> bool:
    return bool(SHAPE.fullmatch(region)) and any(rx.match(region) for rx in BOTOCORE["patterns"])


@pytest.mark.parametrize("region", BOTOCORE["regions"])
def test_every_region_botocore_knows_resolves_as_botocore_resolves_it(region: str) -> None:
    if not _is_region_per_botocore(region):
        with pytest.raises(ConfigurationError, match="is not an AWS region name"):
            validate_region(region, "region argument")
        return
    assert validate_region(region, "region argument") == region
    assert default_base_url("runtime", region, fips=False) == _botocore_url(region, False)
    if region in BOTOCORE["fips"]:
        assert default_base_url("runtime", region, fips=True) == _botocore_url(region, True)
    elif region not in _endpoint_data.FIPS_REGIONS or not TABLE_IS_NEWER:
        with pytest.raises(ConfigurationError, match="has no FIPS endpoint"):
            default_base_url("runtime", region, fips=True)


def test_the_fips_regions_are_botocores() -> None:
    if TABLE_IS_NEWER:
        assert BOTOCORE["fips"] <= _endpoint_data.FIPS_REGIONS
    else:
        assert BOTOCORE["fips"] == _endpoint_data.FIPS_REGIONS


@pytest.mark.parametrize("region", ["us-west-99", "eu-future-7", "cn-south-9", "us-gov-north-3"])
def test_regions_botocore_does_not_list_yet_resolve_as_botocore_resolves_them(
    region: str,
) -> None:
    assert default_base_url("runtime", region, fips=False) == _botocore_url(region, False)


@pytest.fixture
def table_without_aws_cn(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The table as an older generation would have it: no aws-cn partition."""
    from openai_bedrock import _endpoints

    older = tuple(p for p in _endpoint_data.PARTITIONS if p[0] != "aws-cn")
    monkeypatch.setattr(_endpoint_data, "PARTITIONS", older)
    _endpoints._partitions.cache_clear()
    yield
    _endpoints._partitions.cache_clear()


@pytest.mark.usefixtures("table_without_aws_cn")
def test_a_partition_only_the_installed_botocore_knows_is_accepted() -> None:
    assert validate_region("cn-northwest-1", "AWS_REGION") == "cn-northwest-1"
    assert default_base_url("runtime", "cn-northwest-1", fips=False) == (
        "https://bedrock-runtime.cn-northwest-1.amazonaws.com.cn/openai/v1"
    )
    with pytest.raises(ConfigurationError, match="not an AWS region name"):
        validate_region("xx-nowhere-1", "AWS_REGION")
