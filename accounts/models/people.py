"""People and schools: the model every other app builds on."""

import uuid
import zoneinfo

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
UTC = zoneinfo.ZoneInfo("UTC")


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The time zone called `name`, or UTC when it is empty or unknown to this machine's tz database
    (a row saved before a zone was renamed, or imported unchecked): dates still show, never a 500."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def validate_phone(value: str) -> None:
    """Accept only numbers in international form (+44…, +254…) that phonenumbers calls valid."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a phone number in international form, like +44 7911 123456.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number is not valid."))


def normalise_phone(value: str) -> str:
    """E.164 form of a valid number (the form SMS gateways expect)."""
    return phonenumbers.format_number(phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.E164)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True, validators=[validate_phone])
    preferred_language = models.CharField(
        _("preferred language"), max_length=16, choices=settings.LANGUAGES, default="en-gb"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/London")
    simplified_interface = models.BooleanField(
        _("simplified interface"),
        default=False,
        help_text=_("Larger text, fewer options on each page, plain wording."),
    )
    is_staff = models.BooleanField(
        _("can use Django admin"), default=False, help_text=_("School admins and operators only.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.phone:
            self.phone = normalise_phone(self.phone)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The person's own clock: their chosen time zone, or UTC when it is not a known zone."""
        return zone_named(self.time_zone)

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name.split(" ")[0] if self.display_name else self.email


class Curriculum(models.TextChoices):
    ENGLAND = "england", _("England national curriculum and EYFS")
    KENYA_CBC = "kenya_cbc", _("Kenya competency-based curriculum (CBC)")


LOGO_MAX_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}


def validate_logo(file) -> None:
    """A school's logo: a PNG or JPEG image (read by Pillow, not trusted by its name) of at most
    512 KB, small enough to go into every report's PDF."""
    from PIL import Image, UnidentifiedImageError

    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo must be 512 KB or smaller."), code="logo_too_big")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="logo_not_image") from None
    finally:
        file.seek(position)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="logo_not_image")


