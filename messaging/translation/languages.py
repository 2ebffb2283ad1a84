"""Language codes as the engines want them: ISO 639-1 primary subtags ("en-gb" → "en")."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The pivot language for engines that lack a direct pair.
PIVOT = "en"

NAMES = {
    "en": gettext_lazy("English"),
    "cy": gettext_lazy("Welsh"),
    "es": gettext_lazy("Spanish"),
    "pl": gettext_lazy("Polish"),
    "sw": gettext_lazy("Swahili"),
    "fr": gettext_lazy("French"),
    "de": gettext_lazy("German"),
    "pt": gettext_lazy("Portuguese"),
    "it": gettext_lazy("Italian"),
    "ca": gettext_lazy("Catalan"),
    "ro": gettext_lazy("Romanian"),
    "ar": gettext_lazy("Arabic"),
    "ur": gettext_lazy("Urdu"),
    "uk": gettext_lazy("Ukrainian"),
    "so": gettext_lazy("Somali"),
}


def normalise(code: str | None) -> str:
    """The primary subtag in lower case: "en-GB" and "en_gb" → "en"; None or "" → ""."""
    return (code or "").strip().replace("_", "-").split("-")[0].lower()


def name(code: str | None) -> str:
    """The language's name in the active interface language, or the code when it has none."""
    base = normalise(code)
    if base in NAMES:
        return str(NAMES[base])
    return base or _("an unknown language")
