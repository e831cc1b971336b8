"""`manage.py phonelist_import`."""

import gzip
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_json_report_of_the_documents_example(capsys):
    call_command(
        "phonelist_import", "tests/fixtures/paycall/upload_numbers.csv", name="Doc", json=True
    )
    report = json.loads(capsys.readouterr().out)
    assert {"total", "imported", "rejected", "duplicates", "dnc", "reasons"} <= set(report)
    assert (report["total"], report["imported"], report["rejected"]) == (4, 2, 2)


def test_plain_report_with_a_default_country(tmp_path, capsys):
    path = tmp_path / "local.csv.gz"
    path.write_bytes(gzip.compress(b"0544567890\n0544567890\nabc\n"))
    call_command("phonelist_import", str(path), name="Local", default_country="il")
    out = capsys.readouterr().out
    assert "imported: 1" in out and "duplicates: 1" in out and "not a phone number: 1" in out


def test_refused_files_are_command_errors(tmp_path):
    path = tmp_path / "list.tgz"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="Tarballs"):
        call_command("phonelist_import", str(path), name="Tar")
    with pytest.raises(CommandError, match="No such file"):
        call_command("phonelist_import", str(tmp_path / "missing.csv"), name="Missing")
