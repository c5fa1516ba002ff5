"""All models, importable from one place (and all registered before migrations look)."""
from .applications import FINAL, MAX_PREFERENCES, STATUSES, WAITING, Application, ApplicationPreference
from .geography import District, Group, Kindergarten, Locality
from .people import ROLES, Child, User, mask_name
from .placement import ACTIVE_SEAT_STATES, Bulletin, Referral, Seat
from .privileges import TIERS, PrivilegeCategory, PrivilegeClaim
from .records import AuditCheckpoint, AuditEvent, CalendarOverride, JobRun, Lock, Notification
from .tally import QueueCount, QueueTally

__all__ = [
    "ACTIVE_SEAT_STATES", "FINAL", "MAX_PREFERENCES", "ROLES", "STATUSES", "TIERS", "WAITING",
    "Application", "ApplicationPreference", "AuditCheckpoint", "AuditEvent", "Bulletin",
    "CalendarOverride", "Child", "District", "Group", "JobRun", "Kindergarten", "Locality", "Lock",
    "Notification", "PrivilegeCategory", "PrivilegeClaim", "QueueCount", "QueueTally", "Referral", "Seat", "User", "mask_name",
]
