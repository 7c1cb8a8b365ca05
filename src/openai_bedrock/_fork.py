"""Clients used after ``os.fork()``: the child gets its own connection pool.

A forked child inherits the parent's open sockets; two processes writing to one
connection interleave requests and read each other's answers. So each Bedrock
transport remembers which process built its inner transport. In a child, a transport
the factory built is replaced by a new one on first use (the parent's pool is left
alone: its sockets are the parent's); a transport the caller passed cannot be rebuilt,
so using it in the child raises ``ForkedClientError`` saying what to do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, Optional, TypeVar

from ._errors import ForkedClientError

T = TypeVar("T")


class PerProcess(Generic[T]):
    """``value`` in the process that built it; ``rebuild()`` in a forked child."""

    def __init__(self, value: T, rebuild: Optional[Callable[[], T]]) -> None:
        self.value = value
        self._rebuild = rebuild
        self._pid = os.getpid()

    def get(self) -> T:
        pid = os.getpid()
        if pid != self._pid:
            if self._rebuild is None:
                raise ForkedClientError(
                    f"This client was built in process {self._pid} with transport=..., and "
                    f"is now used in process {pid}, a child made by os.fork(). Its "
                    "connections belong to the parent. Build a new client in the child "
                    "(call create_client() after the fork), or leave out transport= so the "
                    "client can open its own connections there."
                )
            self.value, self._pid = self._rebuild(), pid
        return self.value
