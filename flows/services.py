"""Every write to flows: keyword-only, each in one transaction.

The editor's edits lock the flow, refuse a stale `revision` (someone else saved the
draft since the page loaded it; the page answers 409) and bump `draft_revision`:
most apply one pure change of `flows.editing` to the canonical definition and save
the draft in a constant number of queries (`apply_edit`, `flows.definition`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from providers.paycall.importer import PaycallImportError, import_paycall

from . import canonical
from .definition import (
    definition_from_flow,
    join_definition,
    read_flow,
    save_definition,
    split_definition,
)
from .diff import diff
from .editing import (
    check_variable,
    insert_step,
    ivr_of,
    place_step,
    remove_action,
    remove_route,
    remove_step,
    replace_layout,
    shift_action,
    shift_route,
    shift_step,
    step_at,
    steps_of,
    toggle_key,
    variable_at,
)
from .findings import ERROR, Finding
from .flowmap import automatic_layout, node_positions
from .models import LANGUAGES, Flow, FlowVersion, Recording, Variable
from .recordings import inspect_audio, recording_file_name, recording_usages
from .schemas import FLOW_DEFINITION, validate
from .validation import validate_definition

COPY_SUFFIX = " (copy)"
MAX_FLOW_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 200
SETTINGS_FIELDS = ("name", "description", "language", "have_dependency", "max_retries")
VARIABLE_FIELDS = ("name", "label", "default", "description")
# Import findings about the dialer request around the flow (where to report, whom
# to call), which do not apply when only the flow is imported.
REQUEST_ONLY_FINDINGS = frozenset({"paycall-return-address-missing"})


class DraftConflict(Exception):
    """The draft changed since the editor loaded it (stale draft_revision)."""

    def __init__(self, *, expected: int, current: int):
        self.expected = expected
        self.current = current
        super().__init__(
            f"The draft was changed by someone else (you edited revision {expected}, "
            f"it is now at revision {current}). Reload the flow and apply your change again."
        )


@dataclass(frozen=True)
class EditResult:
    flow: Flow
    definition: dict
    # What the edit made, when the page needs to know (e.g. the new step's index).
    value: object = None


class RecordingInUse(Exception):
    def __init__(self, recording: Recording, usages: list[str]):
        self.usages = usages
        super().__init__(
            f'The recording "{recording.name}" is used by {"; ".join(usages)}. '
            "Change those prompts and actions first."
        )


def schema_errors(definition: dict) -> list[str]:
    """The canonical schema's findings, each with where it is ("steps/0/prompt: ...")."""
    messages = []
    for error in validate(FLOW_DEFINITION, definition):
        where = "/".join(str(part) for part in error.path)
        messages.append(f"{where}: {error.message}" if where else error.message)
    return messages


def metadata_errors(metadata: dict) -> list[str]:
    errors = []
    languages = [code for code, _ in LANGUAGES]
    if "language" in metadata and metadata["language"] not in languages:
        errors.append(f"language: choose one of {', '.join(languages)}.")
    retries = metadata.get("max_retries")
    if retries is not None and (
        not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 10000
    ):
        errors.append("max_retries: a whole number from 0 to 10000, or null.")
    layout = metadata.get("layout") or {}
    if not isinstance(layout, dict) or not all(
        isinstance(p, dict)
        and all(
            isinstance(p.get(axis), int | float) and not isinstance(p.get(axis), bool)
            for axis in ("x", "y")
        )
        for p in layout.values()
    ):
        errors.append('layout: an object of step ids to {"x": number, "y": number}.')
    for name, label in (metadata.get("variable_labels") or {}).items():
        if not isinstance(label, str) or len(label) > MAX_LABEL_LENGTH:
            errors.append(
                f"variables: the label of {name} must be text of at most "
                f"{MAX_LABEL_LENGTH} characters."
            )
    return errors


def checked_definition(editable) -> dict:
    """The normalised editable definition, or ValidationError naming what is wrong."""
    if not isinstance(editable, dict):
        raise ValidationError("A flow definition is a JSON object.")
    strict, metadata = split_definition(editable)
    strict = canonical.normalize(strict)
    errors = schema_errors(strict) + metadata_errors(metadata)
    if errors:
        raise ValidationError(errors)
    return join_definition(strict, metadata)


def known_recordings() -> set[str]:
    return set(Recording.objects.values_list("name", flat=True))


