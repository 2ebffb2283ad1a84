"""The one resource library: home strategies for families and the educators' shared repository.

A resource belongs to the school of its author and is seen by the tier its author (or, for a
sensitive one shared beyond the school, a school leader) chose, plus grants to named people or
roles. Files live in versions: a new upload adds a version and keeps the old ones. A copy made
at another school records the resource it came from (lineage).
"""

import uuid

import nh3
from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Pupil, Role, School
from resources import findings

# The text search configuration of the stored vector and of every query against it.
SEARCH_CONFIG = "english"


class Kind(models.TextChoices):
    HOME_STRATEGY = "home_strategy", _("Home strategy")
    WORKSHEET = "worksheet", _("Worksheet")
    GUIDE = "guide", _("Guide")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    LESSON_PLAN = "lesson_plan", _("Lesson plan")
    ASSESSMENT_TOOL = "assessment_tool", _("Assessment tool")


class Licence(models.TextChoices):
    CC_BY = "cc_by", _("Creative Commons Attribution (CC BY 4.0)")
    CC_BY_SA = "cc_by_sa", _("Creative Commons Attribution-ShareAlike (CC BY-SA 4.0)")
    CC_BY_NC = "cc_by_nc", _("Creative Commons Attribution-NonCommercial (CC BY-NC 4.0)")
    OGL = "ogl", _("Open Government Licence (OGL v3.0)")
    ALL_RIGHTS_RESERVED = "all_rights_reserved", _("All rights reserved")


class Visibility(models.TextChoices):
    """From the narrowest to the widest; TIERS_BEYOND_SCHOOL need a leader's approval when sensitive."""

    PRIVATE = "private", _("Only me")
    DEPARTMENT = "department", _("My department")
    SCHOOL = "school", _("My school")
    PARTNERS = "partners", _("Our partner schools")
    COMMUNITY = "community", _("Every school on Homeroom")
    PUBLIC = "public", _("Everyone (open resource)")


TIERS_BEYOND_SCHOOL = frozenset({Visibility.PARTNERS, Visibility.COMMUNITY, Visibility.PUBLIC})


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    PUBLISHED = "published", _("Published")
    # A home strategy a family suggested: seen by its author and the school's moderators only,
    # until a moderator approves it (published to the school's families) or declines it.
    MODERATION = "moderation", _("Waiting for moderation")
    DECLINED = "declined", _("Declined")


class TagKind(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    PHASE = "phase", _("Phase or key stage")
    YEAR = "year", _("Year group or CBC grade")
    NEED = "need", _("SEND need")
    TOPIC = "topic", _("Topic")
    CURRICULUM = "curriculum", _("Curriculum statement or CBC strand")


# nh3's default allow-list (no script, event handlers or style); links open nothing of ours.
def sanitise(html: str) -> str:
    return nh3.clean(html or "", link_rel="noopener noreferrer nofollow")


class Tag(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=TagKind.choices)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="resources_tag_unique")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class Partnership(models.Model):
    """`school` names `partner` as a partner school: its resources shared with partners reach the
    partner's staff. One direction; two schools that both agree have a row each."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="resource_partnerships")
    partner = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("partner school")
        verbose_name_plural = _("partner schools")
        constraints = [
            models.UniqueConstraint(fields=["school", "partner"], name="resources_partnership_unique"),
            models.CheckConstraint(condition=~Q(school=models.F("partner")), name="resources_partnership_other"),
        ]

    def __str__(self):
        return f"{self.school} → {self.partner}"


class Resource(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    body = models.TextField(_("text"), blank=True, help_text=_("Sanitised HTML."))
    link_url = models.URLField(_("link"), blank=True)
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resources")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="resources")
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources"
    )
    visibility = models.CharField(
        _("who can see it"), max_length=12, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    published_to_families = models.BooleanField(_("published to families"), default=False)
    sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("A school leader approves sharing it beyond the school.")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources", verbose_name=_("tags"))
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies", verbose_name=_("copied from")
    )
    # The tags' names as text, weighted between title and body in the search vector (an UPDATE
    # cannot join the tags).
    tag_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Kept up to date by the review service, so the list sorts by rating without a join.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Accessibility (resources/checks): what the last check found, shown to those who may edit,
    # and whether a linked video has captions (a link cannot be inspected).
    link_captioned = models.BooleanField(_("the linked video has captions"), default=False)
    accessibility_findings = models.JSONField(default=list, blank=True, editable=False)
    # Suggested by a family (a guardian is its author): moderated before anyone else sees it,
    # credited to "a parent at <school>" unless they asked for their name, never edited by them.
    from_family = models.BooleanField(_("suggested by a family"), default=False, editable=False)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "visibility", "status"], name="resources_school_tier"),
            models.Index(fields=["-updated_at", "-id"], name="resources_recent"),
            models.Index(fields=["-rating_average", "-id"], name="resources_rating"),
            # The moderators' queue: a school's suggestions waiting, oldest first.
            models.Index(
                fields=["school", "created_at", "id"],
                condition=Q(status="moderation"),
                name="resources_moderation_queue",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = sanitise(self.body)
        super().save(*args, **kwargs)
        self.reindex()

    def reindex(self) -> None:
        """Refresh the stored search vector from the row (PostgreSQL; SQLite searches by a plain
        match): title weighs most, then tags, then description and text. HTML tags in the body
        are dropped by PostgreSQL's parser."""
        if connection.vendor != "postgresql":
            return
        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("tag_text", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
            + SearchVector("body", weight="D", config=SEARCH_CONFIG)
        )
        type(self).objects.filter(pk=self.pk).update(search_vector=vector)

    def set_tags(self, tags) -> None:
        tags = list(tags)
        self.tags.set(tags)
        self.tag_text = " ".join(sorted(tag.name for tag in tags))
        self.save(update_fields=["tag_text"])

    @property
    def accessibility_findings_worded(self) -> list[dict]:
        """The stored findings (codes and facts) worded in the reader's language."""
        return findings.described(self.accessibility_findings)

    @property
    def plain_body(self) -> str:
        return strip_tags(self.body)

    @property
    def is_strategy(self) -> bool:
        return self.kind == Kind.HOME_STRATEGY

    @property
    def credit(self) -> str:
        """Whom the page credits: the attribution given; for a family's suggestion without one,
        "a parent at <school>" (in the reader's language), never the family's name unasked."""
        if self.attribution:
            return self.attribution
        if self.from_family:
            return gettext("A parent at %(school)s") % {"school": self.school.name}
        return self.author.display_name


