"""Reading list files: formats, encodings and the limits, decompression bombs included."""

import codecs
import gzip
import io
import tarfile
import tracemalloc
import zipfile
import zlib

import pytest

from phonelists.reading import (
    FileRefused,
    check_filename,
    detect_encoding,
    detect_format,
    open_decompressed,
    open_text,
)

LINES = "number,cli\r\n+97231000000,0723000000\r\n"


def read_all(data: bytes, file_format: str) -> bytes:
    stream = open_decompressed(io.BytesIO(data), file_format, len(data))
    return stream.read()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("list.csv", "csv"), ("LIST.TXT", "txt"), ("numbers.zip", "zip"), ("numbers.csv.gz", "gz")],
)
def test_the_documented_formats_are_accepted(name, expected):
    assert check_filename(name) == expected


@pytest.mark.parametrize("name", ["numbers.tar.gz", "numbers.tgz", "numbers.TAR.GZ"])
def test_tarballs_are_refused(name):
    with pytest.raises(FileRefused, match="Tarballs"):
        check_filename(name)


@pytest.mark.parametrize("name", ["numbers.pdf", "numbers", "numbers.csv.bz2"])
def test_other_formats_are_refused(name):
    with pytest.raises(FileRefused, match="Unsupported file type"):
        check_filename(name)


def test_the_name_and_the_content_must_agree():
    with pytest.raises(FileRefused, match="not a zip"):
        detect_format("a.zip", b"number\n")
    with pytest.raises(FileRefused, match="not gzip"):
        detect_format("a.gz", b"number\n")
    with pytest.raises(FileRefused, match="compressed"):
        detect_format("a.csv", gzip.compress(b"x")[:8])


def test_gz_is_decompressed_member_after_member():
    data = gzip.compress(b"+97231000000\n") + gzip.compress(b"+14155552671\n")
    assert read_all(data, "gz") == b"+97231000000\n+14155552671\n"


def test_a_tarball_renamed_to_gz_is_refused():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("list.csv")
        info.size = len(LINES)
        tar.addfile(info, io.BytesIO(LINES.encode()))
    with pytest.raises(FileRefused, match="Tarballs"):
        read_all(buffer.getvalue(), "gz")


def test_an_empty_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    with pytest.raises(FileRefused, match="holds no file"):
        read_all(buffer.getvalue(), "zip")


def test_a_damaged_gz_is_refused():
    data = gzip.compress(LINES.encode() * 100)
    with pytest.raises(FileRefused, match="(damaged|truncated)"):
        read_all(data[: len(data) // 2], "gz")


def _gz_bomb(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"+97231000000\n" * 80_000  # ~1 MB
    parts = [compressor.compress(chunk) for _ in range(megabytes)]
    return b"".join(parts) + compressor.flush()


def _zip_bomb(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("bomb.csv", "w", force_zip64=True) as member,
    ):
        chunk = b"+97231000000\n" * 80_000
        for _ in range(megabytes):
            member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(("file_format", "make"), [("gz", _gz_bomb), ("zip", _zip_bomb)])
def test_compression_bombs_stop_early_with_little_memory(file_format, make):
    bomb = make(60)  # 60 MB of text in ~100 KB
    tracemalloc.start()
    try:
        stream = open_decompressed(io.BytesIO(bomb), file_format, len(bomb))
        produced = 0
        with pytest.raises(FileRefused, match="compression bomb"):
            while chunk := stream.read(64 * 1024):
                produced += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert produced < 30 * 1024 * 1024
    assert peak < 4 * 1024 * 1024


def test_the_uncompressed_size_limit(settings):
    settings.PHONELIST_MAX_UNCOMPRESSED_BYTES = 1000
    settings.PHONELIST_MAX_COMPRESSION_RATIO = 10_000
    data = gzip.compress(b"+97231000000\n" * 200)
    with pytest.raises(FileRefused, match="larger than 1000 bytes once decompressed"):
        read_all(data, "gz")


def test_a_zip_declaring_too_much_is_refused_before_reading(settings):
    settings.PHONELIST_MAX_UNCOMPRESSED_BYTES = 1000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", "+97231000000\n" * 200)
    with pytest.raises(FileRefused, match="larger than 1000 bytes"):
        open_decompressed(io.BytesIO(buffer.getvalue()), "zip", len(buffer.getvalue()))


def test_the_ratio_limit(settings):
    settings.PHONELIST_MAX_COMPRESSION_RATIO = 5
    settings.PHONELIST_RATIO_FLOOR_BYTES = 100
    data = gzip.compress(b"+97231000000\n" * 1000)
    with pytest.raises(FileRefused, match="more than 5 times"):
        read_all(data, "gz")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (LINES.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + LINES.encode("utf-8"), "utf-8-sig"),
        (LINES.encode("utf-16"), "utf-16"),
        (LINES.encode("utf-16-le"), "utf-16-le"),
        ("טלפון,שם פרטי,עיר\r\n0544567890,דנה,תל אביב\r\n".encode("cp1255"), "cp1255"),
        ("телефон,имя,город\r\n+79161234567,Ольга,Москва\r\n".encode("cp1251"), "cp1251"),
        ("מספר,שם\n0544567890,משה\n".encode(), "utf-8"),
    ],
)
def test_encodings_are_detected(data, encoding):
    assert detect_encoding(data) == encoding


def test_binary_data_is_refused():
    with pytest.raises(FileRefused, match="not a text file"):
        detect_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_text_decoding_keeps_crlf_lf_and_cr_lines_apart():
    data = b"+97231000000\r\n+14155552671\n972723000000\r"
    text = open_text(open_decompressed(io.BytesIO(data), "csv", len(data)), "utf-8")
    assert [line.rstrip("\r\n") for line in text] == [
        "+97231000000",
        "+14155552671",
        "972723000000",
    ]
