"""``python -m openai_bedrock``: the ``openai-bedrock`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
