"""Language codes as the engines want them: ISO 639-1 primary subtags ("en-gb" → "en"), and
their names as a reader of the interface sees them."""

from django.utils.translation import get_language, get_language_info, gettext_noop
from django.utils.translation import gettext as _

# The pivot language for engines that lack a direct pair.
PIVOT = "en"

# Message ids (translated when shown), so a name can also be stored and translated later.
NAMES = {
    "en": gettext_noop("English"),
    "cy": gettext_noop("Welsh"),
    "es": gettext_noop("Spanish"),
    "pl": gettext_noop("Polish"),
    "sw": gettext_noop("Swahili"),
    "fr": gettext_noop("French"),
    "de": gettext_noop("German"),
    "pt": gettext_noop("Portuguese"),
    "it": gettext_noop("Italian"),
    "ca": gettext_noop("Catalan"),
    "ro": gettext_noop("Romanian"),
    "ar": gettext_noop("Arabic"),
    "ur": gettext_noop("Urdu"),
    "uk": gettext_noop("Ukrainian"),
    "so": gettext_noop("Somali"),
}

# Interface languages that write a language's name in lower case inside a sentence
# ("Traducido del inglés", "Przetłumaczono z angielskiego"). Not English or German, and not
# Welsh or Swahili either: they capitalise language names ("Saesneg", "Kiingereza").
LOWER_CASE_IN_SENTENCE = frozenset({"es", "pl", "fr", "it", "pt", "ca", "ro", "uk"})


def normalise(code: str | None) -> str:
    """The primary subtag in lower case: "en-GB" and "en_gb" → "en"; None or "" → ""."""
    return (code or "").strip().replace("_", "-").split("-")[0].lower()


def language_name(code: str | None, *, in_sentence: bool = False) -> str:
    """The language's name in the active interface language ("Spanish", "Sbaeneg" ...), or the
    code when neither Homeroom nor Django knows it.

    With `in_sentence`, the form that goes inside a sentence ("Translated from %s by machine"):
    lower-cased where the interface language writes language names that way ("inglés").
    """
    base = normalise(code)
    if not base:
        return _("an unknown language")
    if base in NAMES:
        found = _(NAMES[base])
    else:
        try:
            found = str(get_language_info(base)["name_translated"])
        except KeyError:
            return base
    if in_sentence and normalise(get_language()) in LOWER_CASE_IN_SENTENCE:
        # Only the first letter: a name may hold a proper noun ("português do Brasil").
        found = found[:1].lower() + found[1:]
    return found


def name(code: str | None) -> str:
    """The language's name as it reads inside a sentence (the form every caller needs):
    `language_name(code, in_sentence=True)`."""
    return language_name(code, in_sentence=True)


def name_msgid(code: str | None) -> str:
    """The untranslated name ("Spanish"), to store and translate when shown; the code when unknown."""
    base = normalise(code)
    return NAMES.get(base, base)
