"""A .zip phone list holds one file: several are refused by name rather than all but
the first dropped without a word; what macOS adds beside a zipped file is not a file."""

import io
import zipfile

import pytest

from phonelists.reading import FileRefused, open_decompressed


def zipped(*members: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(name, text)
    return buffer.getvalue()


def read_all(data: bytes) -> bytes:
    return open_decompressed(io.BytesIO(data), "zip", len(data)).read()


def test_a_zip_of_several_files_is_refused_naming_them():
    data = zipped(("first.csv", "+97231000000\n"), ("more/second.csv", "+14155552671\n"))
    with pytest.raises(FileRefused) as refused:
        read_all(data)
    message = str(refused.value)
    assert "2 files (first.csv, more/second.csv)" in message
    assert "one file" in message


def test_a_long_list_of_members_is_cut_short():
    data = zipped(*[(f"part{n}.csv", "+97231000000\n") for n in range(8)])
    with pytest.raises(FileRefused, match=r"8 files \(part0.csv, .*part4.csv and 3 more\)"):
        read_all(data)


def test_folders_and_macos_metadata_are_not_files():
    data = zipped(
        ("lists/", ""),
        ("lists/numbers.csv", "+97231000000\n"),
        ("__MACOSX/lists/._numbers.csv", "resource fork"),
        ("lists/._numbers.csv", "resource fork"),
    )
    assert read_all(data) == b"+97231000000\n"
