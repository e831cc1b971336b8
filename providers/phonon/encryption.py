"""The envelope of Phonon's encrypted outbound API (`enc/outbound/create`).

Phonon's document does not name its algorithms. Its sample fits what a Java client
gets from `Cipher.getInstance("AES")` (AES/ECB/PKCS5Padding: a ciphertext that is a
multiple of 16 bytes, with no room for an IV or a tag) and `Cipher.getInstance("RSA")`
(RSA/ECB/PKCS1Padding: a 512-byte key blob under an RSA-4096 key). That scheme is the
default; it is weak (ECB shows repeated plaintext blocks), so two stronger schemes are
offered for accounts whose Phonon side agrees to them: AES-CBC with a random IV, and
AES-GCM with a nonce and tag, each with the AES key wrapped by RSA-OAEP (SHA-256).

Envelope fields, all base64 (standard alphabet, with padding):
- requestEncryptedValue: the AES ciphertext of the JSON create request
  (CBC: IV(16) || ciphertext; GCM: nonce(12) || ciphertext || tag(16)).
- requestDigitalSignatureValue: the AES key encrypted with the account's RSA public key.
- flow-id: in clear, so Phonon can find the flow (and its private key) before decrypting.
"""

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dialer_site import jsonlimits
from providers.base import encode_json

AES_KEY_BYTES = 32
AES_BLOCK_BITS = 128
CBC_IV_BYTES = 16
GCM_NONCE_BYTES = 12


@dataclass(frozen=True)
class Scheme:
    id: str
    label: str
    aes_mode: str  # "ecb" | "cbc" | "gcm"
    rsa_padding: str  # "pkcs1v15" | "oaep"
    weak: bool = False


SCHEMES: dict[str, Scheme] = {
    scheme.id: scheme
    for scheme in (
        Scheme(
            "aes-ecb+rsa-pkcs1v15",
            "AES-ECB/PKCS7 + RSA PKCS#1 v1.5 (Phonon's sample; weak)",
            "ecb",
            "pkcs1v15",
            weak=True,
        ),
        Scheme("aes-cbc+rsa-oaep", "AES-CBC/PKCS7 with IV + RSA-OAEP (SHA-256)", "cbc", "oaep"),
        Scheme("aes-gcm+rsa-oaep", "AES-GCM + RSA-OAEP (SHA-256)", "gcm", "oaep"),
    )
}
DEFAULT_SCHEME = "aes-ecb+rsa-pkcs1v15"
SCHEME_CHOICES = [(scheme.id, scheme.label) for scheme in SCHEMES.values()]


class EnvelopeError(ValueError):
    """The envelope cannot be opened: wrong key, wrong scheme, or damaged data."""


def _scheme(scheme_id: str) -> Scheme:
    try:
        return SCHEMES[scheme_id]
    except KeyError:
        raise EnvelopeError(
            f"Unknown encryption scheme {scheme_id!r}; choose one of {', '.join(SCHEMES)}."
        ) from None


