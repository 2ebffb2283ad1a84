from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# The chain of platform-wide entries (no school). A school's chain is keyed by the school's id,
# which is never 0. Entries written before chains were per school (migration
# 0002_audit_chains_per_school) have no chain and stay, unchanged, in one "legacy" chain.
PLATFORM_CHAIN = 0


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One line of the append-only audit log. Write through `accounts.audit.record` only.

    Entries form one hash chain per school plus one platform chain (`chain`): each entry's hash
    covers its own content and the previous hash of its chain, so changing or removing any entry
    breaks its chain (`manage.py verify_audit_log`), while writers at different schools never wait
    for each other. Actor and target are kept as plain ids and labels, not foreign keys, so
    deleting a person never rewrites history.
    """

    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The school's id, or PLATFORM_CHAIN; null only for entries written before per-school chains.
    chain = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # Walking one chain in order (verify) and finding its newest entry.
            models.Index(fields=["chain", "id"], name="accounts_audit_chain_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(chain__isnull=True) | Q(chain=Coalesce("school_id", Value(PLATFORM_CHAIN))),
                name="accounts_audit_chain_is_school_or_platform",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} by {self.actor_label or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The newest entry of one audit chain, and the row `audit.record` locks to append to it.

    One row per chain (a school, or the platform), so appends at one school wait only for other
    appends at the same school. `verify` also checks that the entry named here is still the
    chain's newest, which catches entries cut from the end by someone who left this row alone.
    """

    chain = models.BigIntegerField(primary_key=True)
    entry_id = models.BigIntegerField(null=True)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self):
        return f"chain {self.chain} at #{self.entry_id}"
