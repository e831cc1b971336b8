"""Helpers shared by the flow_django unit and integration tests."""

import io
import json
import wave
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from flows.definition import save_definition
from flows.models import Flow

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "paycall"
PAYCALL_FIXTURES = ("dialer_test.json", "key_ranges_steps.json", "simple_test.json")

# An MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz, no padding -> 417-byte frames
# of 1152 samples each.
MP3_FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x00])
MP3_FRAME_BYTES = 417
MP3_FRAME_SECONDS = 1152 / 44100


def fixture_json(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def mp3_bytes(seconds: float = 1.0, *, id3: bool = False) -> bytes:
    frames = max(1, round(seconds / MP3_FRAME_SECONDS))
    body = (MP3_FRAME_HEADER + bytes(MP3_FRAME_BYTES - 4)) * frames
    if id3:
        # An empty ID3v2.3 tag (10-byte header, size 0) before the first frame.
        body = b"ID3\x03\x00\x00\x00\x00\x00\x00" + body
    return body


def upload(name: str, data: bytes, content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def two_step_definition(**overrides) -> dict:
    """A small valid editable definition: a menu that jumps to a goodbye step."""
    definition = {
        "schema_version": 1,
        "name": "Reminder",
        "count_steps": 2,
        "have_dependency": "true",
        "steps": [
            {
                "step_id": "menu",
                "gender": "female",
                "prompt": {"text": "Hello $first_name$, press 1", "fields": 1},
                "dtmf_ivr": ["1", "2"],
                "actions": [
                    {"key": "1", "actions": [{"action": "goto", "params": {"step_id": "bye"}}]},
                    {"key": "2", "actions": [{"action": "hangup"}]},
                ],
            },
            {
                "step_id": "bye",
                "prompt": "Goodbye",
                "dtmf_ivr": "0",
                "actions": [{"key": "0", "actions": [{"action": "hangup"}]}],
            },
        ],
        "variables": [{"name": "first_name", "label": "First name", "default": "there"}],
        "language": "en",
    }
    definition.update(overrides)
    return definition


def wide_flow(steps: int) -> dict:
    ids = [f"s{i}" for i in range(steps)]
    return {
        "schema_version": 1,
        "name": f"{steps} steps",
        "count_steps": steps,
        "have_dependency": "true",
        "steps": [
            {
                "step_id": step_id,
                "prompt": ["Part one", "part two"],
                "dtmf_ivr": ["1", "2", "10"],
                "actions": [
                    {
                        "key": "1",
                        "actions": [
                            {"action": "play", "params": {"text": "Next"}},
                            {"action": "goto", "params": {"step_id": ids[(i + 1) % steps]}},
                        ],
                    },
                    {"key": {"min": "2", "max": "10"}, "actions": [{"action": "hangup"}]},
                ],
            }
            for i, step_id in enumerate(ids)
        ],
        "variables": [{"name": f"v{i}"} for i in range(3)],
        "language": "he",
        "layout": {step_id: {"x": 1.0, "y": float(i)} for i, step_id in enumerate(ids)},
    }


def saved(definition: dict) -> Flow:
    """A new flow whose draft is `definition`."""
    return save_definition(flow=Flow(name="x", draft_revision=0), definition=definition)
