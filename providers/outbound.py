"""Where Dialer Studio and its sandbox may send a request: public addresses only.

A provider account's base URL and a status callback's URL are typed by people; left
unchecked they reach this server's own services, the private network behind it and
the cloud's metadata address (issue #16). A URL is allowed when its scheme is http or
https and every address its host resolves to is public, or when it is the sandbox's
own origin (SITE_URL's scheme, host and port) while the sandbox is enabled.

The rule is applied twice: when an account is saved (`refusal`, a plain message
beside the field) and when a connection is made (`GuardedAdapter`), which resolves
the host once, refuses it if any of its addresses is not public and connects to the
very address it vetted, so a name that resolves elsewhere by then (DNS rebinding)
gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

ALLOWED_SCHEMES = {"http": 80, "https": 443}
# Carrier-grade NAT: no ipaddress property names it, and it is nobody's public address.
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Origin = tuple[str, str, int]


class OutboundRefused(requests.RequestException):
    """A request to an address Dialer Studio may not call; it was never sent.

    A RequestException, so that whoever handles network failures handles this too,
    with its own plain message.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def origin_of(url: str) -> Origin | None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), parts.port or ALLOWED_SCHEMES[scheme]


def sandbox_origin() -> Origin | None:
    """The sandbox's own origin, this site's, while the sandbox is enabled."""
    if not settings.SANDBOX_ENABLED:
        return None
    return origin_of(settings.SITE_URL)


def address_refusal(address: IPAddress) -> str | None:
    """Why a connection to this address is refused, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        # ::ffff:a.b.c.d reaches a.b.c.d; judged as itself (3.11 calls all of them reserved).
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return gettext(
            "This address is this server itself; provider accounts may only call "
            "the provider's public address."
        )
    if address.is_link_local:
        return gettext(
            "This address is link-local (such as a cloud metadata service); provider "
            "accounts may only call the provider's public address."
        )
    if (
        address.is_private
        or address.is_multicast
        or address.is_reserved
        or address in SHARED_ADDRESS_SPACE
    ):
        return gettext(
            "This address is inside a private network; provider accounts may only "
            "call the provider's public address."
        )
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (an address written as such, itself).

    Raises OSError (socket.gaierror) when the name does not resolve.
    """
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(sockaddr[0]) for *_, sockaddr in answers]


def vetted_address(url: str) -> str | None:
    """The address to connect to for this URL: resolved once, every answer public.

    None for the sandbox's own origin, which is connected to as it is. Raises
    OutboundRefused for an address that may not be called and OSError when the
    host does not resolve.
    """
    origin = origin_of(url)
    if origin is None:
        raise OutboundRefused(
            gettext("Provider accounts may only call an http:// or https:// address.")
        )
    if origin == sandbox_origin():
        return None
    _, host, port = origin
    addresses = resolve(host, port)
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise OutboundRefused(reason)
    return str(addresses[0])


def refusal(url: str) -> str | None:
    """Why this URL may not be saved as an address to call, or None.

    A name that does not resolve now is accepted: the connection resolves it again and
    applies the same rule then.
    """
    try:
        vetted_address(url)
    except OutboundRefused as refused:
        return refused.message
    except OSError:
        return None
    return None


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter that connects only to vetted addresses.

    The connection pool is keyed on the vetted IP address, while the Host header and,
    for https, the TLS server name (SNI) and the certificate check keep the URL's
    host name: the certificate is still verified against the name, not the address.
    """

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        try:
            address = vetted_address(request.url or "")
        except OutboundRefused:
            raise  # an OSError too, as every RequestException is, but not a network failure
        except OSError as exc:
            raise requests.ConnectionError(exc, request=request) from None
        if address is not None:
            if host_params["scheme"] == "https":
                # urllib3 takes it; the stubs list only the keys requests itself sets.
                pool_kwargs["server_hostname"] = host_params["host"]  # type: ignore[typeddict-unknown-key]
            host_params["host"] = address
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        # The connection is to an address, so the name goes in the Host header; set on
        # every send, since a redirect's request is a copy of the previous one's.
        request.headers["Host"] = urlsplit(request.url or "").netloc.rpartition("@")[2]


def guard(session: requests.Session, **adapter_options: Any) -> requests.Session:
    """The session with every http and https address behind the guard.

    An adapter mounted for a longer prefix (the demo's in-process site) still
    answers for it.
    """
    adapter = GuardedAdapter(**adapter_options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
