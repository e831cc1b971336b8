import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

from dialer_site.fields import EncryptedJSONField, EncryptedTextField, credentials_fernet

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture(scope="module")
def secretive_model():
    """A throwaway model with encrypted fields, registered only while this module's
    tests run (a registered model would otherwise show in the migrations check)."""

    class Secretive(models.Model):
        secret = EncryptedTextField(null=True)
        credentials = EncryptedJSONField(default=dict)

        class Meta:
            app_label = "dialer_site"

        def __str__(self):
            return f"Secretive {self.pk}"

    yield Secretive
    del apps.all_models["dialer_site"]["secretive"]
    apps.clear_cache()


@pytest.fixture
def Secretive(secretive_model, transactional_db):  # named like the model it yields
    with connection.schema_editor() as editor:
        editor.create_model(secretive_model)
    yield secretive_model
    with connection.schema_editor() as editor:
        editor.delete_model(secretive_model)


def raw_row(model, pk):
    with connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute(f"SELECT secret, credentials FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def test_values_are_encrypted_at_rest_and_read_back(settings, Secretive):
    settings.CREDENTIALS_KEYS = [KEY_A]
    row = Secretive.objects.create(
        secret="hunter2", credentials={"username": "u", "password": "p@ss w"}
    )
    stored_secret, stored_credentials = raw_row(Secretive, row.pk)
    assert "hunter2" not in stored_secret and "p@ss" not in stored_credentials
    assert Fernet(KEY_A).decrypt(stored_secret.encode()) == b"hunter2"
    again = Secretive.objects.get(pk=row.pk)
    assert again.secret == "hunter2"
    assert again.credentials == {"username": "u", "password": "p@ss w"}


def test_null_stays_null(settings, Secretive):
    settings.CREDENTIALS_KEYS = [KEY_A]
    row = Secretive.objects.create(secret=None)
    assert raw_row(Secretive, row.pk)[0] is None
    assert Secretive.objects.get(pk=row.pk).secret is None


def test_rotation_re_encrypts_with_the_new_first_key(settings, Secretive):
    from django.core.management import call_command

    settings.CREDENTIALS_KEYS = [KEY_A]
    row = Secretive.objects.create(secret="rotate me", credentials={"k": "v"})
    settings.CREDENTIALS_KEYS = [KEY_B, KEY_A]
    assert Secretive.objects.get(pk=row.pk).secret == "rotate me"  # old key still reads
    call_command("rotate_credentials", verbosity=0)
    settings.CREDENTIALS_KEYS = [KEY_B]
    again = Secretive.objects.get(pk=row.pk)
    assert again.secret == "rotate me" and again.credentials == {"k": "v"}


def test_a_removed_key_gives_a_clear_error(settings, Secretive):
    settings.CREDENTIALS_KEYS = [KEY_A]
    row = Secretive.objects.create(secret="x")
    settings.CREDENTIALS_KEYS = [KEY_B]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any CREDENTIALS_KEY"):
        Secretive.objects.get(pk=row.pk)


def test_a_malformed_key_is_explained(settings):
    settings.CREDENTIALS_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="generate_credentials_key"):
        credentials_fernet()
