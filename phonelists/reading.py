"""Reading an uploaded list file as the Paycall document accepts it: comma-delimited
text (`.csv`, `.txt`), lines ending CRLF or LF, optionally compressed as `.zip` (one
file inside: a zip of several is refused, where Paycall would silently take the first) or
`.gz` (tarballs are not supported); and Excel workbooks (`.xlsx`, the first sheet),
known by their content whatever their name, which the import turns into the same
comma-delimited lines.

Everything streams: the file is decompressed in small pieces, the limits are checked
as bytes arrive (a zip or gz bomb stops within a few hundred kilobytes of memory), and
rows are handed out one at a time.
"""

import codecs
import csv
import datetime
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath

import charset_normalizer
from django.utils.translation import gettext

from .limits import current_limits, limit

XLSX = "xlsx"
ACCEPTED_EXTENSIONS = (".csv", ".txt", ".zip", ".gz", ".xlsx")
TARBALL_EXTENSIONS = (".tar.gz", ".tgz", ".tar")
# Spreadsheet formats openpyxl cannot read: the uploader saves the sheet again.
OTHER_SPREADSHEET_EXTENSIONS = (".xls", ".xlsb", ".xlsm", ".ods", ".numbers")
# The start of an OLE2 compound file: an Excel 97-2003 .xls (or a .doc).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The part every .xlsx workbook (an Office Open XML zip package) has.
XLSX_WORKBOOK_PART = "xl/workbook.xml"
_CHUNK = 64 * 1024
SAMPLE_BYTES = 64 * 1024
# Encodings the detector may choose from when the text is not UTF-8: the product's
# languages are Hebrew, Russian and English.
LEGACY_ENCODINGS = ["cp1255", "cp1251", "cp1252", "koi8_r"]


class FileRefused(Exception):
    """The file cannot be imported; the message says why, in words for the uploader."""


def refuse_tarball() -> FileRefused:
    return FileRefused(
        "Tarballs (.tar.gz, .tgz) are not supported: upload a .csv, .txt, .zip or .gz file."
    )


def refuse_other_spreadsheet() -> FileRefused:
    return FileRefused(
        gettext(
            "This spreadsheet format cannot be read (an old Excel .xls or similar). "
            "Save it as .xlsx or CSV and upload that."
        )
    )


def check_filename(filename: str) -> str:
    """The format named by the file's extension, or FileRefused."""
    lower = filename.lower()
    if lower.endswith(TARBALL_EXTENSIONS):
        raise refuse_tarball()
    if lower.endswith(OTHER_SPREADSHEET_EXTENSIONS):
        raise refuse_other_spreadsheet()
    for extension in ACCEPTED_EXTENSIONS:
        if lower.endswith(extension):
            return extension[1:]
    raise FileRefused(
        gettext(
            "Unsupported file type: upload an Excel .xlsx file, a comma-delimited .csv or "
            ".txt file, or one compressed as .zip or .gz."
        )
    )


def is_xlsx_package(source) -> bool:
    """Whether a seekable zip file is an Excel workbook (has xl/workbook.xml). The
    position of `source` is back at 0 afterwards."""
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            return XLSX_WORKBOOK_PART in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        source.seek(0)


def detect_format(filename: str, head: bytes, source=None) -> str:
    """csv | txt | zip | gz | xlsx, from the name and the first bytes (they must
    agree). An Excel workbook is known by its content (a zip holding
    xl/workbook.xml, looked for in `source` when given) whatever its name: people
    rename a workbook to .csv when told to upload a CSV."""
    named = check_filename(filename)
    is_zip = head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")
    is_gzip = head.startswith(b"\x1f\x8b")
    if head.startswith(OLE2_SIGNATURE):
        raise refuse_other_spreadsheet()
    if is_zip and source is not None and is_xlsx_package(source):
        return XLSX
    if named == XLSX:
        raise FileRefused(gettext("The file is named .xlsx but is not an Excel workbook."))
    if named == "zip" and not is_zip:
        raise FileRefused("The file is named .zip but is not a zip archive.")
    if named == "gz" and not is_gzip:
        raise FileRefused("The file is named .gz but is not gzip-compressed.")
    if named in ("csv", "txt") and (is_zip or is_gzip):
        raise FileRefused(f"The file is compressed but named .{named}: name it .zip or .gz.")
    return named


