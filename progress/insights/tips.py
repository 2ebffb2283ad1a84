"""A small catalogue of support tips for home, and the rules that pick them for a child.

A tip is chosen for a reason the family can read: a need the school has recorded, a goal the
child is working towards, an alert that is open. Nothing here reads the database: `selectors.
tips_for` gathers the facts and calls `choose`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_TIPS = 4


@dataclass(frozen=True)
class Tip:
    code: str
    title: Promise
    text: Promise


@dataclass(frozen=True)
class ChosenTip:
    tip: Tip
    reason: Promise | str

    @property
    def code(self) -> str:
        return self.tip.code

    @property
    def title(self):
        return self.tip.title

    @property
    def text(self):
        return self.tip.text


CATALOGUE = {
    tip.code: tip
    for tip in (
        Tip(
            "short_sessions",
            _("Short, regular sessions"),
            _(
                "Ten to fifteen minutes at the same time each day, with a clear end, often works better than one long stretch."
            ),
        ),
        Tip(
            "shared_reading",
            _("Read together"),
            _(
                "Take turns reading a page aloud, and talk about the pictures and what might happen next. Audiobooks count too."
            ),
        ),
        Tip(
            "visual_routine",
            _("A picture timetable"),
            _("Show the day's plan with pictures or a short list, and say before anything changes."),
        ),
        Tip(
            "talk_time",
            _("Talk about the day"),
            _('Ask one open question a day ("What made you laugh today?") and give plenty of time to answer.'),
        ),
        Tip(
            "movement_breaks",
            _("Movement breaks"),
            _("A minute of stretching or a walk between tasks helps many children settle back to work."),
        ),
        Tip(
            "ask_the_teacher",
            _("Ask what is being taught"),
            _(
                "A short note to the teacher asking what the class is working on lets you practise the same thing at home."
            ),
        ),
        Tip(
            "praise_effort",
            _("Praise the effort"),
            _(
                'Notice the trying as well as the result: "You kept going with that" builds confidence for the next task.'
            ),
        ),
        Tip(
            "celebrate",
            _("Celebrate together"),
            _("Tell the family about the achievement, and ask your child what helped them get there."),
        ),
        Tip(
            "plan_the_goal",
            _("Break the goal into steps"),
            _("Agree one small next step with your child and the school, with a date you can both keep."),
        ),
        Tip(
            "sleep_food",
            _("Sleep, food and water"),
            _("A regular bedtime, breakfast and a water bottle make a real difference to concentration."),
        ),
        Tip(
            "play_with_others",
            _("Time with other children"),
            _("A club, a park or a game with cousins gives practice in taking turns and sharing."),
        ),
        Tip(
            "make_something",
            _("Make something"),
            _("Drawing, building or cooking together is learning: ask your child to explain how they did it."),
        ),
        Tip(
            "routine",
            _("A learning routine"),
            _("A regular time and a quiet place for learning each day helps a routine stick."),
        ),
    )
}

# Words in the school's record of SEND needs -> tips that usually help, and why (the reason is
# shown to the family, so it names the need in general words, not the record's own text).
NEED_WORDS = (
    (
        ("dyslex", "reading", "literacy", "phonics"),
        "shared_reading",
        _("Chosen because reading support is part of your child's plan at school."),
    ),
    (
        ("adhd", "attention", "concentrat", "focus"),
        "short_sessions",
        _("Chosen because concentration support is part of your child's plan at school."),
    ),
    (
        ("adhd", "sensory", "movement", "dyspraxi"),
        "movement_breaks",
        _("Chosen because movement and sensory support is part of your child's plan at school."),
    ),
    (
        ("autis", "asd", "routine", "anxi"),
        "visual_routine",
        _("Chosen because help with routines and changes is part of your child's plan at school."),
    ),
    (
        ("speech", "language", "slcn", "communication"),
        "talk_time",
        _("Chosen because speech and language support is part of your child's plan at school."),
    ),
)

GOAL_TIPS = {
    "academic": ("ask_the_teacher", _("Chosen because your child has an active learning goal.")),
    "behavioural": ("praise_effort", _("Chosen because your child has an active behaviour goal.")),
    "creative": ("make_something", _("Chosen because your child has an active creative goal.")),
    "health": ("sleep_food", _("Chosen because your child has an active health goal.")),
    "social": ("play_with_others", _("Chosen because your child has an active social goal.")),
}

ALERT_TIPS = {
    "engagement_drop": ("short_sessions", _("Chosen because your child did less learning this week than usual.")),
    "declining_trend": ("ask_the_teacher", _("Chosen because some recent results have gone down.")),
    "milestone": ("celebrate", _("Chosen because your child has just reached a milestone.")),
    "deadline_missed": ("plan_the_goal", _("Chosen because a goal's date has passed.")),
}

GENERAL = ("routine", _("A tip for every family."))


def choose(
    *, send_needs: str, has_send: bool, goal_categories: Iterable[str], alert_rules: Iterable[str]
) -> list[ChosenTip]:
    """Tips for one child, most specific first (alerts, then needs, then goals), each once, at
    most MAX_TIPS; a general one when nothing matched."""
    chosen: dict[str, ChosenTip] = {}

    def add(code, reason):
        if code not in chosen and len(chosen) < MAX_TIPS:
            chosen[code] = ChosenTip(tip=CATALOGUE[code], reason=reason)

    for rule in dict.fromkeys(alert_rules):
        if rule in ALERT_TIPS:
            add(*ALERT_TIPS[rule])
    if has_send or send_needs:
        needs = send_needs.lower()
        for words, code, reason in NEED_WORDS:
            if any(word in needs for word in words):
                add(code, reason)
    for category in dict.fromkeys(goal_categories):
        if category in GOAL_TIPS:
            add(*GOAL_TIPS[category])
    if not chosen:
        add(*GENERAL)
    return list(chosen.values())
