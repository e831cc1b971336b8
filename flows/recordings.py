"""The recording library: checking uploaded audio, and finding where a recording is used.

A flow refers to a recording by its file name (Paycall plays an uploaded file when
`prompt_is_file`, `dtmf_invalid_text_is_file` or a play action's `is_recording` is
"true"), so "in use" means: some draft step or action, or a published version,
names it with that flag set.
"""

import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from .canonical import route_actions, step_routes, steps
from .models import Action, FlowVersion, Recording, Step

MAX_RECORDING_BYTES = 10 * 1024 * 1024
MAX_RECORDING_SECONDS = 300
MAX_RECORDING_NAME_LENGTH = 200
# Letters (any script), digits, space, dot, dash, underscore: a file name that is
# safe in a URL path, a multipart upload and a JSON string alike.
RECORDING_NAME_PATTERN = re.compile(r"^[\w][\w .\-]*$")
EXTENSIONS = {Recording.Format.WAV: ".wav", Recording.Format.MP3: ".mp3"}


@dataclass(frozen=True)
class AudioInfo:
    format: str
    duration_seconds: float
    size_bytes: int


def sniff_format(head: bytes) -> str | None:
    """The audio format told by the first bytes (never by the file name)."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Recording.Format.WAV
    if head[:3] == b"ID3":
        return Recording.Format.MP3
    # An MPEG audio frame starts with 11 set bits (the frame sync).
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return Recording.Format.MP3
    return None


def inspect_audio(data: bytes) -> AudioInfo:
    """Check an upload is a WAV or MP3 within the size and duration limits."""
    size = len(data)
    if size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if size > MAX_RECORDING_BYTES:
        raise ValidationError(
            f"The file is {size / 1_048_576:.1f} MB; recordings may be at most "
            f"{MAX_RECORDING_BYTES // 1_048_576} MB.",
            code="too_large",
        )
    audio_format = sniff_format(data[:12])
    if audio_format is None:
        raise ValidationError(
            "This is not a WAV or MP3 file (its content has neither a RIFF/WAVE header "
            "nor an MP3 frame or ID3 tag).",
            code="not_audio",
        )
    reader = WAVE if audio_format == Recording.Format.WAV else MP3
    try:
        duration = float(reader(io.BytesIO(data)).info.length)
    except (MutagenError, ValueError, OverflowError) as error:
        raise ValidationError(
            f"The {audio_format.upper()} file cannot be read: {error}", code="unreadable"
        ) from error
    if duration <= 0:
        raise ValidationError("The recording has no audio.", code="no_audio")
    if duration > MAX_RECORDING_SECONDS:
        raise ValidationError(
            f"The recording lasts {duration:.0f} s; recordings may be at most "
            f"{MAX_RECORDING_SECONDS} s.",
            code="too_long",
        )
    return AudioInfo(format=audio_format, duration_seconds=round(duration, 3), size_bytes=size)


def recording_file_name(name: str, audio_format: str) -> str:
    """The name flows will use: checked, with the extension of the detected format."""
    name = PurePosixPath(name.strip()).name if name else ""
    if not name or not RECORDING_NAME_PATTERN.match(name):
        raise ValidationError(
            "Use a file name of letters, digits, spaces, dots, dashes and underscores.",
            code="invalid_name",
        )
    suffix = PurePosixPath(name).suffix.lower()
    expected = EXTENSIONS[audio_format]
    if suffix in EXTENSIONS.values() and suffix != expected:
        raise ValidationError(
            f"The file is {audio_format.upper()} but its name ends with {suffix}.",
            code="wrong_extension",
        )
    if suffix != expected:
        name += expected
    if len(name) > MAX_RECORDING_NAME_LENGTH:
        raise ValidationError(
            f"The name is longer than {MAX_RECORDING_NAME_LENGTH} characters.",
            code="name_too_long",
        )
    return name


def _names_file(value, name: str) -> bool:
    if isinstance(value, str):
        return value == name
    if isinstance(value, list):
        return name in value
    return False


def definition_uses(definition: dict, name: str) -> list[str]:
    """Where a canonical definition plays the recording `name` (plain words)."""
    places = []
    for step in steps(definition):
        step_id = step.get("step_id")
        if step.get("prompt_is_file") == "true" and _names_file(step.get("prompt"), name):
            places.append(f'step "{step_id}" prompt')
        if step.get("dtmf_invalid_text_is_file") == "true" and _names_file(
            step.get("dtmf_ivr_invalid_text"), name
        ):
            places.append(f'step "{step_id}" invalid-key prompt')
        for route in step_routes(step):
            for action in route_actions(route):
                params = action.get("params") or {}
                if (
                    action.get("action") == "play"
                    and params.get("is_recording") == "true"
                    and params.get("text") == name
                ):
                    places.append(f'step "{step_id}" play action')
    return places


def recording_usages(name: str) -> list[str]:
    """Every draft and published version that plays the recording `name`."""
    usages = []
    steps = Step.objects.filter(prompt_is_file="true") | Step.objects.filter(
        dtmf_invalid_text_is_file="true"
    )
    for step in steps.select_related("flow"):
        if step.prompt_is_file == "true" and _names_file(step.prompt, name):
            usages.append(f'flow "{step.flow.name}" (draft), step "{step.step_id}" prompt')
        if step.dtmf_invalid_text_is_file == "true" and _names_file(
            step.dtmf_ivr_invalid_text, name
        ):
            usages.append(
                f'flow "{step.flow.name}" (draft), step "{step.step_id}" invalid-key prompt'
            )
    plays = Action.objects.filter(type=Action.Type.PLAY, is_recording="true", text=name)
    for action in plays.select_related("route__step__flow"):
        step = action.route.step
        usages.append(f'flow "{step.flow.name}" (draft), step "{step.step_id}" play action')
    for version in FlowVersion.objects.select_related("flow").iterator():
        for place in definition_uses(version.definition, name):
            usages.append(f'flow "{version.flow.name}" version {version.number}, {place}')
    return usages
