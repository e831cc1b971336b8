from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows import services

from ._flow_io import finding_line, read_json


class Command(BaseCommand):
    help = (
        "Import a flow from a JSON file: Paycall JSON (a dialer request, its ivr, a steps "
        "array or a simple dialer request) or a Dialer Studio canonical export. Prints "
        "the new flow's id."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", help="Name of the new flow.")

    def handle(self, *args, path, name=None, **options):
        data = read_json(path)
        try:
            flow, findings = services.import_flow(data=data, name=name)
        except ValidationError as error:
            raise CommandError("\n".join(["Cannot import this flow:", *error.messages])) from error
        for finding in findings:
            self.stderr.write(finding_line(finding))
        self.stdout.write(str(flow.pk))
