"""The client's IP address, trusting X-Forwarded-For only as far as configured.

Each trusted reverse proxy appends the address it received the request from,
so with N trusted proxies the client is the Nth address from the right. Any
address further left was written by the client itself and is not believed.
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's network, for rate limits: never the IP in clear.

    IPv6 clients are grouped by /64, the block one subscriber usually gets.
    """
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        network = ip
    else:
        network = str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)
    return hmac.new(settings.SECRET_KEY.encode(), network.encode(), hashlib.sha256).hexdigest()[:32]
