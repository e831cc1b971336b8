"""Shared helpers of the flow_* management commands."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from flows.models import Flow


def read_json(path: str):
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
    try:
        return json.loads(text)
    except ValueError as error:
        raise CommandError(f"{path} is not valid JSON: {error}") from error


def get_flow(flow_id) -> Flow:
    try:
        return Flow.objects.get(pk=int(flow_id))
    except (Flow.DoesNotExist, ValueError) as error:
        raise CommandError(f"There is no flow with id {flow_id}.") from error


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def finding_line(finding) -> str:
    where = f'step "{finding.step}": ' if finding.step else ""
    return f"{finding.severity:<7} {finding.code:<28} {where}{finding.message}"
