"""The server gives memory it freed back to the system (glibc's `malloc_trim`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pycustoms.server import memory

# In a fresh interpreter: 200 MB in 4 KiB buffers (above pymalloc's size, below mmap's
# threshold, so glibc's arenas hold them), every 64th kept alive so that the heap cannot
# shrink from its top; then the RSS before and after one `release()`.
_CHILD = """
import sys
from pycustoms.server import memory

def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))

blocks = [bytearray(4096) for _ in range(50_000)]
kept = blocks[::64]
del blocks
before = rss()
released = memory.release()
print(before, rss(), released)
"""


@pytest.mark.skipif(
    not memory.available(), reason="malloc_trim is glibc's; this C library has none"
)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_release_gives_freed_memory_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    before, after, released = int(out[0]), int(out[1]), out[2]
    assert released == "True"
    # ~196 MB were freed inside the arena; most of it leaves the process.
    assert before - after > 100_000, (before, after)


# In a fresh interpreter: eight threads allocate (each would get an arena of its own), then
# glibc's `malloc_info` lists the arenas as `<heap nr="N">`.
_ARENAS_CHILD = """
import ctypes, ctypes.util, os, sys, tempfile, threading
from pycustoms.server import memory

if sys.argv[1] == "limit":
    assert memory.limit_arenas(1)
barrier = threading.Barrier(8)

def work():
    barrier.wait()
    kept = [bytearray(100_000) for _ in range(20)]
    barrier.wait()

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
path = os.path.join(tempfile.mkdtemp(), "info.xml")
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
print(open(path).read().count("<heap nr="))
"""


def _arenas(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _ARENAS_CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(out.stdout)


@pytest.mark.skipif(not memory.available(), reason="mallopt is glibc's; this C library has none")
def test_limit_arenas_keeps_threads_in_few_arenas() -> None:
    assert _arenas("free") > 2  # glibc's default: threads spread over arenas of their own
    assert _arenas("limit") == 1
