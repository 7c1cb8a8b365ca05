"""Helpers for testing code that uses openai-bedrock.

- ``BedrockEmulator``: a local HTTP server that answers like Bedrock's OpenAI-compatible
  API and checks SigV4 signatures and API keys the way Bedrock does.
- A pytest plugin (installed with the package, active only when its fixtures are used):
  ``bedrock_emulator``, ``bedrock_client``, ``async_bedrock_client``.
- ``vcr_config()``: vcrpy / pytest-recording settings that keep AWS signatures,
  session tokens and Bedrock API keys out of recorded cassettes. vcrpy itself is only
  needed by the tests that use it, not by this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._vcr import vcr_config

if TYPE_CHECKING:
    from ._emulator import BedrockEmulator, EmulatedRequest

__all__ = ["BedrockEmulator", "EmulatedRequest", "vcr_config"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so loading the pytest plugin (this package) starts and
    # imports nothing of the emulator until a test asks for it.
    if name in ("BedrockEmulator", "EmulatedRequest"):
        from . import _emulator

        return getattr(_emulator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