def check_definition(editable: dict) -> list[Finding]:
    """Schema and lint findings of an editable definition, errors first."""
    strict, metadata = split_definition(editable)
    strict = canonical.normalize(strict)
    findings = validate_definition(strict, known_recordings())
    return [
        *(Finding(ERROR, "metadata-invalid", message) for message in metadata_errors(metadata)),
        *findings,
    ]


def describe_changes(old: dict, old_metadata: dict, new: dict, new_metadata: dict) -> list[dict]:
    """What changed from one definition to another, in plain words."""
    changes = []
    languages = dict(LANGUAGES)
    if old_metadata.get("language") != new_metadata.get("language"):
        before, after = old_metadata.get("language"), new_metadata.get("language")
        changes.append(
            f"The language changed from {languages.get(before, before)} "
            f"to {languages.get(after, after)}."
        )
    if old_metadata.get("max_retries") != new_metadata.get("max_retries"):
        before = old_metadata.get("max_retries", "the provider's default")
        after = new_metadata.get("max_retries", "the provider's default")
        changes.append(f"The default retries changed from {before} to {after}.")
    return [{"text": text, "step": None} for text in changes] + [
        {"text": change.text, "step": change.step} for change in diff(old, new)
    ]


def is_canonical(data) -> bool:
    return isinstance(data, dict) and "schema_version" in data


def imported_definition(data, *, name: str | None = None) -> tuple[dict, list[Finding]]:
    """(editable definition, import findings) from our canonical export, or from a
    Paycall dialer request, its ivr object, its steps array or a simple dialer.
    Not checked against the schema yet (see `definition_from_any`)."""
    findings: list[Finding] = []
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise ValidationError(f"This is not valid JSON: {error}") from error
    if is_canonical(data):
        definition = dict(data)
    else:
        try:
            imported = import_paycall(data, name=name or "")
        except PaycallImportError as error:
            raise ValidationError(str(error)) from error
        definition = dict(imported.definition)
        findings = [f for f in imported.findings if f.code not in REQUEST_ONLY_FINDINGS]
        # The dialer request's general retries become the flow's default retries.
        if imported.kind == "dialer" and imported.options.max_retries is not None:
            definition["max_retries"] = imported.options.max_retries
    if name:
        definition["name"] = name
    return definition, findings


def definition_from_any(data, *, name: str | None = None) -> tuple[dict, list[Finding]]:
    """`imported_definition`, normalised and checked against the schema."""
    definition, findings = imported_definition(data, name=name)
    return checked_definition(definition), findings


def paycall_export(editable: dict):
    """The flow as Paycall JSON: {"max_retries": n, "ivr": {...}} (retries if set)."""
    strict, metadata = split_definition(editable)
    exported = {}
    if metadata.get("max_retries") is not None:
        exported["max_retries"] = metadata["max_retries"]
    exported["ivr"] = canonical.ivr_object(strict)
    return exported


def with_current_metadata(flow: Flow, editable: dict) -> dict:
    """`editable`, with the flow's language, retries, layout and labels where it has
    none: an API client that only knows the canonical shape keeps them."""
    current = definition_from_flow(flow)
    merged = dict(editable)
    for key in ("language", "max_retries", "layout"):
        if key not in merged and key in current:
            merged[key] = current[key]
    labels = {v["name"]: v["label"] for v in current.get("variables", []) if "label" in v}
    if labels and isinstance(merged.get("variables"), list):
        merged["variables"] = [
            {**v, "label": labels[v["name"]]}
            if isinstance(v, dict) and "label" not in v and v.get("name") in labels
            else v
            for v in merged["variables"]
        ]
    return merged


@transaction.atomic
def create_flow(
    *,
    name: str,
    user=None,
    description: str = "",
    language: str = "he",
    have_dependency: str | None = Flow.Mode.GRAPH,
    max_retries: int | None = None,
) -> Flow:
    author = user if user is not None and user.is_authenticated else None
    return Flow.objects.create(
        name=name,
        description=description,
        language=language,
        have_dependency=have_dependency,
        max_retries=max_retries,
        created_by=author,
        updated_by=author,
    )


@transaction.atomic
def import_flow(
    *, data, user=None, name: str | None = None, language: str | None = None
) -> tuple[Flow, list[Finding]]:
    """A new flow from imported JSON, with what the import noticed on the way."""
    definition, findings = definition_from_any(data, name=name)
    if language:
        definition["language"] = language
    definition["name"] = (definition.get("name") or "Imported flow")[:MAX_FLOW_NAME_LENGTH]
    flow = Flow(name=definition["name"], draft_revision=0)
    return save_definition(flow=flow, definition=definition, user=user), findings


@transaction.atomic
def update_draft(*, flow: Flow, definition: dict, user=None, expected_revision: int | None) -> Flow:
    """Replace the draft, unless someone saved it since `expected_revision`."""
    if not isinstance(definition, dict):
        raise ValidationError("A flow definition is a JSON object.")
    locked = _locked(flow, expected_revision)
    editable = checked_definition(with_current_metadata(locked, definition))
    return save_definition(flow=locked, definition=editable, user=user)


def _touch(flow: Flow, user) -> None:
    """A draft change: one more revision, and who made it."""
    flow.draft_revision += 1
    if user is not None and user.is_authenticated:
        flow.updated_by = user
    flow.save()


def _locked(flow: Flow, expected_revision: int | None) -> Flow:
    """`flow`, row-locked and reloaded (so the caller's object sees the change too),
    unless its draft moved on since `expected_revision`."""
    flow.refresh_from_db(from_queryset=Flow.objects.select_for_update())
    if expected_revision is not None and expected_revision != flow.draft_revision:
        raise DraftConflict(expected=expected_revision, current=flow.draft_revision)
    return flow


@transaction.atomic
def apply_edit(
    *, flow: Flow, revision: int | None, user, change: Callable[[dict], object]
) -> EditResult:
    """Run `change` on the current draft and save it, unless the draft moved on."""
    locked = _locked(flow, revision)
    before = definition_from_flow(locked)
    definition = json.loads(json.dumps(before))  # a deep copy, several times faster
    value = change(definition)
    ivr_of(definition)["count_steps"] = len(steps_of(definition))
    # Every node's place is stored, so the automatic layout runs once per flow
    # (or on "tidy up"), not on every edit.
    definition["layout"] = node_positions(definition)
    save_definition(flow=locked, definition=definition, before=before, user=user)
    return EditResult(flow=locked, definition=definition, value=value)


def _service(change: Callable[..., object], what: str) -> Callable[..., EditResult]:
    """The atomic service `(*, flow, revision, user, **arguments)` that applies the pure
    `change(definition, **arguments)` to the draft with `apply_edit`."""

    def service(*, flow: Flow, revision: int | None, user, **arguments) -> EditResult:
        return apply_edit(
            flow=flow, revision=revision, user=user, change=lambda d: change(d, **arguments)
        )

    service.__doc__ = f"{what} (`{change.__name__}`), as an atomic edit of the draft."
    return service


add_step = _service(insert_step, "Add a step")
delete_step = _service(remove_step, "Delete a step")
move_step = _service(shift_step, "Move a step")
toggle_step_key = _service(toggle_key, "Accept or refuse a key")
delete_route = _service(remove_route, "Delete a route")
move_route = _service(shift_route, "Move a route")
move_action = _service(shift_action, "Move an action")
delete_action = _service(remove_action, "Delete an action")


def place_node(
    *, flow: Flow, revision: int | None, user, index: int, x: float, y: float
) -> EditResult:
    def change(definition):
        step_id = step_at(definition, index).get("step_id")
        place_step(definition, step_id=step_id, x=x, y=y, layout=node_positions(definition))

    return apply_edit(flow=flow, revision=revision, user=user, change=change)


def tidy_layout(*, flow: Flow, revision: int | None, user) -> EditResult:
    return apply_edit(
        flow=flow,
        revision=revision,
        user=user,
        change=lambda d: replace_layout(d, layout=automatic_layout(d)),
    )


@transaction.atomic
def update_settings(*, flow: Flow, revision: int | None, user, fields: dict) -> EditResult:
    """Change the draft's name, description, language, mode or default retries: the
    ones `fields` names (a PATCH names only some)."""
    locked = _locked(flow, revision)
    for field in SETTINGS_FIELDS:
        if field in fields:
            setattr(locked, field, fields[field])
    _touch(locked, user)
    return EditResult(flow=locked, definition=definition_from_flow(locked))


# Variables are written row by row rather than through `save_definition`, which
# rewrites the whole list: the API addresses a variable by its id, so ids must last.


