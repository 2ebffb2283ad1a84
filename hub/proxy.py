"""Believe X-Forwarded-For only from our own proxies.

Rate limits, sign-in history and the audit log key on the client's address. Behind a load
balancer the direct peer (REMOTE_ADDR) is the proxy, and the client's address arrives in
X-Forwarded-For; but anyone can send that header. So the header is read only when the direct
peer is one of TRUSTED_PROXY_ADDRESSES (addresses or networks), and from anyone else it is
dropped along with X-Forwarded-Proto, so nothing later in the stack can be fooled by it.
"""

import ipaddress
from functools import cached_property

from django.conf import settings

# X-Client-Town: the town our edge proxy located the client in (accounts.requests.client_town).
_FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_CLIENT_TOWN")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.9:51234
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """Set REMOTE_ADDR to the client's address when a trusted proxy forwarded the request.

    X-Forwarded-For is read from the right: each trusted proxy appends the address it saw, so the
    first address from the right that is not one of ours is the client. Entries further left were
    written by the client itself and are never believed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def _networks(self) -> tuple:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in settings.TRUSTED_PROXY_ADDRESSES)

    def _trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self._networks)

    def __call__(self, request):
        meta = request.META
        if self._trusted(_address(meta.get("REMOTE_ADDR", ""))):
            forwarded = [_address(part) for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
            for address in reversed(forwarded):
                if address is None:
                    break  # garbage in the chain: keep the proxy's own address rather than guess
                if not self._trusted(address):
                    meta["REMOTE_ADDR"] = str(address)
                    break
        else:
            for header in _FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
