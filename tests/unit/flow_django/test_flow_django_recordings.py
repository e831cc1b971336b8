"""Checking uploaded audio: by content, within the size and duration limits."""

import pytest
from django.core.exceptions import ValidationError

from flows import recordings
from flows.recordings import (
    MAX_RECORDING_BYTES,
    MAX_RECORDING_SECONDS,
    inspect_audio,
    recording_file_name,
    sniff_format,
)

from .support import mp3_bytes, wav_bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (wav_bytes(0.1), "wav"),
        (mp3_bytes(0.5), "mp3"),
        (mp3_bytes(0.5, id3=True), "mp3"),
        (b"%PDF-1.7 not audio", None),
        (b"RIFF\x00\x00\x00\x00AVI LIST", None),
        (b"", None),
    ],
)
def test_the_format_is_told_by_the_content(data, expected):
    assert sniff_format(data[:12]) == expected


@pytest.mark.parametrize(
    ("data", "audio_format", "seconds"),
    [
        (wav_bytes(2.0), "wav", 2.0),
        (mp3_bytes(3.0), "mp3", 3.0),
        (mp3_bytes(1, id3=True), "mp3", 1),
    ],
)
def test_wav_and_mp3_are_measured(data, audio_format, seconds):
    info = inspect_audio(data)
    assert info.format == audio_format
    assert info.duration_seconds == pytest.approx(seconds, abs=0.05)
    assert info.size_bytes == len(data)


def codes_of(data: bytes) -> str:
    with pytest.raises(ValidationError) as raised:
        inspect_audio(data)
    return raised.value.code


def test_a_file_that_is_not_audio_is_refused_whatever_its_name():
    assert codes_of(b"<html>not a recording</html>" * 10) == "not_audio"


def test_an_empty_file_is_refused():
    assert codes_of(b"") == "empty"


def test_a_broken_wav_is_refused():
    assert codes_of(b"RIFF\x24\x00\x00\x00WAVEjunk-that-is-no-fmt-chunk") == "unreadable"


def test_the_size_limit(monkeypatch):
    monkeypatch.setattr(recordings, "MAX_RECORDING_BYTES", 1000)
    assert codes_of(wav_bytes(0.1)) == "too_large"  # 1 644 bytes
    assert inspect_audio(wav_bytes(0.05)).format == "wav"  # 844 bytes


def test_the_default_limits_are_sensible():
    assert MAX_RECORDING_BYTES == 10 * 1024 * 1024
    assert MAX_RECORDING_SECONDS == 300
    assert codes_of(b"RIFF" + bytes(MAX_RECORDING_BYTES)) == "too_large"


def test_the_duration_limit():
    # 8 kHz mono 16-bit: 301 s is about 4.8 MB, under the size limit.
    assert codes_of(wav_bytes(MAX_RECORDING_SECONDS + 1)) == "too_long"
    assert inspect_audio(wav_bytes(MAX_RECORDING_SECONDS - 1)).format == "wav"


@pytest.mark.parametrize(
    ("given", "audio_format", "expected"),
    [
        ("hello.wav", "wav", "hello.wav"),
        ("hello", "mp3", "hello.mp3"),
        ("ברוכים הבאים.WAV", "wav", "ברוכים הבאים.WAV"),
        ("some/dir/greeting.mp3", "mp3", "greeting.mp3"),
    ],
)
def test_recording_names(given, audio_format, expected):
    assert recording_file_name(given, audio_format) == expected


@pytest.mark.parametrize(
    ("given", "audio_format", "code"),
    [
        ("hello.mp3", "wav", "wrong_extension"),
        ("bad|name.wav", "wav", "invalid_name"),
        ("", "wav", "invalid_name"),
        ("x" * 250, "wav", "name_too_long"),
    ],
)
def test_bad_recording_names(given, audio_format, code):
    with pytest.raises(ValidationError) as raised:
        recording_file_name(given, audio_format)
    assert raised.value.code == code
