"""Home strategies recommended for one child, each with the reason: a strategy tagged with one of
the child's SEND needs ("Helps with reading fluency, one of Amara's needs"), or one that fits a
goal the child is working towards ("Fits the goal 'Read 10 minutes every night'").

Only strategies published to families at the child's school, or open to everyone, and only those
the reader may open (`resources_visible_to`), decided at every read. The
child's needs count only for a reader who may see them (a family member whose scope leaves out
progress gets no need-based reasons). Goals are given by the caller (the parents' pages read them
through progress' policies: this app sits beside progress and never imports it).

Goals match by meaning when the embedding model is installed and the strategies and the goals
have their vectors (a goal's is computed by a job the first time a page finds it missing, never on
the page); otherwise by the search index (PostgreSQL, stemmed and ranked) or by shared words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts import policies as people
from accounts.models import Pupil, User
from resources.discovery import effects, embeddings
from resources.discovery.selectors import Suggestion, _all_vectors, _in_order
from resources.models import SEARCH_CONFIG, Kind, Resource, Status, Tag, TagKind, TextEmbedding, Visibility
from resources.policies import FAMILY_TIERS, resources_visible_to

RECOMMEND_COUNT = 3
# Goals read per child: the first few active ones are what a family is working on now.
GOAL_LIMIT = 5
# Cosine similarity (all-MiniLM-L6-v2) from which a strategy "fits" a goal: related sentences
# score 0.4 and more, unrelated ones below 0.2.
GOAL_SIMILARITY = 0.35
# Words that say nothing about what a goal is about, left out of the word match.
STOP_WORDS = frozenset(
    "a an and the for to of in on at by with every each day days night nights week weeks time times "
    "minutes minute his her their them they she he it its our my your can will be is are more less own "
    "when what who how use using get make making have has had do does able by ten five one two three".split()
)


@dataclass(frozen=True)
class GoalText:
    """What the recommendations read of a goal: its title and what success looks like."""

    title: str
    description: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}".strip()


def strategy_candidates(*, user: User, pupil: Pupil) -> QuerySet[Resource]:
    """Published home strategies that the child's family may be shown and `user` may open: those
    published to families at the child's school (at any tier families see, community included),
    and open ones from anywhere. The same list for the family and for the child's SENDCO: a
    strategy another school shares with the community's staff is not offered to a family."""
    return (
        resources_visible_to(user)
        .filter(kind=Kind.HOME_STRATEGY, status=Status.PUBLISHED, published_to_families=True)
        .filter(Q(school_id=pupil.school_id, visibility__in=FAMILY_TIERS) | Q(visibility=Visibility.PUBLIC))
    )


def _raw_words(text: str) -> set[str]:
    """The words of `text` that may say what it is about (letters only: safe in a raw tsquery)."""
    return {word for word in re.findall(r"[^\W\d_]+", text.casefold()) if len(word) > 2 and word not in STOP_WORDS}


def _words(text: str) -> set[str]:
    return {_stem(word) for word in _raw_words(text)}


