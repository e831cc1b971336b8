"""The baseline: a plain django-import-export import of the same rows into the same
contacts table, run as a script: `python -m tests.bench.phonelists_import_export PATH ROWS`.
Prints the seconds it took. Validation is what import-export does by itself (model
field checks), so the comparison flatters it: no E.164 parsing at all."""

import csv
import sys
import time

import django


def main(path: str, rows: int) -> None:
    django.setup()
    import tablib
    from import_export import resources

    from phonelists.models import Contact, PhoneList

    phone_list = PhoneList.objects.create(name="import-export baseline", source_file="-")

    class ContactResource(resources.ModelResource):
        class Meta:
            model = Contact
            fields = ("phone_list", "line_number", "number", "cli", "dtmf_originator", "variables")
            import_id_fields = ()
            use_bulk = True
            batch_size = 5000
            skip_diff = True

    dataset = tablib.Dataset(
        headers=["phone_list", "line_number", "number", "cli", "dtmf_originator", "variables"]
    )
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for line_number, row in enumerate(reader, start=2):
            if line_number > rows + 1:
                break
            variables = f'{{"first_name": "{row[3]}", "city": "{row[4]}"}}'
            dataset.append([phone_list.pk, line_number, row[0], row[1], row[2], variables])
    started = time.perf_counter()
    outcome = ContactResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not outcome.has_errors()
    print(f"{elapsed:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