class _Limited(io.RawIOBase):
    """A readable stream of decompressed bytes that enforces the size limits."""

    def __init__(self, source, compressed_size: int, limits: dict):
        self.source = source
        self.compressed_size = max(compressed_size, 1)
        self.produced = 0
        self.max_bytes = limits["PHONELIST_MAX_UNCOMPRESSED_BYTES"]
        self.max_ratio = limits["PHONELIST_MAX_COMPRESSION_RATIO"]
        self.ratio_floor = limits["PHONELIST_RATIO_FLOOR_BYTES"]

    def readable(self):
        return True

    def _count(self, size: int) -> None:
        self.produced += size
        if self.produced > self.max_bytes:
            raise FileRefused(f"The file is larger than {self.max_bytes} bytes once decompressed.")
        if (
            self.produced > self.ratio_floor
            and self.produced > self.max_ratio * self.compressed_size
        ):
            raise FileRefused(
                f"The file decompresses more than {self.max_ratio} times its size: refused as a "
                "possible compression bomb."
            )

    def readinto(self, buffer) -> int:
        data = self._read(len(buffer))
        self._count(len(data))
        buffer[: len(data)] = data
        return len(data)


class _PlainStream(_Limited):
    def _read(self, size: int) -> bytes:
        return self.source.read(size)

    def _count(self, size: int) -> None:
        self.produced += size


class _GzipStream(_Limited):
    """gzip, member after member, never producing more than asked for per call."""

    def __init__(self, source, compressed_size: int, limits: dict):
        super().__init__(source, compressed_size, limits)
        self.decompressor = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.finished = False
        self.checked_tar = False

    def _read(self, size: int) -> bytes:
        while not self.finished:
            if self.decompressor.unconsumed_tail:
                data = self.decompressor.unconsumed_tail
            elif self.pending:
                data, self.pending = self.pending, b""
            else:
                data = self.source.read(_CHUNK)
            if not data:
                if not self.decompressor.eof and self.produced:
                    raise FileRefused("The .gz file is truncated.")
                self.finished = True
                break
            try:
                out = self.decompressor.decompress(data, size)
            except zlib.error as error:
                raise FileRefused(f"The .gz file is damaged ({error}).") from error
            if self.decompressor.eof:
                # Another member may follow (concatenated gzip files are valid gzip).
                self.pending = self.decompressor.unused_data
                self.decompressor = zlib.decompressobj(wbits=31)
                if not self.pending:
                    self.pending = self.source.read(_CHUNK)
                    if not self.pending:
                        self.finished = True
            if out:
                if not self.checked_tar:
                    self.checked_tar = True
                    if out[257:262] == b"ustar":
                        raise refuse_tarball()
                return out
        return b""


class _ZipStream(_Limited):
    def __init__(self, source, compressed_size: int, limits: dict):
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise FileRefused(f"The .zip file is damaged ({error}).") from error
        members = [info for info in archive.infolist() if not _zip_metadata(info)]
        if not members:
            raise FileRefused("The .zip archive holds no file.")
        if len(members) > 1:
            raise _several_files(members)
        first = members[0]
        if first.flag_bits & 0x1:
            raise FileRefused("The file inside the .zip is encrypted.")
        if first.filename.lower().endswith(TARBALL_EXTENSIONS + (".zip", ".gz")):
            raise FileRefused("The first file inside the .zip is itself an archive.")
        if first.filename.lower().endswith((".xlsx", *OTHER_SPREADSHEET_EXTENSIONS)):
            raise FileRefused(
                gettext("The .zip holds a spreadsheet: upload the .xlsx file itself, unzipped.")
            )
        super().__init__(source, first.compress_size, limits)
        if first.file_size > self.max_bytes:
            raise FileRefused(f"The file is larger than {self.max_bytes} bytes once decompressed.")
        self.inner_name = first.filename
        try:
            self.member = archive.open(first)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
            raise FileRefused(f"The .zip file cannot be read ({error}).") from error

    def _read(self, size: int) -> bytes:
        try:
            return self.member.read(min(size, _CHUNK))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise FileRefused(f"The .zip file is damaged ({error}).") from error