def school_logo_path(instance, filename) -> str:
    """Stored under a random name (uploaded files never keep the name they came with)."""
    suffix = ".png" if filename.lower().endswith(".png") else ".jpg"
    return f"schools/logos/{uuid.uuid4().hex}{suffix}"


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, like GB or KE."))
    curriculum = models.CharField(_("curriculum framework"), max_length=16, choices=Curriculum.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/London")
    town = models.CharField(_("town or city"), max_length=100, blank=True)
    urn = models.CharField(
        _("URN"),
        max_length=16,
        blank=True,
        help_text=_("Unique reference number (England) from Get Information about Schools."),
    )
    registration_number = models.CharField(
        _("registration number"), max_length=32, blank=True, help_text=_("Ministry of Education registration (Kenya).")
    )
    pupil_sign_in_age = models.PositiveSmallIntegerField(
        _("age pupils may sign in"),
        default=11,
        help_text=_("Pupils this old or older may have their own sign-in, limited to their goals and portfolio."),
    )
    # How long the school has to answer a data request (subject access, correction, erasure),
    # counted from the day it arrives: a number of calendar months (UK GDPR, England: one month,
    # the default) or of days (a country whose law counts days). Months are kept as months, not
    # 30 days, because the law counts to the same date next month (31 January -> 28/29 February).
    data_request_period = models.PositiveSmallIntegerField(
        _("time to answer a data request"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("How many months or days the law gives the school to answer (England: 1 month)."),
    )
    data_request_period_unit = models.CharField(
        _("counted in"),
        max_length=6,
        choices=[("months", _("calendar months")), ("days", _("days"))],
        default="months",
    )
    logo = models.FileField(
        _("logo"),
        upload_to=school_logo_path,
        blank=True,
        validators=[validate_logo],
        help_text=_("A PNG or JPEG image of at most 512 KB, shown at the top of the school's reports."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The school's clock (contact hours): its time zone, or UTC when it is not a known zone."""
        return zone_named(self.time_zone)


class Department(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="department_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.school})"


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SENDCO = "sendco", _("SENDCO")
    DSL = "dsl", _("Designated safeguarding lead")
    LEADER = "leader", _("School leader")
    SCHOOL_ADMIN = "school_admin", _("School admin")
    FACILITATOR = "facilitator", _("Community facilitator")
    # Answers the school's data requests (subject access, correction, erasure): often the
    # business manager or head; must enrol a second factor (TWO_FACTOR_REQUIRED_ROLES).
    DPL = "dpl", _("Data protection lead")


class Membership(models.Model):
    """A member of staff's role at a school. One person may hold several roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["school", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique_role")]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.school}"


class SendStatus(models.TextChoices):
    NONE = "none", _("No identified SEND")
    SEN_SUPPORT = "sen_support", _("SEN support")
    EHCP = "ehcp", _("Education, health and care plan")


class PupilQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class Pupil(models.Model):
    """A child at a school (a 'student' on the Kenyan home-school platform)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    year_group = models.CharField(
        _("year group or grade"), max_length=16, help_text=_("For example Reception, Year 6, ECD 2, Grade 8.")
    )
    upn = models.CharField(_("unique pupil number"), max_length=32, blank=True)
    send_status = models.CharField(_("SEND status"), max_length=16, choices=SendStatus.choices, default=SendStatus.NONE)
    send_needs = models.TextField(_("SEND needs"), blank=True)
    home_languages = models.CharField(
        _("languages at home"), max_length=200, blank=True, help_text=_("Comma-separated, like Spanish, English.")
    )
    # A pupil old enough (School.pupil_sign_in_age) may sign in to a view limited to their own
    # goals, reflections and portfolio. Most pupils have no account.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupil_record",
        verbose_name=_("pupil's own sign-in"),
    )
    # Pupils who leave are kept (records must survive); they drop out of current lists.
    left_at = models.DateTimeField(_("left school"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "year_group"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "upn"], condition=~models.Q(upn=""), name="pupil_unique_upn_per_school"
            )
        ]

    def __str__(self):
        return self.full_name

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.first_name

    @property
    def full_name(self) -> str:
        return f"{self.known_as} {self.last_name}"


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    CARER = "carer", _("Carer")
    GRANDPARENT = "grandparent", _("Grandparent")
    STEP_PARENT = "step_parent", _("Step-parent")
    OTHER = "other", _("Other")


class Guardianship(models.Model):
    """A guardian's link to a pupil. Viewing rights decide what they may see, not the link alone."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")

    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardianships")
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(_("has parental responsibility"), default=True)
    can_view = models.BooleanField(
        _("viewing rights"), default=True, help_text=_("Off when a court order or the school limits access.")
    )
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)
    no_contact = models.BooleanField(
        _("no contact rights"),
        default=False,
        help_text=_("A court order: overrides everything. Never shown to the person it restricts."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        ordering = ["pupil", "-is_primary_contact"]
        constraints = [models.UniqueConstraint(fields=["guardian", "pupil"], name="guardianship_unique")]

    def __str__(self):
        return f"{self.guardian} — {self.get_relationship_display()} of {self.pupil}"

    def save(self, *args, **kwargs):
        # No contact rights (a court order) override everything: viewing rights cannot stay on.
        if self.no_contact and self.can_view:
            self.can_view = False
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "can_view"}
        super().save(*args, **kwargs)


class ClassGroup(models.Model):
    """A class, set or form group: which staff teach which pupils."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="class_groups")
    name = models.CharField(_("name"), max_length=100)
    year_group = models.CharField(_("year group or grade"), max_length=16, blank=True)
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="class_groups", blank=True)
    pupils = models.ManyToManyField(Pupil, related_name="class_groups", blank=True)

    class Meta:
        verbose_name = _("class group")
        verbose_name_plural = _("class groups")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="classgroup_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.school})"
