"""The floor of a phone list import: the same file read with the csv module and its
rows inserted into the contacts table by the import's own writer (COPY on PostgreSQL,
executemany on SQLite), with no validation, no duplicate or do-not-call check and no
report, in one process: `python -m tests.bench.phonelists_floor PATH` prints the rows.
Like the import it is a fresh process, so both include Django's start-up."""

import csv
import gzip
import json
import sys
import time

import django

CHUNK = 20_000


def main(path: str) -> None:
    django.setup()
    from phonelists.importer import ContactWriter
    from phonelists.models import PhoneList

    phone_list = PhoneList.objects.create(name=f"floor {time.time()}", source_file="-")
    writer = ContactWriter(phone_list.pk)
    opener = gzip.open if path.endswith(".gz") else open
    written = 0
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = []
        for line_number, row in enumerate(reader, start=2):
            variables = json.dumps(dict(zip(header[3:], row[3:], strict=True)))
            rows.append((line_number, row[0], row[1], row[2], "[]", variables))
            if len(rows) == CHUNK:
                writer.write(rows)
                written += len(rows)
                rows = []
        writer.write(rows)
        written += len(rows)
    print(written)


if __name__ == "__main__":
    main(sys.argv[1])
