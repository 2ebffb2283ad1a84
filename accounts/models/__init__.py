from accounts.models.audit import AuditEntry
from accounts.models.consent import ConsentChange, ConsentRecord, DataKind, Recipient, SchoolConsentDefault
from accounts.models.family import FamilyInvitation, GuardianScope
from accounts.models.history import LoginAttempt
from accounts.models.links import AccountLink
from accounts.models.people import (
    ClassGroup,
    Curriculum,
    Department,
    Guardianship,
    Membership,
    Pupil,
    Role,
    School,
    SendStatus,
    User,
)
from accounts.models.privacy import DataRequest
from accounts.models.twofactor import BackupCode, BackupCodeDevice, SMSDevice, TOTPDevice

__all__ = [
    "AccountLink",
    "AuditEntry",
    "BackupCode",
    "BackupCodeDevice",
    "ClassGroup",
    "ConsentChange",
    "ConsentRecord",
    "Curriculum",
    "DataKind",
    "DataRequest",
    "Department",
    "FamilyInvitation",
    "GuardianScope",
    "Guardianship",
    "LoginAttempt",
    "Membership",
    "Pupil",
    "Recipient",
    "Role",
    "SMSDevice",
    "School",
    "SchoolConsentDefault",
    "SendStatus",
    "TOTPDevice",
    "User",
]
