"""The HTTP library the installed ``openai`` builds its own clients on.

openai 3.x uses ``httpx2`` (httpx's API under another name), 1.x and 2.x use
``httpx``. Our clients use the same one, so a request costs what a plain
``openai.OpenAI()``'s does, and ``httpx`` is not even imported when openai does not
use it. Every module of the package reads the library from here::

    from ._http import http
    http.Request("GET", "https://...")

It is found through ``openai.DefaultHttpxClient``, the SDK's public subclass of its
library's ``Client``: the first base class from outside ``openai`` names the library.
For type checking it is ``httpx``, whose API ``httpx2`` shares.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

import openai


def _sdk_library() -> ModuleType:
    for cls in openai.DefaultHttpxClient.__mro__:
        root = cls.__module__.partition(".")[0]
        if root not in ("openai", "builtins"):
            return importlib.import_module(root)
    return importlib.import_module("httpx")  # not reached with any openai 1.66+


if TYPE_CHECKING:
    import httpx as http
else:
    http = _sdk_library()

NAME: str = http.__name__
"""``"httpx2"`` or ``"httpx"``, for messages."""


def http_library() -> ModuleType:
    """The HTTP library the installed openai (and so this package) uses: ``httpx2``
    on openai 3.x, ``httpx`` on 1.x and 2.x. Build ``transport=`` values from it::

        lib = openai_bedrock.http_library()
        client = openai_bedrock.create_client(transport=lib.HTTPTransport(retries=2))
    """
    return http


__all__ = ["NAME", "http", "http_library"]