def _stem(word: str) -> str:
    # Enough for "reading"/"read", "worries"/"worry", "routines"/"routine" on a database without
    # a stemmer (SQLite, the demo); PostgreSQL's search index stems properly.
    for ending, replacement in (("ies", "y"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + replacement
    return word


def _mentions(needs: str, name: str) -> bool:
    """Whether the child's recorded needs name this need tag (either contains the other, as whole
    words: "Autism; sensory processing" names "Autism")."""
    needs, name = needs.casefold(), name.casefold().strip()
    if not name:
        return False
    if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", needs):
        return True
    phrases = [phrase.strip() for phrase in re.split(r"[,;\n/]| and ", needs) if phrase.strip()]
    return any(re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", name) for phrase in phrases)


def _need_label(name: str) -> str:
    # "Reading fluency" reads "helps with reading fluency"; "ADHD" and "EAL" keep their capitals.
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _by_needs(candidates: QuerySet[Resource], needs: str, limit: int) -> tuple[list[int], dict[int, str]]:
    """Strategies tagged with the child's needs, those matching most needs first: ids, and the
    need tags matched by id. Two queries."""
    tags = [
        tag
        for tag in Tag.objects.filter(kind=TagKind.NEED, pk__in=candidates.values("tags"))
        if _mentions(needs, tag.name)
    ]
    if not tags:
        return [], {}
    matched = {tag.pk: tag.name for tag in tags}
    ids = list(
        candidates.filter(tags__in=list(matched))
        .annotate(matches=Count("tags", distinct=True))
        .order_by("-matches", F("rating_average").desc(nulls_last=True), "-updated_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    return ids, matched


def _goal_vectors(goals: Sequence[GoalText]) -> np.ndarray | None:
    """The goals' stored vectors (one row per goal), or None when any is missing: those are asked
    of the worker (the page never runs the model) and the goals match by words this time."""
    texts = [goal.text[: embeddings.MAX_CHARS] for goal in goals]
    hashes = [embeddings.text_hash(text) for text in texts]
    stored = dict(
        TextEmbedding.objects.filter(text_hash__in=hashes, model_name=embeddings.MODEL_NAME).values_list(
            "text_hash", "vector"
        )
    )
    missing = [text for text, digest in zip(texts, hashes, strict=True) if digest not in stored]
    if missing:
        effects.text_embedding_due(missing)
        return None
    return embeddings.matrix_from([bytes(stored[digest]) for digest in hashes])


def _by_meaning(candidates: QuerySet[Resource], goals: Sequence[GoalText], limit: int) -> list[tuple[int, int]] | None:
    """(resource id, goal index) pairs, best first, by embedding similarity; None when the model,
    the strategies' vectors or the goals' vectors are missing (the caller falls back to words)."""
    if not embeddings.available():
        return None
    ids, matrix = _all_vectors()
    if not len(ids):
        return None
    allowed = np.fromiter(candidates.values_list("pk", flat=True), dtype=np.int64)
    keep = np.isin(ids, allowed, assume_unique=True)
    if not keep.any():
        return None
    goal_matrix = _goal_vectors(goals)
    if goal_matrix is None:
        return None
    ids, matrix = ids[keep], matrix[keep]
    scores = matrix @ goal_matrix.T  # one row per strategy, one column per goal
    best_goal = scores.argmax(axis=1)
    best_score = scores.max(axis=1)
    order = np.argsort(-best_score, kind="stable")
    return [(int(ids[index]), int(best_goal[index])) for index in order if best_score[index] >= GOAL_SIMILARITY][:limit]


def _by_search(candidates: QuerySet[Resource], goals: Sequence[GoalText], limit: int) -> list[tuple[int, int]]:
    """(resource id, goal index) pairs, best first, by the words the goals and strategies share. One
    query: on PostgreSQL the search index ranks each strategy against each goal at once."""
    words = [sorted(_raw_words(goal.text))[:16] for goal in goals]
    if not any(words):
        return []
    if connection.vendor == "postgresql":
        queries = [
            SearchQuery(" | ".join(found), search_type="raw", config=SEARCH_CONFIG) if found else None
            for found in words
        ]
        anyone = functools.reduce(lambda left, right: left | right, [query for query in queries if query is not None])
        ranked = candidates.filter(search_vector=anyone).annotate(
            **{
                f"goal_{n}": SearchRank(F("search_vector"), query)
                for n, query in enumerate(queries)
                if query is not None
            }
        )
        names = [f"goal_{n}" for n, query in enumerate(queries) if query is not None]
        rows = ranked.order_by("-updated_at", "-pk").values("pk", *names)[:200]
        scored = []
        for row in rows:
            name = max(names, key=lambda key: row[key])
            scored.append((row[name], row["pk"], int(name.removeprefix("goal_"))))
        scored.sort(key=lambda found: -found[0])
        return [(pk, goal) for _rank, pk, goal in scored[:limit]]
    rows = candidates.values_list("pk", "title", "tag_text", "description").order_by("-updated_at", "-pk")[:500]
    scored = []
    for pk, title, tag_text, description in rows:
        own = _words(f"{title} {tag_text} {description}")
        overlaps = [len(own & set(map(_stem, found))) for found in words]
        best = max(range(len(goals)), key=lambda n: overlaps[n])
        if overlaps[best]:
            scored.append((overlaps[best], pk, best))
    scored.sort(key=lambda found: -found[0])
    return [(pk, goal) for _overlap, pk, goal in scored[:limit]]


def strategies_for_child(
    *, user: User, pupil: Pupil, goals: Sequence[GoalText] = (), limit: int = RECOMMEND_COUNT
) -> list[Suggestion]:
    """Up to `limit` home strategies for `pupil` that `user` may open, each with why: those for the
    child's needs and those for their goals taken in turn, so neither crowds the other out. A
    fixed number of queries whatever the size of the library or the number of goals."""
    candidates = strategy_candidates(user=user, pupil=pupil)
    goals = [goal for goal in goals if goal.title.strip()][:GOAL_LIMIT]
    need_ids: list[int] = []
    need_tags: dict[int, str] = {}
    if pupil.send_needs.strip() and people.can_view_pupil(user=user, pupil=pupil, scope="progress"):
        need_ids, need_tags = _by_needs(candidates, pupil.send_needs, limit)
    goal_pairs: list[tuple[int, int]] = []
    if goals:
        goal_pairs = _by_meaning(candidates, goals, limit + len(need_ids))
        if goal_pairs is None:
            goal_pairs = _by_search(candidates, goals, limit + len(need_ids))
    # A strategy for a need and a goal gives the need as its reason; the goals' turns go to others.
    goal_pairs = [(pk, goal) for pk, goal in goal_pairs if pk not in set(need_ids)]
    chosen: dict[int, tuple[str, int]] = {}
    for turn in range(max(len(need_ids), len(goal_pairs))):
        if turn < len(need_ids) and need_ids[turn] not in chosen:
            chosen[need_ids[turn]] = ("need", 0)
        if turn < len(goal_pairs) and goal_pairs[turn][0] not in chosen:
            chosen[goal_pairs[turn][0]] = ("goal", goal_pairs[turn][1])
    ids = list(chosen)[:limit]
    if not ids:
        return []
    suggestions = []
    for found in _in_order(ids):
        why, goal = chosen[found.pk]
        if why == "need":
            names = sorted(tag.name for tag in found.tags.all() if tag.pk in need_tags)
            reason = _("Helps with %(need)s, one of %(name)s's needs") % {
                "need": _need_label(names[0]),
                "name": pupil.known_as,
            }
        else:
            reason = _("Fits the goal ‘%(goal)s’") % {"goal": goals[goal].title}
        suggestions.append(Suggestion(found, reason))
    return suggestions
