"""Sign-ins described in words a parent understands: "Chrome on Android", "yesterday 19:04",
"near Leeds" (only when a trusted proxy said so) or the network the address belongs to."""

import datetime
import functools
import ipaddress

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

# ua-parser's names, shortened to what people call them.
_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "HeadlessChrome": "Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
}
_SYSTEMS = {"Mac OS X": "Mac", "Chrome OS": "Chromebook", "Ubuntu": "Linux", "Fedora": "Linux"}


@functools.lru_cache(maxsize=512)
def _parsed(user_agent: str) -> tuple[str, str]:
    from ua_parser import parse

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    if system == "iOS" and result.device and result.device.family in ("iPhone", "iPad"):
        system = result.device.family
    browser = "" if browser in ("", "Other") else _BROWSERS.get(browser, browser)
    system = "" if system in ("", "Other") else _SYSTEMS.get(system, system)
    return browser, system


def device_in_words(user_agent: str) -> str:
    """ "Chrome on Android", "Safari on iPhone", "Firefox", or "An unknown browser"."""
    browser, system = _parsed((user_agent or "")[:400])
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or system
    return _("An unknown browser")


def time_in_words(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "today 19:04", "yesterday 19:04", "3 November 19:04", "3 November 2025 19:04", on the
    clock of the active time zone (the person's own, set by UserPreferencesMiddleware)."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return _("today %(time)s") % {"time": clock}
    if local.date() == today - datetime.timedelta(days=1):
        return _("yesterday %(time)s") % {"time": clock}
    day = dateformat.format(local, "j F" if local.year == today.year else "j F Y")
    return _("%(day)s %(time)s") % {"day": day, "time": clock}


def network_of(ip_address: str | None) -> str:
    """The network an address belongs to (203.0.113.0/24, 2001:db8:1::/48): a rough "where" that
    tells one internet connection from another without a location database."""
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        return ""
    if address.is_unspecified:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def place_in_words(*, town: str = "", ip_address: str | None = None) -> str:
    """ "near Leeds" when a trusted proxy named the town; otherwise the address's network."""
    if town:
        return _("near %(town)s") % {"town": town}
    network = network_of(ip_address)
    if network:
        return _("network %(network)s") % {"network": network}
    return _("unknown place")
