"""Import a phone list file from the command line and print the import report."""

import json
import os

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from phonelists import services
from phonelists.models import NumberPolicy, PhoneList
from phonelists.reading import FileRefused


class Command(BaseCommand):
    help = "Import a phone list file (.xlsx, .csv, .txt, .zip, .gz) and print the report."
    # The system checks import every view and API module: seconds that an import
    # from a script does not need (`manage.py check` runs them).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", required=True)
        parser.add_argument("--default-country", default="", help="e.g. IL, for local numbers")
        parser.add_argument(
            "--number-policy",
            choices=NumberPolicy.values,
            default=NumberPolicy.REGION,
            help="region: valid for its region (default); e164: well-formed E.164",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, path, name, default_country, number_policy, **options):
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        with open(path, "rb") as handle:
            upload = File(handle, name=os.path.basename(path))
            upload.size = os.path.getsize(path)
            try:
                phone_list = services.upload_phone_list(
                    name=name,
                    upload=upload,
                    default_country=default_country.upper(),
                    number_policy=number_policy,
                )
            except (FileRefused, services.MappingInvalid, services.NameTaken) as error:
                raise CommandError(str(error)) from error
        if phone_list.status == PhoneList.Status.QUEUED:
            # Run here rather than wait for a worker: the command prints the outcome.
            services.run_phone_list_import(phone_list.pk)
        phone_list.refresh_from_db()
        if phone_list.status == PhoneList.Status.NEEDS_MAPPING:
            raise CommandError(
                "Which column holds the phone number is not clear; map the columns in the "
                f"web page (list {phone_list.pk})."
            )
        if phone_list.status == PhoneList.Status.FAILED:
            raise CommandError(phone_list.error)
        report = phone_list.report()
        if options["json"]:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(f'Phone list {phone_list.pk} "{phone_list.name}": {phone_list.status}')
        for key in ("total", "imported", "rejected", "duplicates", "dnc"):
            self.stdout.write(f"  {key}: {report[key]}")
        for reason, count in report["reasons"].items():
            self.stdout.write(f"    {reason}: {count}")


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, sort_keys=True)