def _zip_metadata(info: zipfile.ZipInfo) -> bool:
    """Folders, and what macOS adds beside each file it zips (__MACOSX/, ._name)."""
    path = PurePosixPath(info.filename)
    return info.is_dir() or path.parts[0] == "__MACOSX" or path.name.startswith("._")


def _several_files(members: list[zipfile.ZipInfo]) -> FileRefused:
    # Reading only the first would drop the others' numbers without a word; reading
    # them all as one list would mix their header rows and line numbers.
    shown = 5
    names = ", ".join(member.filename for member in members[:shown])
    if len(members) > shown:
        names += gettext(" and %(count)d more") % {"count": len(members) - shown}
    return FileRefused(
        gettext(
            "The .zip holds %(count)d files (%(names)s); a phone list must be one file. "
            "Upload each as a list of its own, or a .zip with just one file in it."
        )
        % {"count": len(members), "names": names}
    )


def open_decompressed(
    source, file_format: str, compressed_size: int, limits: dict | None = None
) -> io.BufferedReader:
    """A buffered stream of the list's text bytes, with the limits enforced."""
    stream_class = {"zip": _ZipStream, "gz": _GzipStream}.get(file_format, _PlainStream)
    stream = stream_class(source, compressed_size, limits or current_limits())
    return io.BufferedReader(stream, buffer_size=SAMPLE_BYTES)


