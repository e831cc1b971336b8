"""Uploading a .zip of several lists: refused at once, beside the field, naming the
files inside, and nothing is imported."""

import io
import zipfile

import pytest
from django.urls import reverse

from phonelists.models import PhoneList

from .conftest import upload_file

pytestmark = pytest.mark.django_db


def test_a_zip_of_two_lists_is_refused_naming_both(manager_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("north.csv", "+97231000000\n")
        archive.writestr("south.csv", "+14155552671\n")
    data = {
        "name": "Reminders",
        "default_country": "IL",
        "file": upload_file(buffer.getvalue(), "lists.zip"),
    }
    response = manager_client.post(reverse("phonelists:upload"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "north.csv, south.csv" in page and "one file" in page
    assert not PhoneList.objects.exists()
