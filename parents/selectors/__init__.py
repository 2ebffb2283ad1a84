"""Reads for the parents' dashboard: one selector per page, each filtered through parents.policies.

Every figure is aggregated in the database (minutes summed per child and day, counts grouped by
child, the latest row per child or competency as a subquery), so a page costs the same number of
queries for one child or four, and for 60 days of records or 600: the rows read are bounded by
the days shown, never by the history kept.
"""

from parents.selectors.child import (
    TABS,
    ChildPage,
    achievements_page_for,
    activity_page_for,
    competency_radar_for,
    goals_page_for,
    insights_page_for,
    learning_journey_for,
)
from parents.selectors.family import (
    SESSION_KEY,
    STREAK_LOOKBACK_DAYS,
    Streak,
    chosen_child,
    consents_waiting_for,
    family_of,
    minutes_by_day,
    streak_of,
    today_for,
)
from parents.selectors.home import ChildCard, ChildrenOverview, HomePage, children_overview_for, home_page_for

__all__ = [
    "SESSION_KEY",
    "STREAK_LOOKBACK_DAYS",
    "TABS",
    "ChildCard",
    "ChildPage",
    "ChildrenOverview",
    "HomePage",
    "Streak",
    "achievements_page_for",
    "activity_page_for",
    "children_overview_for",
    "chosen_child",
    "competency_radar_for",
    "consents_waiting_for",
    "family_of",
    "goals_page_for",
    "home_page_for",
    "insights_page_for",
    "learning_journey_for",
    "minutes_by_day",
    "streak_of",
    "today_for",
]
