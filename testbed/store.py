"""The fake tenant's state in a JSON file, shared by the provider plugin processes.

The engine starts one plugin process per provider (azuread, azure-native) and may call each
concurrently, so every operation holds an exclusive lock on ``<file>.lock``, reloads the
file if another process changed it, and writes it back atomically before releasing it.
Tests read and edit the same file between engine runs (``load``/``save``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from testbed.tenant import Tenant

ENV = "HEALTHCARE_CLIENTS_FAKE_TENANT"


def load(path: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return state


def save(path: Path, state: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a document."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, separators=(",", ":"))
    Path(temporary).replace(path)


class TenantStore:
    """The tenant in ``path``, locked per operation across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._state: dict[str, Any] | None = None
        self._stamp: tuple[int, int] | None = None

    def _current_stamp(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    @contextlib.contextmanager
    def tenant(self, *, write: bool = True) -> Iterator[Tenant]:
        with self._thread_lock, self.path.with_name(self.path.name + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                stamp = self._current_stamp()
                if self._state is None or stamp != self._stamp:
                    self._state = load(self.path)
                    self._stamp = stamp
                tenant = Tenant(self._state)
                try:
                    yield tenant
                finally:
                    # A failed operation may have logged or counted a fault: keep that too.
                    if write:
                        save(self.path, self._state)
                        self._stamp = self._current_stamp()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
