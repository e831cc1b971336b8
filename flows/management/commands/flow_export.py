from django.core.management.base import BaseCommand

from flows import services
from flows.definition import definition_from_flow

from ._flow_io import dumps, get_flow


class Command(BaseCommand):
    help = (
        "Print a flow's draft as JSON: canonical (the editable definition) or paycall "
        '({"max_retries": n, "ivr": {...}}).'
    )

    def add_arguments(self, parser):
        parser.add_argument("flow_id")
        parser.add_argument("--format", choices=("paycall", "canonical"), default="canonical")

    def handle(self, *args, flow_id, format, **options):
        definition = definition_from_flow(get_flow(flow_id))
        if format == "paycall":
            definition = services.paycall_export(definition)
        self.stdout.write(dumps(definition))
