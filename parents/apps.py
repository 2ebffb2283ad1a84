from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _mood_check_ins(scope) -> list[dict]:
    from django.db.models import Q

    from parents.models import MoodCheckIn

    children = scope.children().values("pk")
    rows = MoodCheckIn.objects.filter(guardian=scope.subject).filter(Q(pupil__isnull=True) | Q(pupil__in=children))
    return [
        {
            "id": row.pk,
            "about_pupil_id": row.pupil_id,
            "mood": row.get_emoji_display(),
            "mood_1_to_5": row.mood,
            "energy_1_to_5": row.energy,
            "note": row.note,
            "created_at": row.created_at,
        }
        for row in rows.order_by("created_at", "pk")
    ]


class ParentsConfig(AppConfig):
    name = "parents"
    verbose_name = _("Parents' dashboard")

    def ready(self):
        from reports.exports.subject_access import register_kind

        # A parent's subject-access export holds their mood check-ins too (reports cannot read
        # this app: it registers them here).
        register_kind("mood_check_ins.json", _("Your mood and energy check-ins"), _mood_check_ins)

    def navigation_links(self, user) -> list[tuple[str, str]]:
        """The "Dashboard" link for guardians with viewing rights of a child: no query of its own
        (the menu's one question per request, accounts.policies.navigation_is_guardian)."""
        from django.urls import reverse

        from accounts.policies import navigation_is_guardian

        if not navigation_is_guardian(user):
            return []
        return [(_("Dashboard"), reverse("parents:home"))]
