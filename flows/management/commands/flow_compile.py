import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from flows.definition import read_flow
from flows.management.commands._flow_io import get_flow
from providers.building import CompileError
from providers.preview import PROVIDERS, compile_preview


def json_object(text: str | None, what: str) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CommandError(f"--{what} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise CommandError(f"--{what} must be a JSON object.")
    return value


class Command(BaseCommand):
    help = (
        "Print what a provider would receive for a flow's draft and one contact: JSON "
        "for Paycall and Phonon (the security id masked), XML for iovox."
    )

    def add_arguments(self, parser):
        parser.add_argument("flow_id")
        parser.add_argument("--provider", choices=PROVIDERS, required=True)
        parser.add_argument(
            "--contact",
            help='The contact as JSON, e.g. \'{"number": "972501234567", '
            '"variables": {"first_name": "Dana"}}\'.',
        )
        parser.add_argument("--options", help="Provider options as JSON (see the API docs).")

    def handle(self, *args, flow_id, provider, contact=None, options=None, **kwargs):
        definition, metadata = read_flow(get_flow(flow_id))
        try:
            result = compile_preview(
                definition,
                provider=provider,
                contact=json_object(contact, "contact"),
                options=json_object(options, "options") or {},
                metadata=metadata,
            )
        except (ValidationError, CompileError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("\n".join(messages)) from error
        for finding in result["findings"]:
            self.stderr.write(f"{finding['severity']}: {finding['message']}")
        # The builder's text, byte for byte what a campaign sends (secrets masked).
        self.stdout.write(result["body"])
