"""Where the server may send a request whose address a person chose (a team chat's webhook).

Only to public addresses: never to this machine, a private network, a link-local address
(a cloud's metadata service at 169.254.169.254), or an unspecified, multicast or reserved
one, unless the operator allows its network (`COMPANION_WEBHOOK_ALLOWED_NETWORKS`).
An address is checked when it is saved and again, on what its name resolves to then,
each time it is sent to: a name may resolve elsewhere by then (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_SETTING = "COMPANION_WEBHOOK_ALLOWED_NETWORKS"
# IPv6 addresses that carry an IPv4 address a gateway may connect to in their stead.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The server will not connect to this host; the message says why, without the URL."""


def refusal(address: IPAddress, allowed: Sequence[IPNetwork]) -> str | None:
    """Why the server may not connect to `address`, or None when it may."""
    if any(address.version == net.version and address in net for net in allowed):
        return None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, allowed)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (such as a cloud's metadata service)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def check_addresses(
    host: str, addresses: Sequence[IPAddress], *, allowed: Sequence[IPNetwork]
) -> list[IPAddress]:
    """`addresses` (what `host` is or resolves to) if every one of them may be connected
    to; otherwise DestinationRefused naming the host and the first reason."""
    for address in addresses:
        reason = refusal(address, allowed)
        if reason is not None:
            is_name = _literal(host) is None
            said = f"{host} resolves to {reason}" if is_name else f"{host} is {reason}"
            raise DestinationRefused(said)
    return list(addresses)


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` stands for: itself if it is one, else what it resolves to now.

    Raises OSError when the name does not resolve.
    """
    literal = _literal(host)
    if literal is not None:
        return [literal]
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        # An IPv6 scope ("fe80::1%eth0") is not part of the address.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"{host} has no address")
    return found


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
