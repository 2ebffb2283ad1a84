"""What goes into a child's portfolio zip: their approved portfolio items that the family may see,
each file under a readable name, and `index.html`, a plain page listing every item.

The items are chosen when the job runs, through progress' own policy
(`progress.goals.policies.portfolio_items_visible_to`), so an item declined or deleted after the
export was asked for is not in it, and neither is anything the family could not open on the site.
"""

import mimetypes
import os
from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

from accounts.models import Pupil, User
from progress.goals.policies import portfolio_items_visible_to
from progress.models import PortfolioItem, ReviewStatus

INDEX_NAME = "index.html"
# Long titles make long names; the number in front keeps them unique however they are cut.
NAME_LENGTH = 60


def items_for_export(*, user: User, pupil: Pupil) -> QuerySet[PortfolioItem]:
    """The pupil's approved items `user` may see as family, oldest first (the order of the index)."""
    return (
        portfolio_items_visible_to(user).filter(pupil=pupil, status=ReviewStatus.APPROVED).order_by("created_at", "pk")
    )


def _extension(item: PortfolioItem) -> str:
    """The file's extension from the name it was uploaded with, else from its sniffed type: only
    letters and digits, so no name chosen by an uploader reaches the zip."""
    suffix = os.path.splitext(item.original_name or "")[1].lower()
    if not (suffix[1:].isalnum() and 1 < len(suffix) <= 6):
        suffix = mimetypes.guess_extension(item.content_type or "") or ""
    return suffix


def readable_name(position: int, item: PortfolioItem) -> str:
    """`03-my-volcano-model.jpg`: its place in the index, then its title."""
    title = slugify(item.title, allow_unicode=True)[:NAME_LENGTH].strip("-") or "item"
    return f"{position:02d}-{title}{_extension(item)}"


@dataclass(frozen=True)
class Entry:
    """One line of the index: the item and the name of its file in the zip ("" when it has none)."""

    item: PortfolioItem
    filename: str


def index_html(*, pupil: Pupil, entries: list[Entry], language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "reports/exports/portfolio_index.html",
            {"pupil": pupil, "entries": entries, "language": translation.get_language()},
        )
