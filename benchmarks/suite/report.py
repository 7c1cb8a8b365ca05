"""What the results are read with: the machine they came from, the ratios and their
targets, and the printed table."""

from __future__ import annotations

import os
import platform
from typing import Any

import openai

import openai_bedrock

from .fixtures import http

TARGETS = {
    "sigv4_sync": "<= 1.04",
    "sigv4_async": "<= 1.04",
    "api_key_sync": "<= 1.01",
    "api_key_async": "<= 1.01",
    "stream_first_chunk": "<= 1.02",
    "async_throughput": ">= 0.97",
    "our_longest_stall_ms": "<= 2",
    "import_extra_ms": "<= 8",
    "sigv4_client_build_ms": "<= 50",
    "large_body_extra_copies": "<= 1",
}


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    versions = {"python": platform.python_version(), "openai": openai.__version__}
    versions[http.__name__] = http.__version__
    versions["openai_bedrock"] = openai_bedrock.__version__
    try:
        import botocore

        versions["botocore"] = botocore.__version__
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def _ratios(results: dict[str, Any]) -> dict[str, float]:
    mock = results["per_call"]
    stream = results["stream"]["variants"]
    from_request = results["stream"]["from_request"]
    from_create = results["stream"]["from_create"]
    throughput = results["throughput"]["variants"]
    return {
        "our_longest_stall_ms": results["throughput"]["our_code"]["cpu_max_ms"],
        "import_extra_ms": results["import"]["cpu"]["import_extra_ms"],
        "sigv4_client_build_ms": results["import"]["cpu"]["sigv4_client_build_ms"],
        "large_body_extra_copies": results["large_body"]["extra_copies"],
        "sigv4_sync": mock["sync"]["ours, SigV4"]["ratio"],
        "sigv4_async": mock["async"]["ours, SigV4"]["ratio"],
        "api_key_sync": mock["sync"]["ours, API key"]["ratio"],
        "api_key_async": mock["async"]["ours, API key"]["ratio"],
        "stream_first_chunk": stream["ours, SigV4"]["ratio"],
        "stream_first_chunk_api_key": stream["ours, API key"]["ratio"],
        "stream_from_request_sigv4": from_request["ours, SigV4"]["ratio"],
        "stream_from_request_api_key": from_request["ours, API key"]["ratio"],
        "stream_from_create_sigv4": from_create["ours, SigV4"]["ratio"],
        "stream_from_create_api_key": from_create["ours, API key"]["ratio"],
        "async_throughput": throughput["ours, SigV4"]["ratio"],
        "async_throughput_api_key": throughput["ours, API key"]["ratio"],
    }


def _table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    mock = results["per_call"]
    add("Client-side cost per chat.completions.create, in-process mock transport")
    add(f"  {'client':<34} {'sync us':>9} {'ratio':>7} {'async us':>9} {'ratio':>7}")
    for name in mock["sync"]:
        sync, asy = mock["sync"][name], mock["async"][name]
        add(
            f"  {name:<34} {sync['median']:>9.1f} {sync['ratio']:>7.3f} "
            f"{asy['median']:>9.1f} {asy['ratio']:>7.3f}"
        )
    add("  (baseline: plain openai.OpenAI(api_key=..., base_url=...) on its own HTTP stack)")
    add("Time to the first streamed chunk in user code, loopback server that sends one chunk")
    add("then waits; from the server's send of the chunk, the request's send, and create()")
    add(
        f"  {'client':<29} {'from chunk sent':>15} {'ratio':>6} {'from request':>13} "
        f"{'ratio':>6} {'from create()':>14} {'ratio':>6}"
    )
    stream = results["stream"]
    for name, row in stream["variants"].items():
        request = stream["from_request"][name]
        created = stream["from_create"][name]
        add(
            f"  {name:<29} {row['median']:>12.1f} us {row['ratio']:>6.3f} "
            f"{request['median']:>10.1f} us {request['ratio']:>6.3f} "
            f"{created['median']:>11.1f} us {created['ratio']:>6.3f}"
        )
    tp = results["throughput"]
    add(f"Async throughput, {tp['requests']} requests at concurrency {tp['concurrency']}, loopback")
    for name, row in tp["variants"].items():
        add(
            f"  {name:<34} {row['median']:>9.0f} req/s {row['ratio']:>7.3f}"
            f"  CPU {row['cpu_us_per_request']:.0f} us/req ({row['cpu_ratio']:.3f})"
            f"  loop lag max {row['max_loop_lag_ms_median']:.1f} ms"
        )
    ours = tp["our_code"]
    add(
        f"  our transport's longest synchronous stretch ({ours['spans']} spans): CPU "
        f"{ours['cpu_max_ms']:.3f} ms (p99 {ours['cpu_p99_ms']:.3f}, median "
        f"{ours['cpu_median_ms']:.3f}) without garbage collection"
    )
    add(
        f"  (longest collection that started inside one: {ours['longest_gc_inside_ms']:.3f} ms "
        f"CPU; wall max {ours['wall_max_ms']:.3f} ms, p99 {ours['wall_p99_ms']:.3f}, counts "
        "collections and preemption by other processes)"
    )
    big = results["large_body"]
    add(f"Signing a {big['body_bytes'] / 2**20:.0f} MiB body")
    add(
        f"  ours: sign {big['sign_ms']:.1f} ms, whole transport {big['transport_ms']:.1f} ms, "
        f"peak extra memory {big['peak_extra_bytes'] / 2**20:.2f} MiB "
        f"({big['extra_copies']:.2f} copies of the body); "
        f"botocore add_auth {big['botocore_add_auth_ms']:.1f} ms"
    )
    imp = results["import"]
    add(f"Import and build (fresh interpreters, bytecode cached, median of {imp['runs']})")
    for clock in ("cpu", "wall"):
        row = imp[clock]
        add(
            f"  {clock:>4}: import openai {row['import_openai_ms']:.1f} ms; import "
            f"openai_bedrock (and create_client) after it +{row['import_extra_ms']:.1f} ms; "
            "first SigV4 client "
            f"(static keys) {row['sigv4_client_build_ms']:.1f} ms, next "
            f"{row['sigv4_client_second_build_ms']:.1f} ms; first API-key client "
            f"{row['api_key_client_build_ms']:.1f} ms; plain openai.OpenAI "
            f"{row['plain_openai_client_build_ms']:.1f} ms"
        )
    add(
        "  botocore imported by an API-key client: "
        f"{imp['api_key_client_imported_botocore']}; by a static-key SigV4 client: "
        f"{imp['sigv4_static_client_imported_botocore']}; loading the pytest plugin imports: "
        f"{', '.join(imp['pytest_plugin_imports']) or 'none of openai, httpx, httpx2, botocore'}"
    )
    add("Summary (ratios are ours / plain), targets")
    for key, value in results["ratios"].items():
        add(f"  {key:<28} {value:>7.3f}  {TARGETS.get(key, '')}")
    return "\n".join(lines)