def _rsa_padding(scheme: Scheme) -> rsa_padding.AsymmetricPadding:
    if scheme.rsa_padding == "oaep":
        return rsa_padding.OAEP(
            mgf=rsa_padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
    return rsa_padding.PKCS1v15()


def load_public_key(public_key_pem: bytes | str) -> RSAPublicKey:
    data = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise EnvelopeError("The public key is not a PEM-encoded RSA public key.") from exc
    if not isinstance(key, RSAPublicKey):
        raise EnvelopeError("The public key is not an RSA key.")
    return key


def load_private_key(private_key_pem: bytes | str) -> RSAPrivateKey:
    data = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise EnvelopeError("The private key is not a PEM-encoded RSA private key.") from exc
    if not isinstance(key, RSAPrivateKey):
        raise EnvelopeError("The private key is not an RSA key.")
    return key


def _pkcs7_pad(data: bytes) -> bytes:
    padder = padding.PKCS7(AES_BLOCK_BITS).padder()
    return padder.update(data) + padder.finalize()


def _pkcs7_unpad(data: bytes) -> bytes:
    unpadder = padding.PKCS7(AES_BLOCK_BITS).unpadder()
    return unpadder.update(data) + unpadder.finalize()


def _aes_encrypt(mode: str, key: bytes, plaintext: bytes) -> bytes:
    if mode == "gcm":
        nonce = os.urandom(GCM_NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    if mode == "cbc":
        iv = os.urandom(CBC_IV_BYTES)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return iv + encryptor.update(_pkcs7_pad(plaintext)) + encryptor.finalize()
    # ECB is what Phonon's sample uses; kept for compatibility, flagged weak in the UI.
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(_pkcs7_pad(plaintext)) + encryptor.finalize()


def _aes_decrypt(mode: str, key: bytes, data: bytes) -> bytes:
    if mode == "gcm":
        return AESGCM(key).decrypt(data[:GCM_NONCE_BYTES], data[GCM_NONCE_BYTES:], None)
    if mode == "cbc":
        iv, body = data[:CBC_IV_BYTES], data[CBC_IV_BYTES:]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        return _pkcs7_unpad(decryptor.update(body) + decryptor.finalize())
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()  # noqa: S305
    return _pkcs7_unpad(decryptor.update(data) + decryptor.finalize())


def encrypt_envelope(
    create_request: dict, *, public_key_pem: bytes | str, scheme: str = DEFAULT_SCHEME
) -> dict:
    """Wrap one Phonon create request (the plain API's JSON) in the encrypted envelope."""
    chosen = _scheme(scheme)
    public_key = load_public_key(public_key_pem)
    aes_key = os.urandom(AES_KEY_BYTES)
    plaintext = encode_json(create_request).encode()
    ciphertext = _aes_encrypt(chosen.aes_mode, aes_key, plaintext)
    wrapped_key = public_key.encrypt(aes_key, _rsa_padding(chosen))
    return {
        "requestEncryptedValue": base64.b64encode(ciphertext).decode("ascii"),
        "requestDigitalSignatureValue": base64.b64encode(wrapped_key).decode("ascii"),
        "flow-id": create_request.get("flow-id", ""),
    }


def decrypt_envelope(
    envelope: dict, *, private_key_pem: bytes | str, scheme: str = DEFAULT_SCHEME
) -> dict:
    """Open an envelope made by encrypt_envelope; EnvelopeError if it cannot be opened."""
    plaintext = open_envelope(envelope, private_key_pem=private_key_pem, scheme=scheme)
    try:
        request = jsonlimits.loads(plaintext.decode("utf-8"))
    except ValueError as exc:
        raise EnvelopeError("The decrypted payload is not JSON.") from exc
    if not isinstance(request, dict):
        raise EnvelopeError("The decrypted payload is not a JSON object.")
    return request


def open_envelope(
    envelope: dict, *, private_key_pem: bytes | str, scheme: str = DEFAULT_SCHEME
) -> bytes:
    """The plaintext bytes inside an envelope."""
    chosen = _scheme(scheme)
    private_key = load_private_key(private_key_pem)
    try:
        ciphertext = base64.b64decode(envelope["requestEncryptedValue"], validate=True)
        wrapped_key = base64.b64decode(envelope["requestDigitalSignatureValue"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise EnvelopeError(
            "requestEncryptedValue and requestDigitalSignatureValue must be base64 strings."
        ) from exc
    try:
        aes_key = private_key.decrypt(wrapped_key, _rsa_padding(chosen))
        return _aes_decrypt(chosen.aes_mode, aes_key, ciphertext)
    except Exception as exc:  # every cryptographic failure means the same to the caller
        raise EnvelopeError(
            f"The envelope cannot be decrypted with this key under scheme {chosen.id}."
        ) from exc


def generate_key_pair(bits: int = 4096) -> tuple[bytes, bytes]:
    """A new RSA key pair as (private PEM, public PEM), for the sandbox and for tests."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem
