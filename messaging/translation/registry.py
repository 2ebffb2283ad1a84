"""Which fields of which models are machine-translated, and what governs each.

An app declares its translatable fields once, in its AppConfig.ready():

    from messaging.translation import registry

    registry.register(
        Strategy, "summary",
        school=lambda strategy: strategy.school,          # whose glossary applies (None: no glossary)
        source_language=lambda strategy: strategy.language,  # "" or None: detected from the text
        translatable=lambda strategy: strategy.is_published,  # False: readers see the original
        on_stored=strategy_translation_stored,            # (obj, StoredTranslation), in the worker
        select_related=("school",),
        changed_at=lambda strategy: strategy.updated_at,  # text edited later: translated again
    )

Then `messaging.translation.cache.translation_get_or_create(obj=, field=, language=)` returns the
stored translation, and the `messaging.tasks.translate_field` task stores it in the background.
Nothing app-specific is written in messaging's models: every translation is a StoredTranslation.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models


def _always(obj) -> bool:
    return True


def _unknown(obj) -> str:
    return ""


@dataclass(frozen=True)
class TranslatableField:
    label: str  # "messaging.message", the model's label_lower
    field: str
    school: Callable[[models.Model], object]
    source_language: Callable[[models.Model], str | None] = _unknown
    translatable: Callable[[models.Model], bool] = _always
    on_stored: Callable[[models.Model, models.Model], None] | None = None
    select_related: tuple[str, ...] = ()
    # When the text last changed (None: never after it was written): older translations are stale.
    changed_at: Callable[[models.Model], object] | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


_fields: dict[tuple[str, str], TranslatableField] = {}


def register(
    model: type[models.Model],
    field: str,
    *,
    school: Callable[[models.Model], object],
    source_language: Callable[[models.Model], str | None] = _unknown,
    translatable: Callable[[models.Model], bool] = _always,
    on_stored: Callable[[models.Model, models.Model], None] | None = None,
    select_related: tuple[str, ...] = (),
    changed_at: Callable[[models.Model], object] | None = None,
) -> TranslatableField:
    """Declare `model.field` translatable. Registering the same field again replaces it (a
    reloaded AppConfig); a field the model does not have is refused at once."""
    model._meta.get_field(field)  # FieldDoesNotExist now, not in a worker later
    declared = TranslatableField(
        label=model._meta.label_lower,
        field=field,
        school=school,
        source_language=source_language,
        translatable=translatable,
        on_stored=on_stored,
        select_related=tuple(select_related),
        changed_at=changed_at,
    )
    _fields[(declared.label, field)] = declared
    return declared


def lookup(label: str, field: str) -> TranslatableField:
    """The declaration of `label`.`field`; LookupError when no app declared it translatable."""
    try:
        return _fields[(label.lower(), field)]
    except KeyError:
        raise LookupError(f"{label}.{field} is not declared translatable (messaging.translation.registry)") from None


def for_object(obj: models.Model, field: str) -> TranslatableField:
    return lookup(obj._meta.label_lower, field)


def declared() -> list[TranslatableField]:
    return list(_fields.values())
