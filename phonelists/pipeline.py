"""File -> validated blocks, without Django, so it can run in a worker process.

On a big file the import starts one worker process that reads, decompresses, parses
and validates (the CPU-heavy part) while the parent dedupes and writes to the
database: the machine's two cores both work. The parent talks to the worker over a
pipe with no helper threads: a thread in the parent would fight the database driver
for the GIL on every row. Small files run the same generator in-process.
"""

import multiprocessing
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

from .reading import (
    LINE_TOO_LONG,
    XLSX,
    FileRefused,
    XlsxLines,
    iter_xlsx_rows,
    open_decompressed,
    open_text,
)
from .rows import BlockResult, BlockValidator, ListRules

BLOCK_LINES = 20_000
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileSpec:
    """Everything the reader needs, as plain values (sent to the worker process)."""

    path: str
    file_format: str
    file_size: int
    encoding: str
    has_header: bool
    rules: ListRules
    limits: dict


def _blocks(text, spec: FileSpec, too_long: list) -> Iterator[list[tuple[int, str]]]:
    """Non-blank lines with their numbers, in blocks. Overlong lines are skipped without
    being held in memory and noted in `too_long`. Stops past the row limit."""
    max_line = spec.limits["PHONELIST_MAX_LINE_LENGTH"]
    max_rows = spec.limits["PHONELIST_MAX_ROWS"]
    line_number = rows = 0
    block: list[tuple[int, str]] = []
    header_pending = spec.has_header
    readline = text.readline
    while True:
        line = readline(max_line + 1)
        if not line:
            break
        line_number += 1
        if len(line) > max_line and line[-1] not in "\r\n":
            too_long.append((line_number, LINE_TOO_LONG, line[:80]))
            while line and line[-1] not in "\r\n":
                line = readline(_READ_CHUNK)
            continue
        if "\x00" in line:
            # NUL is no character of a list, and PostgreSQL text cannot hold it.
            line = line.replace("\x00", "")
        if not line.strip():
            continue
        if header_pending:
            header_pending = False
            continue
        rows += 1
        if rows > max_rows:
            raise FileRefused(f"The list has more than {max_rows} rows.")
        block.append((line_number, line))
        if len(block) >= BLOCK_LINES:
            yield block
            block = []
    if block:
        yield block


def _xlsx_blocks(
    source, spec: FileSpec, too_long: list
) -> Iterator[tuple[list[tuple[int, str]], int]]:
    """The first sheet's non-empty rows as (row number, comma-delimited line), in
    blocks, with the bytes read so far estimated from the rows read (a zip is not
    read front to back). The same limits as a text file."""
    max_line = spec.limits["PHONELIST_MAX_LINE_LENGTH"]
    max_rows = spec.limits["PHONELIST_MAX_ROWS"]
    as_line = XlsxLines()
    header_pending = spec.has_header
    rows = 0
    block: list[tuple[int, str]] = []
    position = 0
    for row_number, cells, row_count in iter_xlsx_rows(source, spec.file_size, spec.limits):
        if header_pending:
            header_pending = False
            continue
        rows += 1
        if rows > max_rows:
            raise FileRefused(f"The list has more than {max_rows} rows.")
        line = as_line(cells)
        if len(line) > max_line:
            too_long.append((row_number, LINE_TOO_LONG, line[:80]))
            continue
        block.append((row_number, line))
        if len(block) >= BLOCK_LINES:
            if row_count:
                position = min(spec.file_size, spec.file_size * row_number // row_count)
            yield block, position
            block = []
    if block:
        yield block, spec.file_size


def _text_blocks(source, spec: FileSpec, too_long: list):
    binary = open_decompressed(source, spec.file_format, spec.file_size, spec.limits)
    text = open_text(binary, spec.encoding or "utf-8")
    for block in _blocks(text, spec, too_long):
        yield block, source.tell()


def validated_blocks(spec: FileSpec) -> Iterator[tuple[BlockResult, int]]:
    """(block result, bytes of the stored file read so far), in file order. Lines
    refused before parsing (too long) are added to the next result's rejections."""
    validator = BlockValidator(spec.rules)
    too_long: list = []
    read_blocks = _xlsx_blocks if spec.file_format == XLSX else _text_blocks
    with open(spec.path, "rb") as source:
        position = 0
        for block, position in read_blocks(source, spec, too_long):
            result = validator.validate(block)
            if too_long:
                result.rejected = sorted(result.rejected + too_long)
                too_long.clear()
            yield result, position
        if too_long:
            yield BlockResult(rejected=list(too_long)), max(position, source.tell())


def _serve(spec: FileSpec, conn) -> None:
    """Worker process: send ("block", result, bytes_read) messages, then ("done",),
    or ("refused", message) / ("error", traceback text)."""
    try:
        for result, bytes_read in validated_blocks(spec):
            conn.send(("block", result, bytes_read))
        conn.send(("done",))
    except FileRefused as refusal:
        conn.send(("refused", str(refusal)))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def validated_blocks_in_worker(spec: FileSpec) -> Iterator[tuple[BlockResult, int]]:
    """validated_blocks, computed in a worker process. Closing the generator early
    (cancel, error) stops the worker."""
    # spawn, not fork: the child must not inherit this process's database connection.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_serve, args=(spec, sender), daemon=True)
    worker.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError as error:
                raise RuntimeError("The import worker process stopped unexpectedly.") from error
            kind = message[0]
            if kind == "block":
                yield message[1], message[2]
            elif kind == "done":
                return
            elif kind == "refused":
                raise FileRefused(message[1])
            else:
                raise RuntimeError("The import worker process failed:\n" + message[1])
    finally:
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)
