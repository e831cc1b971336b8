"""The import limits. Each is a Django setting with the default below, so an
installation can raise or lower it without touching code."""

from django.conf import settings

DEFAULTS = {
    # Bytes of the file as uploaded (compressed or not).
    "PHONELIST_MAX_UPLOAD_BYTES": 200 * 1024 * 1024,
    # Bytes after decompression: a zip or gz bomb stops here, read in small pieces.
    "PHONELIST_MAX_UNCOMPRESSED_BYTES": 1024 * 1024 * 1024,
    # Uncompressed / compressed size; real CSVs compress 3-10 times, bombs 1000 times.
    "PHONELIST_MAX_COMPRESSION_RATIO": 100,
    # Below this many uncompressed bytes the ratio is not checked (tiny files compress well).
    "PHONELIST_RATIO_FLOOR_BYTES": 1024 * 1024,
    "PHONELIST_MAX_ROWS": 2_000_000,
    "PHONELIST_MAX_LINE_LENGTH": 4096,
    "PHONELIST_MAX_COLUMNS": 50,
    # Files at least this big are validated in worker processes, on this many cores.
    "PHONELIST_PARALLEL_MIN_BYTES": 4 * 1024 * 1024,
    "PHONELIST_IMPORT_WORKERS": 1,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def current_limits() -> dict[str, int]:
    """All limits as plain values, for code that runs outside Django (worker processes)."""
    return {name: limit(name) for name in DEFAULTS}
