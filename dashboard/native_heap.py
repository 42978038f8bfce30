"""Give the C heap's free memory back to the operating system, where the C library can (glibc's `malloc_trim`).

A long process that runs one bulk sync chunk after another (`import_orders` inline, a Celery worker) starts a
fetch thread per chunk; glibc gives threads heaps (arenas) of their own and keeps what they freed, so without a
trim the resident size climbs with every arena used, though the live objects stay the same.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to call, nothing kept either
        return None
    return trim


def release() -> bool:
    """Return the free pages of every heap to the OS; whether anything was released (False without glibc)."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
