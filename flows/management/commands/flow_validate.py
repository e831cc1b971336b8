from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows import services
from flows.definition import definition_from_flow

from ._flow_io import finding_line, get_flow, read_json


class Command(BaseCommand):
    help = (
        "Check a flow (a JSON file, or the id of a flow in the database) against the "
        "schema and lint. Prints every finding; exits with status 1 if any is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("path_or_flow_id")

    def handle(self, *args, path_or_flow_id, **options):
        findings = []
        if path_or_flow_id.isdigit() and not Path(path_or_flow_id).exists():
            definition = definition_from_flow(get_flow(path_or_flow_id))
        else:
            data = read_json(path_or_flow_id)
            if services.is_canonical(data):
                definition = data
            else:
                try:
                    definition, findings = services.imported_definition(data)
                except ValidationError as error:
                    raise CommandError("\n".join(error.messages), returncode=1) from error
        findings = findings + services.check_definition(definition)
        for finding in findings:
            self.stdout.write(finding_line(finding))
        errors = sum(1 for finding in findings if finding.is_error)
        if errors:
            raise CommandError(f"{errors} error(s) found.", returncode=1)
        self.stdout.write(f"No errors ({len(findings)} other finding(s)).")
