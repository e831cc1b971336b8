"""Creating sandbox registry entries: the provider-side accounts, flows and links.

Used by the demo loader and by tests; each function is idempotent on its natural key.
"""

from cryptography.hazmat.primitives import serialization
from django.db import transaction

from providers.phonon.encryption import DEFAULT_SCHEME, generate_key_pair, load_private_key
from sandbox.models import IovoxLink, PhononFlow, Provider, SandboxAccount


def paycall_account(*, name: str, username: str, password: str, **knobs) -> SandboxAccount:
    account, _ = SandboxAccount.objects.update_or_create(
        name=name,
        defaults={"provider": Provider.PAYCALL, "username": username, "secret": password, **knobs},
    )
    return account


@transaction.atomic
def phonon_account(
    *,
    name: str,
    flows: dict[str, str],
    private_key_pem: str | None = None,
    scheme: str = DEFAULT_SCHEME,
    key_bits: int = 4096,
    **knobs,
) -> SandboxAccount:
    """A Phonon account with flows {flow_id: security_id}; makes an RSA key pair when
    none is given and the account has none (the public half goes to our account)."""
    account = SandboxAccount.objects.filter(name=name).first()
    if private_key_pem is None:
        private_key_pem = account.private_key_pem if account and account.private_key_pem else ""
        if not private_key_pem:
            private_key_pem = generate_key_pair(key_bits)[0].decode()
    account, _ = SandboxAccount.objects.update_or_create(
        name=name,
        defaults={
            "provider": Provider.PHONON,
            "private_key_pem": private_key_pem,
            "encryption_scheme": scheme,
            **knobs,
        },
    )
    for flow_id, security_id in flows.items():
        PhononFlow.objects.update_or_create(
            flow_id=flow_id, defaults={"account": account, "security_id": security_id}
        )
    return account


@transaction.atomic
def iovox_account(
    *, name: str, username: str, secure_key: str, links: dict[str, list[str]], **knobs
) -> SandboxAccount:
    """An iovox account with links {link_id: [required call variables]}."""
    account, _ = SandboxAccount.objects.update_or_create(
        name=name,
        defaults={
            "provider": Provider.IOVOX,
            "username": username,
            "secret": secure_key,
            **knobs,
        },
    )
    for link_id, required in links.items():
        IovoxLink.objects.update_or_create(
            link_id=link_id, defaults={"account": account, "required_variables": required}
        )
    return account


def public_key_of(account: SandboxAccount) -> str:
    key = load_private_key(account.private_key_pem)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