@transaction.atomic
def save_variable(
    *, flow: Flow, revision: int | None, user, position: int | None, variable: dict
) -> EditResult:
    """Add a variable (`position` None) or change the fields `variable` names of the
    variable at `position` in the flow's list; the value is the Variable row."""
    locked = _locked(flow, revision)
    rows = _variable_rows(locked)
    if position is None:
        row = Variable(flow=locked, order=rows[-1].order + 1 if rows else 0)
    else:
        row = variable_at(rows, position)
    names = [other.name for other in rows]
    check_variable(names, position=position, name=variable.get("name", row.name))
    for field in VARIABLE_FIELDS:
        if field in variable:
            setattr(row, field, variable[field])
    row.save()
    _touch(locked, user)
    return EditResult(flow=locked, definition=definition_from_flow(locked), value=row)


@transaction.atomic
def delete_variable(*, flow: Flow, revision: int | None, user, position: int) -> EditResult:
    locked = _locked(flow, revision)
    rows = _variable_rows(locked)
    variable_at(rows, position).delete()
    _touch(locked, user)
    return EditResult(flow=locked, definition=definition_from_flow(locked))


def _variable_rows(flow: Flow) -> list[Variable]:
    """The flow's variables in the definition's order (positions index this list)."""
    return list(Variable.objects.filter(flow=flow).order_by("order", "pk"))


@transaction.atomic
def publish_flow(*, flow: Flow, user=None, note: str = "") -> FlowVersion:
    """Snapshot the draft as the next numbered version; refused while it has errors."""
    locked = _locked(flow, None)
    definition, metadata = read_flow(locked)
    errors = [f.message for f in check_definition(definition) if f.is_error]
    if errors:
        raise ValidationError(["The flow cannot be published until these are fixed:", *errors])
    last = locked.versions.aggregate(last=Max("number"))["last"] or 0
    return FlowVersion.objects.create(
        flow=locked,
        number=last + 1,
        definition=definition,
        metadata=metadata,
        note=note,
        created_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def revert_flow(
    *, flow: Flow, version: FlowVersion, user=None, expected_revision: int | None = None
) -> Flow:
    """Make the draft what `version` was (a new draft revision; versions stay)."""
    if version.flow_id != flow.pk:
        raise ValidationError(f"Version {version.number} belongs to another flow.")
    locked = _locked(flow, expected_revision)
    editable = join_definition(version.definition, version.metadata)
    return save_definition(flow=locked, definition=editable, user=user)


@transaction.atomic
def duplicate_flow(*, flow: Flow, user=None, name: str | None = None) -> Flow:
    """A new flow with the same draft (variables, steps, routes, actions, layout)."""
    definition = definition_from_flow(flow)
    keep = MAX_FLOW_NAME_LENGTH - len(COPY_SUFFIX)
    definition["name"] = name or f"{flow.name[:keep]}{COPY_SUFFIX}"
    copy = Flow(name=definition["name"], language=flow.language, draft_revision=0)
    return save_definition(flow=copy, definition=definition, user=user)


@transaction.atomic
def upload_recording(*, uploaded_file, user=None, name: str | None = None) -> Recording:
    data = uploaded_file.read()
    info = inspect_audio(data)
    file_name = recording_file_name(name or uploaded_file.name, info.format)
    if Recording.objects.filter(name=file_name).exists():
        raise ValidationError(f'A recording named "{file_name}" already exists.', code="unique")
    recording = Recording(
        name=file_name,
        format=info.format,
        size_bytes=info.size_bytes,
        duration_seconds=info.duration_seconds,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    uploaded_file.seek(0)
    recording.file.save(file_name, uploaded_file, save=False)
    recording.save()
    return recording


@transaction.atomic
def rename_recording(*, recording: Recording, name: str) -> Recording:
    """Rename a recording no flow uses (flows refer to recordings by name)."""
    new_name = recording_file_name(name, recording.format)
    if new_name == recording.name:
        return recording
    if Recording.objects.filter(name=new_name).exclude(pk=recording.pk).exists():
        raise ValidationError(f'A recording named "{new_name}" already exists.', code="unique")
    usages = recording_usages(recording.name)
    if usages:
        raise RecordingInUse(recording, usages)
    recording.name = new_name
    recording.save(update_fields=["name"])
    return recording


@transaction.atomic
def delete_recording(*, recording: Recording) -> None:
    usages = recording_usages(recording.name)
    if usages:
        raise RecordingInUse(recording, usages)
    storage, path = recording.file.storage, recording.file.name
    recording.delete()
    # The file goes only once the row is surely gone.
    transaction.on_commit(lambda: storage.delete(path))
