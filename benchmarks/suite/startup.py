"""5. Import and client build, in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from .sampling import _median

_IMPORT_SCRIPT = """
import json, sys, time
clock = time.process_time if sys.argv[2] == "cpu" else time.perf_counter
t0 = clock()
import openai
t1 = clock()
# What a user pays: `import openai_bedrock` alone loads nearly nothing (its names are
# imported on first use, PEP 562), so the factory is looked up too.
import openai_bedrock
openai_bedrock.create_client
t2 = clock()
kwargs = {"region": "us-west-2"}
if sys.argv[1] == "sigv4":
    kwargs.update(access_key_id="AKIDEXAMPLE", secret_access_key="wJalrXUtnFEMI/K7MDENG")
else:
    kwargs.update(api_key="ABSKexample")
t3 = clock()
openai_bedrock.create_client(**kwargs)
t4 = clock()
openai_bedrock.create_client(**kwargs)
t5 = clock()
print(json.dumps({
    "import_openai_ms": (t1 - t0) * 1e3,
    "import_extra_ms": (t2 - t1) * 1e3,
    "first_build_ms": (t4 - t3) * 1e3,
    "second_build_ms": (t5 - t4) * 1e3,
    "botocore_imported": "botocore" in sys.modules,
}))
"""

_BARE_IMPORT_SCRIPT = """
import json, sys
import openai_bedrock.testing.pytest_plugin
heavy = ("openai", "httpx", "httpx2", "botocore")
print(json.dumps({"heavy": sorted(m for m in heavy if m in sys.modules)}))
"""

_PLAIN_BUILD_SCRIPT = """
import json, sys, time
import openai
clock = time.process_time if sys.argv[1] == "cpu" else time.perf_counter
t0 = clock()
openai.OpenAI(api_key="sk", base_url="https://example.invalid/v1")
t1 = clock()
print(json.dumps({"first_build_ms": (t1 - t0) * 1e3}))
"""


def _fresh(script: str, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull)
    env.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def bench_import(runs: int) -> dict[str, Any]:
    """Import and build times in fresh interpreters: CPU time (what the work costs,
    which the target is read against) and wall time (what a user waits, which also
    counts other processes taking the CPU on a busy machine)."""
    _fresh(_IMPORT_SCRIPT, "sigv4", "cpu")  # writes bytecode caches, as pip install does
    out: dict[str, Any] = {"runs": runs}
    for clock in ("cpu", "wall"):
        rows: dict[str, list[dict[str, Any]]] = {"sigv4": [], "api_key": [], "plain": []}
        for _ in range(runs):  # interleaved, like everything else
            rows["sigv4"].append(_fresh(_IMPORT_SCRIPT, "sigv4", clock))
            rows["api_key"].append(_fresh(_IMPORT_SCRIPT, "api_key", clock))
            rows["plain"].append(_fresh(_PLAIN_BUILD_SCRIPT, clock))

        def med(kind: str, key: str, rows: dict[str, list[dict[str, Any]]] = rows) -> float:
            return _median([row[key] for row in rows[kind]])

        out[clock] = {
            "import_openai_ms": _median(
                [row["import_openai_ms"] for row in rows["sigv4"] + rows["api_key"]]
            ),
            "import_extra_ms": _median(
                [row["import_extra_ms"] for row in rows["sigv4"] + rows["api_key"]]
            ),
            "sigv4_client_build_ms": med("sigv4", "first_build_ms"),
            "sigv4_client_second_build_ms": med("sigv4", "second_build_ms"),
            "api_key_client_build_ms": med("api_key", "first_build_ms"),
            "plain_openai_client_build_ms": med("plain", "first_build_ms"),
        }
        out["api_key_client_imported_botocore"] = any(
            row["botocore_imported"] for row in rows["api_key"]
        )
        out["sigv4_static_client_imported_botocore"] = any(
            row["botocore_imported"] for row in rows["sigv4"]
        )
    out["pytest_plugin_imports"] = _fresh(_BARE_IMPORT_SCRIPT)["heavy"]
    return out
