"""Helpers for testing code that uses openai-bedrock.

``vcr_config()`` gives vcrpy / pytest-recording settings that keep AWS signatures,
session tokens and Bedrock API keys out of recorded cassettes. vcrpy itself is only
needed by the tests that use it, not by this package.
"""

from ._vcr import vcr_config

__all__ = ["vcr_config"]
