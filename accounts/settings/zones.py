"""Time zone choices with the likely ones first: the person's own, their schools' and their
children's schools' zones, then the other zones of those countries and of their language; every
other zone after, in its own group (one short list to scan, not 599 equal options)."""

import functools
import zoneinfo
from pathlib import Path

from django.utils.translation import gettext_lazy as _

# Countries a UI language is mostly spoken in, for someone with no school yet.
LANGUAGE_COUNTRIES = {"en-gb": ("GB",), "cy": ("GB",), "es": ("ES",), "pl": ("PL",), "sw": ("KE", "TZ", "UG")}


@functools.cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """Country code -> its zones, from the tz database's zone.tab (empty when the system has none)."""
    for base in zoneinfo.TZPATH:
        table = Path(base) / "zone.tab"
        if not table.is_file():
            continue
        found: dict[str, list[str]] = {}
        for line in table.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                found.setdefault(parts[0].upper(), []).append(parts[2])
        return {country: tuple(sorted(zones)) for country, zones in found.items()}
    return {}


def zone_label(name: str) -> str:
    return name.replace("_", " ")


def likely_zones(*, current: str, school_zones: list[str], countries: list[str], language: str) -> list[str]:
    """In order: the current zone, the schools' zones, then their countries' and language's zones."""
    ordered: list[str] = [current, *school_zones]
    by_country = zones_by_country()
    for country in [*countries, *LANGUAGE_COUNTRIES.get(language, ())]:
        ordered.extend(by_country.get(country.upper(), ()))
    available = available_zones()
    seen: set[str] = set()
    likely = []
    for zone in ordered:
        if zone and zone in available and zone not in seen:
            seen.add(zone)
            likely.append(zone)
    return likely


def grouped_choices(likely: list[str]) -> list:
    """Choices for a select: a group of the likely zones, then a group of the others."""
    others = sorted(available_zones() - set(likely))
    return [
        (_("Likely time zones"), [(zone, zone_label(zone)) for zone in likely]),
        (_("Other time zones"), [(zone, zone_label(zone)) for zone in others]),
    ]
