"""Demo data and the Django admin pages of the flows app."""

import html

import pytest

from flows import demo
from flows.models import Flow, FlowVersion, Step

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_publishes_version_1():
    assert demo.load() == "flows: 4 demo flow(s) created, 0 already there"
    assert demo.load() == "flows: 0 demo flow(s) created, 4 already there"
    assert Flow.objects.count() == 4
    assert set(FlowVersion.objects.values_list("number", flat=True)) == {1}
    assert not Step.objects.filter(x__isnull=True).exists()
    ages = Flow.objects.get(name="Demo: age by key ranges")
    assert ages.steps.get().routes.filter(key__isnull=True).count() == 4


def test_demo_is_registered_with_the_site_demo():
    from dialer_site.demo import DEMO_LOADERS

    assert "flows.demo.load" in DEMO_LOADERS


def test_admin_pages(admin_client_role):
    demo.load()
    flow = Flow.objects.get(name="Demo: foo/bar IVR")
    version = flow.versions.get()
    for path in (
        "/admin/flows/flow/",
        f"/admin/flows/flow/{flow.pk}/change/",
        "/admin/flows/flowversion/",
        f"/admin/flows/flowversion/{version.pk}/change/",
        "/admin/flows/recording/",
    ):
        assert admin_client_role.get(path).status_code == 200, path
    # Versions are read-only: no add page.
    assert admin_client_role.get("/admin/flows/flowversion/add/").status_code == 403


def test_admin_shows_where_a_recording_is_used_and_refuses_to_delete_it(admin_client_role, flow):
    from flows import services
    from flows.models import Recording
    from tests.unit.flow_django.support import two_step_definition, upload, wav_bytes

    used = services.upload_recording(uploaded_file=upload("hello.wav", wav_bytes(0.2)))
    unused = services.upload_recording(uploaded_file=upload("spare.wav", wav_bytes(0.2)))
    definition = two_step_definition()
    definition["steps"][1].update(prompt_is_file="true", prompt="hello.wav")
    services.update_draft(flow=flow, definition=definition, expected_revision=None)

    page = admin_client_role.get(f"/admin/flows/recording/{used.pk}/change/")
    assert 'step "bye" prompt' in html.unescape(page.content.decode())
    assert admin_client_role.get(f"/admin/flows/recording/{used.pk}/delete/").status_code == 403

    def bulk_delete(*recordings):
        selected = [recording.pk for recording in recordings]
        return admin_client_role.post(
            "/admin/flows/recording/",
            {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
        )

    assert bulk_delete(used, unused).status_code == 403
    assert bulk_delete(unused).status_code == 302
    assert list(Recording.objects.values_list("name", flat=True)) == ["hello.wav"]