def version_path(instance, filename) -> str:
    # A random name: the uploader's name is kept in `original_name`, never trusted for serving.
    return f"resources/{instance.resource.school_id}/{uuid.uuid4().hex}"


class ResourceVersion(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=version_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resource version")
        verbose_name_plural = _("resource versions")
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="resources_version_unique")]

    def __str__(self):
        return f"{self.resource} v{self.number}"


class ResourceGrant(models.Model):
    """One resource opened to one person, or to everyone holding `role` at `school`, until
    `expires_at` (when given). Expiry is decided when the library is read, so nothing has to run
    for a grant to lapse. (django-guardian's object permissions have no expiry and cannot say
    "a role at a school", so the grant is a row here that the visibility query joins.)"""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="resource_grants"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    expires_at = models.DateTimeField(_("until"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resource grant")
        verbose_name_plural = _("resource grants")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, school__isnull=True, role="")
                    | Q(user__isnull=True, school__isnull=False) & ~Q(role="")
                ),
                name="resources_grant_person_or_role",
            )
        ]
        indexes = [models.Index(fields=["user", "expires_at"]), models.Index(fields=["school", "role"])]

    def __str__(self):
        return f"{self.resource}: {self.user or f'{self.get_role_display()} @ {self.school}'}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ShareApproval(models.Model):
    """A request to share a sensitive resource beyond its school, decided by a school leader."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="approvals")
    visibility = models.CharField(_("share with"), max_length=12, choices=Visibility.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sharing approval")
        verbose_name_plural = _("sharing approvals")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource"], condition=Q(status="pending"), name="resources_one_pending_approval"
            )
        ]

    def __str__(self):
        return f"{self.resource} → {self.get_visibility_display()} ({self.get_status_display()})"


class StrategySuggestion(models.Model):
    """What moderating a family's suggested home strategy needs beside the resource itself:
    whether the family asked to be named, and the decision (who, when, and the reason for
    declining, which only the family sees). The resource's status says where it stands."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="suggestion")
    show_name = models.BooleanField(_("show my name"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("why it was not published"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("suggested home strategy")
        verbose_name_plural = _("suggested home strategies")

    def __str__(self):
        return str(self.resource)


class Duration(models.TextChoices):
    DAYS = "days", _("A few days")
    WEEK = "week", _("About a week")
    TWO_WEEKS = "two_weeks", _("About two weeks")
    MONTH = "month", _("About a month")
    LONGER = "longer", _("Longer")


class Outcome(models.TextChoices):
    A_LOT = "a_lot", _("It helped a lot")
    A_LITTLE = "a_little", _("It helped a little")
    NOT_AT_ALL = "not_at_all", _("It did not help")


class StrategyFeedback(models.Model):
    """A family's word on a home strategy they tried: one per family (the guardian) per strategy."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="feedback")
    family = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    duration = models.CharField(_("how long you tried it"), max_length=10, choices=Duration.choices)
    outcome = models.CharField(_("did it help?"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("strategy feedback")
        verbose_name_plural = _("strategy feedback")
        constraints = [models.UniqueConstraint(fields=["resource", "family"], name="resources_feedback_once")]

    def __str__(self):
        return f"{self.resource}: {self.get_outcome_display()}"


class Review(models.Model):
    """Stars and a few words: one per person per resource, editable."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(_("review"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="resources_review_once"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="resources_review_stars"),
        ]

    def __str__(self):
        return f"{self.resource}: {self.stars}★"


class UseKind(models.TextChoices):
    VIEW = "view", _("Views")
    DOWNLOAD = "download", _("Downloads")


class ResourceUse(models.Model):
    """How often a resource was opened or downloaded, per day and per school of the people who did
    (no school: families and people without a staff role). Counted, never who: authors see the
    figures, nobody sees the people."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="uses")
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=8, choices=UseKind.choices)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("resource use")
        verbose_name_plural = _("resource uses")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "school", "kind", "day"],
                name="resources_use_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.resource} {self.kind} {self.day}: {self.count}"


class ResourceEmbedding(models.Model):
    """A resource's sentence embedding (all-MiniLM-L6-v2, L2-normalised float32 bytes, so a dot
    product is the cosine), with the hash of the text it was computed from: a save that changes
    nothing the model reads computes nothing. Written by the `resources.embedding` outbox effect."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = models.BinaryField()
    text_hash = models.CharField(max_length=64)
    model_name = models.CharField(max_length=100)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resource embedding")
        verbose_name_plural = _("resource embeddings")

    def __str__(self):
        return f"{self.resource_id}: {self.model_name}"


class Audience(models.TextChoices):
    """Who a featured collection is for."""

    STAFF = "staff", _("Staff at the school")
    FAMILIES = "families", _("Families at the school")
    COMMUNITY = "community", _("The platform community")


class Collection(models.Model):
    """Resources an editor picked and put in order, with an introduction: a school's leaders and
    SENDCOs curate their school's collections for its staff or its families; platform staff curate
    the community's (no school). Each viewer sees only the items they may open, decided at read."""

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True, max_length=3000)
    audience = models.CharField(_("for"), max_length=12, choices=Audience.choices)
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="collections")
    featured = models.BooleanField(
        _("featured"), default=True, help_text=_("Shown at the top of the library to the people it is for.")
    )
    curated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The form's idempotency key: the same form sent twice makes one collection.
    client_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-updated_at", "-pk"]
        # Granted to the platform team (with is_staff): a school office also has is_staff, for
        # Django admin, and must not curate what every school sees.
        permissions = [("curate_community_collections", _("Can curate the community's featured collections"))]
        constraints = [
            # A school's collection is for its staff or families; the community's belongs to no school.
            models.CheckConstraint(
                condition=Q(audience="community", school__isnull=True)
                | Q(audience__in=["staff", "families"], school__isnull=False),
                name="resources_collection_audience_school",
            ),
            models.UniqueConstraint(
                fields=["curated_by", "client_key"],
                condition=~Q(client_key=""),
                name="resources_collection_client_key",
            ),
        ]
        indexes = [models.Index(fields=["school", "audience", "featured"], name="resources_collection_audience")]

    def __str__(self):
        return self.title


class CollectionItem(models.Model):
    """One resource in a collection, at `position` (smallest first)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("collection item")
        verbose_name_plural = _("collection items")
        ordering = ["collection", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="resources_collection_item_once")
        ]
        indexes = [models.Index(fields=["collection", "position", "id"], name="resources_collection_order")]

    def __str__(self):
        return f"{self.collection}: {self.resource_id} @ {self.position}"


class TextEmbedding(models.Model):
    """The sentence embedding of a short text that is not a resource (a child's goal, read by the
    recommendations), found by the hash of the text and the model: the text itself is not kept
    here. Computed by the `resources.text_embedding` outbox effect, so a page never runs the model."""

    text_hash = models.CharField(max_length=64, primary_key=True)
    vector = models.BinaryField()
    model_name = models.CharField(max_length=100)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("text embedding")
        verbose_name_plural = _("text embeddings")

    def __str__(self):
        return f"{self.text_hash[:12]}: {self.model_name}"
