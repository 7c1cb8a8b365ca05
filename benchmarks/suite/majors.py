"""``--all-majors``: the suite once per supported openai major, each in a venv of its
own under ``benchmarks/.venvs/``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from .fixtures import HERE, RUN

MAJORS = (1, 2, 3)


def _all_majors(args: argparse.Namespace) -> int:
    """Run ``run.py`` once per supported openai major, each in its own venv."""
    root = HERE.parent
    combined: dict[str, Any] = {}
    for major in MAJORS:
        venv = HERE / ".venvs" / f"openai{major}"
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Quick when already satisfied; pytest for the plugin's import figure.
        requirement = f"openai>={major},<{major + 1}"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-e", str(root), requirement, "pytest"],
            check=True,
        )
        output = venv / "results.json"
        command = [str(python), str(RUN), "--output", str(output)]
        command += ["--seed", str(args.seed)] + (["--quick"] if args.quick else [])
        print(f"openai {major}.x ...", file=sys.stderr, flush=True)
        subprocess.run(command, check=True)
        combined[f"{major}.x"] = json.loads(output.read_text(encoding="utf-8"))
    newest = combined[f"{MAJORS[-1]}.x"]
    results = {**newest, "majors": combined}
    results["table"] = "\n\n".join(
        f"openai {key} ({row['machine']['versions']['openai']})\n{row['table']}"
        for key, row in combined.items()
    )
    print(results["table"])
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
