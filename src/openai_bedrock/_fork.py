"""Clients used after ``os.fork()``: the child gets its own connection pool.

A forked child inherits the parent's open sockets; two processes writing to one
connection interleave requests and read each other's answers. So each Bedrock
transport remembers which process built its inner transport. In a child, a transport
the factory built is replaced by a new one on first use (the parent's pool is left
alone: its sockets are the parent's); a transport the caller passed cannot be rebuilt,
so using it in the child raises ``ForkedClientError`` saying what to do. Closing a
client in a child that has not used it closes nothing of the parent's.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, Optional, TypeVar, cast

from ._errors import ForkedClientError

T = TypeVar("T")

# This process's id, kept current by an at-fork hook, so that the check on every
# request compares two ints instead of asking the OS (os.register_at_fork runs the
# hook in the child of every os.fork(), multiprocessing's included;
# https://docs.python.org/3/library/os.html#os.register_at_fork).
_pid = os.getpid()

# Serialises rebuilds, so two threads of a child build one pool, not one each (the
# other would leak). Rebuilds are rare (once per client per child), so one lock for
# all clients is enough; a child gets a fresh one, as a fork may copy it held.
_rebuild_lock = threading.Lock()


# Objects whose lock a child must not inherit, with the lock's attribute name: a fork
# copies a lock as it is, and one that another thread of the parent held (botocore's
# credential refresh lock, during a slow STS or SSO call) stays held in the child
# forever, as that thread does not exist there. Weak, so registering keeps nothing alive.
_locks_to_renew: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def renew_lock_after_fork(owner: object, attribute: str) -> None:
    """Give ``owner`` a fresh ``attribute`` lock in each forked child.

    For locks of other libraries we hold (botocore's ``RefreshableCredentials``
    ``_refresh_lock``, which botocore does not renew at fork itself). In the child only
    the forking thread runs, so no one else can hold the new lock; a refresh the parent
    was in the middle of simply happens again in the child when due.
    """
    if isinstance(getattr(owner, attribute, None), _LOCK_TYPES):
        # An object that is not weak-referenceable cannot be registered (none we know).
        with contextlib.suppress(TypeError):
            _locks_to_renew[owner] = attribute


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def _after_fork_in_child() -> None:
    global _pid, _rebuild_lock
    _pid = os.getpid()
    _rebuild_lock = threading.Lock()
    for owner, attribute in list(_locks_to_renew.items()):
        old = getattr(owner, attribute, None)
        fresh = threading.RLock() if isinstance(old, type(threading.RLock())) else threading.Lock()
        setattr(owner, attribute, fresh)


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _NothingToClose:
    """What a child that never used the client closes: not the parent's pool."""

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class PerProcess(Generic[T]):
    """``value`` in the process that built it; ``rebuild()`` in a forked child."""

    def __init__(self, value: T, rebuild: Optional[Callable[[], T]]) -> None:
        self._value = value
        self._rebuild = rebuild
        self._pid = _pid

    @property
    def value(self) -> T:
        """This process's value, for closing it: in a child that has not rebuilt it yet,
        a stand-in whose ``close()`` / ``aclose()`` do nothing."""
        if _pid != self._pid:
            return cast(T, _NothingToClose())
        return self._value

    def get(self) -> T:
        pid = _pid
        if pid == self._pid:
            return self._value
        with _rebuild_lock:
            if pid != self._pid:  # another thread may have rebuilt it meanwhile
                if self._rebuild is None:
                    raise ForkedClientError(
                        f"This client was built in process {self._pid} with transport=..., "
                        f"and is now used in process {pid}, a child made by os.fork(). Its "
                        "connections belong to the parent. Build a new client in the child "
                        "(call create_client() after the fork), or leave out transport= so "
                        "the client can open its own connections there."
                    )
                self._value, self._pid = self._rebuild(), pid
        return self._value
