"""What entry points (views, signals, adapters) read off a request before calling a service."""


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the proxy's address behind a load balancer; production sets
    # USE_X_FORWARDED_FOR only where the proxy is trusted to overwrite the header.
    from django.conf import settings

    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:400]


def safe_next(request, fallback: str = "/") -> str:
    """The `next` the form or link asked for, if it stays on this site; otherwise `fallback`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# The town our own edge proxy worked out for the client (a CDN's visitor-location header, renamed).
# hub.proxy drops it from every request that did not come through a trusted proxy, so a client
# cannot choose the place its sign-ins are shown from. There is no location database here.
TOWN_HEADER = "HTTP_X_CLIENT_TOWN"


def client_town(request) -> str:
    return " ".join(request.META.get(TOWN_HEADER, "").split())[:100]
