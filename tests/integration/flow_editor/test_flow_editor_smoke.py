from django.urls import reverse


def test_editor_renders(designer_client, foo_bar):
    response = designer_client.get(reverse("flows:editor", args=[foo_bar.pk]))
    assert response.status_code == 200, response.content[:2000]
    assert b'data-step-id="foo"' in response.content
