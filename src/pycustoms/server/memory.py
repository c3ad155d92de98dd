"""Keep the server's resident size flat: few allocator arenas, freed memory given back.

A long-running server allocates and frees many short-lived buffers (pages rendered
and gzipped, upstream pages parsed, upload forms, database rows) on several threads.
glibc's allocator keeps what was freed in its arenas for reuse, and a busy arena
that is fragmented rarely shrinks on its own: under a 10-minute load the server's
`VmRSS` grew by 13 % while the memory Python itself held (tracemalloc) grew by
2 MB, and one `malloc_trim(0)` gave back 14 MB at once (benchmarks/load.py).

Two remedies, both glibc's (elsewhere, musl or macOS, this module does nothing):

- `limit_arenas`: glibc gives threads their own arenas, up to eight per core, and
  each keeps its own high-water mark; under load the growth sat in those arenas
  (`/proc/PID/smaps`: 14 thread arenas each 0.5-2 MB larger after five minutes, the
  main heap unchanged). Two arenas serve the server's threads, which hold the GIL
  for most of their allocations anyway (what `MALLOC_ARENA_MAX=2` does, set from
  inside so that `pycustoms serve` behaves the same however it is started).
- `release`: `malloc_trim` returns the unused top of every arena and, since glibc
  2.8, the whole free pages inside them; `keep_releasing` calls it on a worker
  thread every `TRIM_EVERY` seconds (a few milliseconds each).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Callable

TRIM_EVERY = 30.0  # seconds between two trims
ARENAS = 2  # allocator arenas for the whole process
_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def _glibc() -> ctypes.CDLL | None:
    """The C library if it is glibc (it alone has `malloc_trim` and `mallopt`)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    libc.malloc_trim.restype = ctypes.c_int
    libc.mallopt.restype = ctypes.c_int
    return libc


_libc = _glibc()
_trim: Callable[[int], int] | None = _libc.malloc_trim if _libc is not None else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap the allocator's arenas (call before threads start); whether it took effect."""
    return _libc is not None and _libc.mallopt(_M_ARENA_MAX, arenas) == 1


def available() -> bool:
    """Whether this C library can give freed memory back (glibc)."""
    return _trim is not None


def release() -> bool:
    """Give the allocator's free memory back to the system now; whether any was released."""
    return bool(_trim(0)) if _trim is not None else False


async def keep_releasing(every: float = TRIM_EVERY) -> None:
    """Release freed memory every *every* seconds until cancelled."""
    if _trim is None:
        return
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(release)
