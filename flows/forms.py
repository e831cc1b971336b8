"""Forms of the flow editor: each turns what a person typed into a piece of the
canonical definition (a step's fields, a route key, an action), and back.

Optional Paycall fields left empty become absent (the provider's default applies),
and a flag that was written explicitly ("false") stays written, so editing a step
never changes the parts the person did not touch.
"""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator

from . import canonical
from .editing import STEP_ID_RE
from .models import LANGUAGES, Flow

KEY_RE = re.compile(r"^[0-9*#]{1,10}$")
DIGITS_RE = re.compile(r"^[0-9]{1,10}$")
PHONE_RE = re.compile(r"^\+?[0-9*#]{2,20}$")
DTMF_KEYS_RE = re.compile(r"^[0-9*#Ww]{1,100}$")
VALUE_LINE_RE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*[=:]\s*(.*)$")
MAX_TIMEOUT_SECONDS = 60
MAX_STEP_RETRIES = 100
MAX_WAIT_SECONDS = 600
MAX_PROMPT_LENGTH = 4000

PROMPT_MODES = [
    ("text", "Text"),
    ("texts", "Several texts"),
    ("template", "Text with values"),
    ("recording", "Recording"),
]
GENDER_CHOICES = [("", "Default (female)"), ("female", "Female"), ("male", "Male")]
NEW_STEP = "__new__"


def text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"dir": "auto", "autocomplete": "off", **attrs})


def text_area(rows: int = 2, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"dir": "auto", "rows": rows, **attrs})


# ---------------------------------------------------------------------------------
# flows list


class FlowCreateForm(forms.Form):
    name = forms.CharField(max_length=200, widget=text_input(placeholder="e.g. Opening hours"))
    language = forms.ChoiceField(choices=LANGUAGES, initial="he")
    have_dependency = forms.ChoiceField(
        label="Mode", choices=Flow.Mode.choices, initial=Flow.Mode.GRAPH
    )


