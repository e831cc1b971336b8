"""A short-lived, per-process cache of registry lookups for the busiest emulator path.

iovox sends one call per request, so two registry queries per call would cost more
than everything else the emulator does. Entries live one second; any save or delete
of a registry row clears this process's cache at once (other server processes see the
change within the second).
"""

import threading
import time
from collections.abc import Callable

from django.db.models.signals import post_delete, post_save

from ..models import IovoxLink, PhononFlow, SandboxAccount

TTL_SECONDS = 1.0

_entries: dict[tuple, tuple[float, object]] = {}
_lock = threading.Lock()


def cached(key: tuple, load: Callable[[], object]):
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    with _lock:
        _entries[key] = (now + TTL_SECONDS, value)
    return value


def clear(**kwargs) -> None:
    with _lock:
        _entries.clear()


for model in (SandboxAccount, IovoxLink, PhononFlow):
    post_save.connect(clear, sender=model, dispatch_uid=f"sandbox-cache-save-{model.__name__}")
    post_delete.connect(clear, sender=model, dispatch_uid=f"sandbox-cache-del-{model.__name__}")