def detect_encoding(sample: bytes) -> str:
    """The sample's encoding: a BOM wins, then UTF-8 if it decodes, then the best
    legacy Hebrew/Russian/Western guess of charset-normalizer."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):
        # UTF-16 without a BOM: every other byte of ASCII text is zero.
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    if b"\x00" in sample:
        raise FileRefused("This is not a text file (it contains binary data).")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_like_windows_1255(sample):
        return "cp1255"
    best = charset_normalizer.from_bytes(sample, cp_isolation=LEGACY_ENCODINGS).best()
    return best.encoding if best is not None else "cp1252"


_HEBREW_LETTERS = range(0xE0, 0xFB)


def _looks_like_windows_1255(sample: bytes) -> bool:
    """Hebrew letters in Windows-1255 are bytes E0-FA, written as whole words. The same
    bytes read as Windows-1251 would be Russian with no capital letter and no ы, ь, э,
    ю or я, which real Russian never is; charset-normalizer's language models need
    more text than a short list gives to see that."""
    high = [i for i, byte in enumerate(sample) if byte >= 0x80]
    if not high or any(sample[i] not in _HEBREW_LETTERS for i in high):
        return False
    positions = set(high)
    in_words = sum(1 for i in high if i - 1 in positions or i + 1 in positions)
    return in_words * 2 >= len(high)


@dataclass
class RowProblem:
    line_number: int
    reason: str
    raw: str


LINE_TOO_LONG = "line too long"
TOO_MANY_COLUMNS = "too many columns"


def iter_rows(text: io.TextIOBase) -> Iterator[tuple[int, list[str] | RowProblem]]:
    """(line number, cells) for every non-blank line, or a RowProblem for a line that
    breaks a limit. Line numbers count physical lines from 1, as an editor shows them.
    Stops with FileRefused past the row limit."""
    max_line = limit("PHONELIST_MAX_LINE_LENGTH")
    max_columns = limit("PHONELIST_MAX_COLUMNS")
    max_rows = limit("PHONELIST_MAX_ROWS")
    too_long: dict[int, str] = {}
    counter = {"line": 0}

    def lines() -> Iterator[str]:
        while True:
            line = text.readline(max_line + 1)
            if not line:
                return
            counter["line"] += 1
            line = line.replace("\x00", "")
            if len(line) > max_line and not line.endswith(("\n", "\r")):
                too_long[counter["line"]] = line[:80]
                # Skip the rest of the overlong line without holding it in memory.
                while line and not line.endswith(("\n", "\r")):
                    line = text.readline(_CHUNK)
                yield "\n"
            else:
                yield line

    reader = csv.reader(lines())
    rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, RowProblem(reader.line_num, f"unreadable line ({error})", "")
            continue
        line_number = reader.line_num
        if not cells:
            if line_number in too_long:
                yield line_number, RowProblem(line_number, LINE_TOO_LONG, too_long.pop(line_number))
            continue
        if len(cells) == 1 and not cells[0].strip():
            continue
        rows += 1
        if rows > max_rows:
            raise FileRefused(f"The list has more than {max_rows} rows.")
        if len(cells) > max_columns:
            yield line_number, RowProblem(line_number, TOO_MANY_COLUMNS, ",".join(cells[:5]))
            continue
        yield line_number, cells


def open_text(binary: io.BufferedReader, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


# --- Excel workbooks ------------------------------------------------------------------


def cell_text(value) -> str:
    """An Excel cell's value as the text a CSV would hold. Excel stores numbers as
    floats: 972541234567 comes back as 972541234567.0 (shown 9.72541E+11) and must be
    its digits again, without ".0" or an exponent. (A leading zero Excel dropped is
    gone: a local number then reads as international, or as local with the list's
    default country.)"""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)


class XlsxLines:
    """The import-time encoder of an Excel row as one comma-delimited line (what the
    validator splits, and what the rejected-lines file shows)."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="")

    def __call__(self, cells: list[str]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        # A line break inside a cell would split the row in two: it becomes a space.
        self.writer.writerow(
            [c.replace("\r\n", " ").replace("\n", " ").replace("\r", " ") for c in cells]
        )
        return self.buffer.getvalue()


def _check_package(source, compressed_size: int, limits: dict) -> None:
    """The limits on decompressed size, from the zip directory: openpyxl reads the
    sheet as a stream, but a workbook's parts still decompress."""
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileRefused(gettext("The Excel file is damaged (%s).") % error) from error
    finally:
        source.seek(0)
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRefused(gettext("The Excel file is password-protected: save it without one."))
    total = sum(info.file_size for info in infos)
    maximum = limits["PHONELIST_MAX_UNCOMPRESSED_BYTES"]
    if total > maximum:
        raise FileRefused(f"The file is larger than {maximum} bytes once decompressed.")
    ratio = limits["PHONELIST_MAX_COMPRESSION_RATIO"]
    if total > limits["PHONELIST_RATIO_FLOOR_BYTES"] and total > ratio * max(compressed_size, 1):
        raise FileRefused(
            f"The file decompresses more than {ratio} times its size: refused as a "
            "possible compression bomb."
        )


def iter_xlsx_rows(
    source, compressed_size: int, limits: dict | None = None
) -> Iterator[tuple[int, list[str], int | None]]:
    """(row number, cells as text, the sheet's row count if it says) for each
    non-empty row of the workbook's first sheet, streamed with openpyxl's read-only
    mode. Rows are cut at one column past the column limit (the validator refuses
    them), so a sheet of 16,384 columns costs no memory."""
    # openpyxl is imported here, not at the top: only Excel uploads need it, and
    # the import's worker processes start faster without it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    limits = limits or current_limits()
    _check_package(source, compressed_size, limits)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileRefused(gettext("The Excel file cannot be read (%s).") % error) from error
    try:
        if not workbook.worksheets:
            raise FileRefused(gettext("The Excel file has no worksheet."))
        sheet = workbook.worksheets[0]
        try:
            row_count = sheet.max_row
        except (ValueError, TypeError):
            row_count = None
        # Dimensions written by some programs are wrong: read every row there is.
        sheet.reset_dimensions()
        max_col = limits["PHONELIST_MAX_COLUMNS"] + 1
        rows = sheet.iter_rows(max_col=max_col, values_only=True)
        for number, values in enumerate(rows, start=1):
            cells = [cell_text(value) for value in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                yield number, cells, row_count
    except FileRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged sheet
        raise FileRefused(gettext("The Excel file cannot be read (%s).") % error) from error
    finally:
        workbook.close()