class FlowImportForm(forms.Form):
    MAX_BYTES = 2 * 1024 * 1024
    file = forms.FileField(
        label="Flow file",
        help_text="A Paycall dialer JSON (or its ivr / steps) or a Dialer Studio export.",
    )
    name = forms.CharField(
        max_length=200, required=False, widget=text_input(), help_text="Empty = from the file."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {self.MAX_BYTES // 1024 // 1024} MB."
            )
        return upload


class PaycallExportForm(forms.Form):
    number = forms.CharField(max_length=20, initial="05460000000", validators=[])
    cli = forms.CharField(max_length=20, required=False, initial="030000000")
    unique_id = forms.CharField(max_length=100, required=False)
    return_address = forms.URLField(initial="http://127.0.0.1/", assume_scheme="https")
    schedule = forms.IntegerField(required=False, min_value=0, initial=0)
    max_retries = forms.IntegerField(required=False, min_value=0, max_value=10000, initial=3)
    ring_timeout = forms.IntegerField(required=False, min_value=1, max_value=600, initial=15)
    retry_wait_time = forms.IntegerField(required=False, min_value=0, initial=10)


# ---------------------------------------------------------------------------------
# a step


def _prompt_initial(prefix: str, value, is_file) -> dict:
    if str(is_file).lower() == "true":
        name = value[0] if isinstance(value, list) and value else value
        return {f"{prefix}_mode": "recording", f"{prefix}_recording": name or ""}
    if isinstance(value, list):
        return {f"{prefix}_mode": "texts", f"{prefix}_texts": "\n".join(map(str, value))}
    if isinstance(value, dict):
        lines = [f"{k} = {v}" for k, v in canonical.prompt_placeholder_values(value).items()]
        return {
            f"{prefix}_mode": "template",
            f"{prefix}_text": str(value.get("text", "")),
            f"{prefix}_values": "\n".join(lines),
        }
    return {f"{prefix}_mode": "text", f"{prefix}_text": value or ""}


class StepForm(forms.Form):
    step_id = forms.CharField(
        label="Step name",
        max_length=canonical.MAX_STEP_ID_LENGTH,
        validators=[
            RegexValidator(STEP_ID_RE, "Use letters, digits, dashes and underscores only.")
        ],
        widget=text_input(),
    )
    gender = forms.ChoiceField(label="Voice", choices=GENDER_CHOICES, required=False)
    prompt_mode = forms.ChoiceField(
        label="The caller hears", choices=PROMPT_MODES, widget=forms.RadioSelect
    )
    prompt_text = forms.CharField(
        label="Prompt",
        required=False,
        max_length=MAX_PROMPT_LENGTH,
        widget=text_area(3),
        help_text="Write $name$ where a variable's value should be spoken.",
    )
    prompt_texts = forms.CharField(
        label="Texts, one per line",
        required=False,
        max_length=MAX_PROMPT_LENGTH,
        widget=text_area(3),
    )
    prompt_values = forms.CharField(
        label="Values for the $…$ placeholders, one per line (e.g. 0 = Mr. Flintstone)",
        required=False,
        widget=text_area(2),
    )
    prompt_recording = forms.ChoiceField(label="Recording to play", required=False)
    dtmf_ivr_timeout = forms.IntegerField(
        label="Seconds to wait for a key",
        required=False,
        min_value=1,
        max_value=MAX_TIMEOUT_SECONDS,
        help_text="Empty = 3 seconds.",
    )
    invalid_mode = forms.ChoiceField(
        label="On a wrong key the caller hears",
        choices=PROMPT_MODES,
        widget=forms.RadioSelect,
        required=False,
    )
    invalid_text = forms.CharField(
        label="Wrong-key prompt", required=False, max_length=MAX_PROMPT_LENGTH, widget=text_area(2)
    )
    invalid_texts = forms.CharField(
        label="Wrong-key texts, one per line", required=False, widget=text_area(2)
    )
    invalid_values = forms.CharField(
        label="Values for its placeholders", required=False, widget=text_area(2)
    )
    invalid_recording = forms.ChoiceField(label="Wrong-key recording", required=False)
    dtmf_ivr_retries = forms.IntegerField(
        label="Tries before giving up",
        required=False,
        min_value=0,
        max_value=MAX_STEP_RETRIES,
        help_text="Empty = the flow's default.",
    )

    def __init__(self, *args, step: dict, recordings: list[tuple[str, str]], **kwargs):
        self.step = step
        if not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_from(step)
        super().__init__(*args, **kwargs)
        self.fields["prompt_recording"].choices = recordings
        self.fields["invalid_recording"].choices = recordings

    @staticmethod
    def initial_from(step: dict) -> dict:
        initial = {
            "step_id": step.get("step_id", ""),
            "gender": step.get("gender") or "",
            "dtmf_ivr_timeout": step.get("dtmf_ivr_timeout"),
            "dtmf_ivr_retries": step.get("dtmf_ivr_retries"),
        }
        initial.update(_prompt_initial("prompt", step.get("prompt"), step.get("prompt_is_file")))
        if "dtmf_ivr_invalid_text" in step:
            initial.update(
                _prompt_initial(
                    "invalid",
                    step.get("dtmf_ivr_invalid_text"),
                    step.get("dtmf_invalid_text_is_file"),
                )
            )
        else:
            initial["invalid_mode"] = "text"
        return initial

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        prompt, prompt_file = self._prompt("prompt", data, self.step.get("prompt_is_file"))
        invalid, invalid_file = self._prompt(
            "invalid", data, self.step.get("dtmf_invalid_text_is_file")
        )
        self.step_fields = {
            "step_id": data["step_id"],
            "gender": data.get("gender") or None,
            "prompt_is_file": prompt_file,
            "prompt": prompt if prompt is not None else "",
            "dtmf_ivr_timeout": data.get("dtmf_ivr_timeout"),
            "dtmf_invalid_text_is_file": invalid_file if invalid is not None else None,
            "dtmf_ivr_invalid_text": invalid,
            "dtmf_ivr_retries": data.get("dtmf_ivr_retries"),
        }
        return data

    def _prompt(self, prefix: str, data: dict, was_file) -> tuple[object, str | None]:
        """(prompt value or None when empty, the *_is_file flag or None)."""
        mode = data.get(f"{prefix}_mode") or "text"
        # An explicit "false" stays; an absent flag stays absent.
        text_flag = "false" if was_file is not None else None
        if mode == "recording":
            name = data.get(f"{prefix}_recording")
            if not name:
                self.add_error(f"{prefix}_recording", "Choose a recording, or switch to text.")
                return None, None
            return name, "true"
        if mode == "texts":
            texts = [line.strip() for line in data.get(f"{prefix}_texts", "").splitlines()]
            texts = [line for line in texts if line]
            return (texts or None), text_flag
        text = (data.get(f"{prefix}_text") or "").strip()
        if mode == "template":
            values = {}
            for number, line in enumerate(data.get(f"{prefix}_values", "").splitlines(), 1):
                if not line.strip():
                    continue
                match = VALUE_LINE_RE.match(line)
                if not match:
                    self.add_error(
                        f"{prefix}_values",
                        f'Line {number} should look like "name = value" (e.g. 0 = Dana).',
                    )
                    return None, None
                values[match.group(1)] = match.group(2).strip()
            if not text:
                return None, text_flag
            return (
                {"text": text, "fields": len(canonical.placeholders_in(text)), **values},
                text_flag,
            )
        return (text or None), text_flag


class KeyForm(forms.Form):
    key = forms.CharField(
        label="Key",
        max_length=10,
        validators=[RegexValidator(KEY_RE, "Keys are digits, * and # (up to 10), e.g. 11.")],
        widget=text_input(inputmode="numeric", size=6),
    )


class RouteForm(forms.Form):
    KINDS = [("key", "A key"), ("range", "A range of numbers")]
    kind = forms.ChoiceField(
        label="When the caller presses", choices=KINDS, initial="key", widget=forms.RadioSelect
    )
    key = forms.CharField(
        label="Key",
        required=False,
        max_length=10,
        widget=text_input(inputmode="numeric", size=6, placeholder="e.g. 1"),
    )
    key_min = forms.CharField(label="From", required=False, max_length=10, widget=text_input())
    key_max = forms.CharField(label="To", required=False, max_length=10, widget=text_input())

    def __init__(self, *args, taken: list | None = None, **kwargs):
        self.taken = taken or []
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "range":
            low, high = data.get("key_min", ""), data.get("key_max", "")
            for name, value in (("key_min", low), ("key_max", high)):
                if not DIGITS_RE.match(value or ""):
                    self.add_error(name, "Write a number, e.g. 10.")
            if not self.errors and int(low) > int(high):
                self.add_error("key_max", f"The range must end at {low} or above.")
            if not self.errors:
                self.route_key = {"min": low, "max": high}
        else:
            key = data.get("key", "")
            if not KEY_RE.match(key or ""):
                self.add_error("key", "Write the key: digits, * or # (e.g. 1 or 11).")
            elif key in self.taken:
                self.add_error("key", f"Key {key} already has a route in this step.")
            else:
                self.route_key = key
        return data


ACTION_TYPE_CHOICES = [
    ("goto", "Go to a step"),
    ("play", "Say something"),
    ("wait", "Wait"),
    ("call", "Call a number and connect"),
    ("mark", "Mark the contact"),
    ("hangup", "Hang up"),
]


class ActionForm(forms.Form):
    type = forms.ChoiceField(label="Action", choices=ACTION_TYPE_CHOICES)
    goto_step = forms.ChoiceField(label="Go to", required=False)
    new_step = forms.CharField(
        label="New step's name",
        required=False,
        max_length=canonical.MAX_STEP_ID_LENGTH,
        widget=text_input(placeholder="e.g. bar"),
    )
    text = forms.CharField(
        label="Say", required=False, max_length=MAX_PROMPT_LENGTH, widget=text_area(2)
    )
    play_recording = forms.ChoiceField(label="or play a recording", required=False)
    gender = forms.ChoiceField(label="Voice", choices=GENDER_CHOICES, required=False)
    sleep = forms.FloatField(
        label="Seconds", required=False, min_value=0.1, max_value=MAX_WAIT_SECONDS
    )
    number = forms.CharField(
        label="Number to call", required=False, max_length=20, widget=text_input(type="tel")
    )
    cli = forms.CharField(
        label="Caller ID shown", required=False, max_length=20, widget=text_input(type="tel")
    )
    dtmf_keys = forms.CharField(
        label="Keys to send after the answer",
        required=False,
        max_length=100,
        widget=text_input(),
        help_text="W = wait 1 s, w = wait ½ s, e.g. WW12.",
    )
    mark_type = forms.ChoiceField(
        label="Mark",
        choices=[("remove", "Remove from the list"), ("custom", "Custom value")],
        required=False,
    )
    mark_value = forms.CharField(label="Value", required=False, max_length=200)

    def __init__(
        self,
        *args,
        step_ids: list[str],
        recordings: list[tuple[str, str]],
        action: dict | None = None,
        **kwargs,
    ):
        self.original = action or {}
        if action is not None and not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_from(action)
        super().__init__(*args, **kwargs)
        target = (self.original.get("params") or {}).get("step_id")
        choices = [("", "Choose a step…")] + [(s, s) for s in step_ids]
        if target and target not in step_ids:
            choices.append((target, f"{target} (deleted step)"))
        choices.append((NEW_STEP, "New step…"))
        self.fields["goto_step"].choices = choices
        self.fields["play_recording"].choices = recordings
        self.step_ids = step_ids

    @staticmethod
    def initial_from(action: dict) -> dict:
        params = action.get("params") or {}
        kind = action.get("action")
        initial = {"type": kind}
        if kind == "goto":
            initial["goto_step"] = params.get("step_id", "")
        elif kind == "play":
            if str(params.get("is_recording", "")).lower() == "true":
                initial["play_recording"] = params.get("text", "")
            else:
                initial["text"] = params.get("text", "")
            initial["gender"] = params.get("gender") or ""
        elif kind == "wait":
            initial["sleep"] = params.get("sleep")
        elif kind == "call":
            initial.update({k: params.get(k, "") for k in ("number", "cli", "dtmf_keys")})
        elif kind == "mark":
            initial["mark_type"] = params.get("type", "remove")
            initial["mark_value"] = params.get("value", "")
        return initial

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        kind = data["type"]
        self.new_step = None
        builder = getattr(self, f"_build_{kind}")
        params = builder(data)
        if self.errors:
            return data
        self.action = {"action": kind} if params is None else {"action": kind, "params": params}
        return data

    def _build_hangup(self, data):
        return None

    def _build_goto(self, data):
        target = data.get("goto_step")
        if target == NEW_STEP:
            name = (data.get("new_step") or "").strip()
            if not STEP_ID_RE.match(name):
                self.add_error("new_step", "Name the new step: letters, digits, - and _.")
                return None
            if name in self.step_ids:
                self.add_error("new_step", f'A step called "{name}" already exists.')
                return None
            self.new_step = name
            return {"step_id": name}
        if not target:
            self.add_error("goto_step", "Choose the step to go to.")
            return None
        return {"step_id": target}

    def _build_play(self, data):
        original = self.original.get("params") or {}
        params = {}
        if data.get("play_recording"):
            params["text"] = data["play_recording"]
        elif (data.get("text") or "").strip():
            params["text"] = data["text"].strip()
        else:
            self.add_error("text", "Write what to say, or choose a recording.")
            return None
        if data.get("gender"):
            params["gender"] = data["gender"]
        if data.get("play_recording"):
            params["is_recording"] = "true"
        elif "is_recording" in original:
            params["is_recording"] = "false"
        return params

    def _build_wait(self, data):
        seconds = data.get("sleep")
        if seconds is None:
            self.add_error("sleep", "How many seconds? e.g. 0.5 or 3.")
            return None
        return {"sleep": int(seconds) if float(seconds).is_integer() else seconds}

    def _build_call(self, data):
        number = (data.get("number") or "").replace(" ", "").replace("-", "")
        if not PHONE_RE.match(number):
            self.add_error("number", "Write the number in digits, e.g. 053000000 or +97253000000.")
            return None
        params = {"number": number}
        cli = (data.get("cli") or "").replace(" ", "").replace("-", "")
        if cli:
            if not PHONE_RE.match(cli):
                self.add_error("cli", "The caller ID is a phone number in digits.")
                return None
            params["cli"] = cli
        keys = (data.get("dtmf_keys") or "").strip()
        if keys:
            if not DTMF_KEYS_RE.match(keys):
                self.add_error("dtmf_keys", "Only digits, *, #, W and w.")
                return None
            params["dtmf_keys"] = keys
        return params

    def _build_mark(self, data):
        kind = data.get("mark_type") or "remove"
        if kind == "custom":
            value = (data.get("mark_value") or "").strip()
            if not value:
                self.add_error("mark_value", "Write the value to mark the contact with.")
                return None
            return {"type": "custom", "value": value}
        return {"type": "remove"}


# ---------------------------------------------------------------------------------
# variables, settings, versions


class VariableForm(forms.Form):
    name = forms.CharField(
        max_length=64,
        validators=[
            RegexValidator(
                canonical.VARIABLE_NAME_RE,
                "Start with a letter; then letters, digits and _ (e.g. first_name).",
            )
        ],
        widget=text_input(placeholder="first_name"),
    )
    label = forms.CharField(max_length=200, required=False, widget=text_input())
    default = forms.CharField(
        max_length=500,
        required=False,
        widget=text_input(),
        help_text="Used when a contact has no value.",
    )

    def variable(self, original: dict | None = None) -> dict:
        original = original or {}
        return {
            "name": self.cleaned_data["name"],
            "label": self.cleaned_data.get("label") or "",
            "default": self.cleaned_data.get("default") or "",
            "description": original.get("description") or "",
        }


class SettingsForm(forms.Form):
    name = forms.CharField(max_length=200, widget=text_input())
    description = forms.CharField(required=False, max_length=4000, widget=text_area(2))
    language = forms.ChoiceField(choices=LANGUAGES, help_text="The language the prompts speak.")
    have_dependency = forms.ChoiceField(label="Mode", choices=Flow.Mode.choices)
    max_retries = forms.IntegerField(
        label="Default tries on a wrong key or no key",
        required=False,
        min_value=0,
        max_value=canonical.MAX_RETRIES_LIMIT,
        help_text="Empty = the provider's default (3).",
    )


class PublishForm(forms.Form):
    note = forms.CharField(
        label="What changed (for the version list)",
        max_length=500,
        required=False,
        widget=text_input(),
    )


class RecordingUploadForm(forms.Form):
    file = forms.FileField(label="Audio file (WAV or MP3)")
    name = forms.CharField(
        label="Name",
        max_length=200,
        required=False,
        widget=text_input(),
        help_text="Empty = the file's name.",
    )


class RecordingRenameForm(forms.Form):
    name = forms.CharField(label="New name", max_length=200, widget=text_input())
