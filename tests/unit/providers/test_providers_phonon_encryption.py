"""The Phonon envelope: every scheme round-trips; the default has the sample's shape."""

import base64
import json
from pathlib import Path

import pytest

from providers.base import encode_json
from providers.phonon.encryption import (
    DEFAULT_SCHEME,
    SCHEMES,
    EnvelopeError,
    decrypt_envelope,
    encrypt_envelope,
    open_envelope,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "phonon"
# The document's sample envelope (phonon-encrypted-outbound-api.txt, "Sample Payload").
SAMPLE_CIPHERTEXT_BYTES = 448
SAMPLE_KEY_BLOB_BYTES = 512


@pytest.fixture
def create_request():
    return json.loads((FIXTURES / "create_request.json").read_text())


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_scheme_round_trips(scheme, rsa_2048, create_request):
    private_pem, public_pem = rsa_2048
    envelope = encrypt_envelope(create_request, public_key_pem=public_pem, scheme=scheme)
    assert set(envelope) == {"requestEncryptedValue", "requestDigitalSignatureValue", "flow-id"}
    assert envelope["flow-id"] == "ZH0RKJvh"
    assert "Ankit" not in envelope["requestEncryptedValue"]
    assert decrypt_envelope(envelope, private_key_pem=private_pem, scheme=scheme) == create_request
    # Inside is the very text the plain API would be sent: the one JSON serialisation.
    plaintext = open_envelope(envelope, private_key_pem=private_pem, scheme=scheme)
    assert plaintext == encode_json(create_request).encode("utf-8")


def test_default_scheme_has_the_shape_of_the_documents_sample(rsa_4096, create_request):
    private_pem, public_pem = rsa_4096
    envelope = encrypt_envelope(create_request, public_key_pem=public_pem)
    ciphertext = base64.b64decode(envelope["requestEncryptedValue"])
    key_blob = base64.b64decode(envelope["requestDigitalSignatureValue"])
    assert DEFAULT_SCHEME == "aes-ecb+rsa-pkcs1v15"
    assert len(ciphertext) % 16 == 0
    assert len(key_blob) == SAMPLE_KEY_BLOB_BYTES
    assert SAMPLE_CIPHERTEXT_BYTES % 16 == 0
    assert decrypt_envelope(envelope, private_key_pem=private_pem) == create_request


def test_unicode_values_survive(rsa_2048, create_request):
    private_pem, public_pem = rsa_2048
    create_request["calls"][0]["keys"][0]["value"] = "משה כהן"
    envelope = encrypt_envelope(create_request, public_key_pem=public_pem)
    assert decrypt_envelope(envelope, private_key_pem=private_pem) == create_request
    assert "משה כהן".encode() in open_envelope(envelope, private_key_pem=private_pem)


@pytest.mark.parametrize("other", ["aes-cbc+rsa-oaep", "aes-gcm+rsa-oaep"])
def test_opening_with_the_wrong_scheme_fails_cleanly(rsa_2048, create_request, other):
    private_pem, public_pem = rsa_2048
    envelope = encrypt_envelope(create_request, public_key_pem=public_pem)
    with pytest.raises(EnvelopeError):
        decrypt_envelope(envelope, private_key_pem=private_pem, scheme=other)


def test_opening_with_another_key_fails_cleanly(rsa_2048, rsa_4096, create_request):
    envelope = encrypt_envelope(
        create_request, public_key_pem=rsa_2048[1], scheme="aes-gcm+rsa-oaep"
    )
    with pytest.raises(EnvelopeError, match="cannot be decrypted"):
        decrypt_envelope(envelope, private_key_pem=rsa_4096[0], scheme="aes-gcm+rsa-oaep")


def test_tampered_gcm_ciphertext_is_refused(rsa_2048, create_request):
    private_pem, public_pem = rsa_2048
    envelope = encrypt_envelope(
        create_request, public_key_pem=public_pem, scheme="aes-gcm+rsa-oaep"
    )
    data = bytearray(base64.b64decode(envelope["requestEncryptedValue"]))
    data[-1] ^= 1
    envelope["requestEncryptedValue"] = base64.b64encode(bytes(data)).decode()
    with pytest.raises(EnvelopeError):
        decrypt_envelope(envelope, private_key_pem=private_pem, scheme="aes-gcm+rsa-oaep")


@pytest.mark.parametrize(
    "envelope",
    [{}, {"requestEncryptedValue": "not base64!", "requestDigitalSignatureValue": "AA=="}],
)
def test_malformed_envelopes_are_refused(rsa_2048, envelope):
    with pytest.raises(EnvelopeError):
        decrypt_envelope(envelope, private_key_pem=rsa_2048[0])
    with pytest.raises(EnvelopeError):
        open_envelope(envelope, private_key_pem=rsa_2048[0])


@pytest.mark.parametrize(("plaintext", "why"), [(b"not json", "not JSON"), (b"[]", "object")])
def test_an_envelope_that_does_not_hold_a_request_is_refused(rsa_2048, plaintext, why):
    # What encrypt_envelope would seal around a plaintext that is no create request.
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from providers.phonon.encryption import load_public_key

    key = b"k" * 32
    padded = plaintext + bytes([16 - len(plaintext) % 16]) * (16 - len(plaintext) % 16)
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305
    envelope = {
        "requestEncryptedValue": base64.b64encode(encryptor.update(padded)).decode(),
        "requestDigitalSignatureValue": base64.b64encode(
            load_public_key(rsa_2048[1]).encrypt(key, padding.PKCS1v15())
        ).decode(),
    }
    assert open_envelope(envelope, private_key_pem=rsa_2048[0]) == plaintext
    with pytest.raises(EnvelopeError, match=why):
        decrypt_envelope(envelope, private_key_pem=rsa_2048[0])


def test_unknown_scheme_and_bad_keys_are_refused(rsa_2048, create_request):
    with pytest.raises(EnvelopeError, match="Unknown encryption scheme"):
        encrypt_envelope(create_request, public_key_pem=rsa_2048[1], scheme="rot13")
    with pytest.raises(EnvelopeError, match="public key"):
        encrypt_envelope(create_request, public_key_pem=b"not a key")
