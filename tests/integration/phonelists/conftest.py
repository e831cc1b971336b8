"""Phone list tests: uploads go to a temporary MEDIA_ROOT; tasks run immediately
unless a test asks for the database queue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    return settings


def upload_file(content: bytes | str, name: str = "list.csv") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")
