"""All models, importable from one place (and all registered before migrations look)."""
from .accounts import CODE_PURPOSES, PhoneCode
from .applications import FINAL, STATUSES, WAITING, Application, ApplicationPreference
from .disputes import RESOLUTIONS, ChildDispute
from .geography import District, Group, Kindergarten, Locality
from .movement import MovementChange, MovementTotal
from .people import ROLES, Child, User, mask_name
from .placement import ACTIVE_SEAT_STATES, Bulletin, Referral, Seat
from .privileges import TIERS, PrivilegeCategory, PrivilegeClaim
from .records import AuditCheckpoint, AuditEvent, CalendarOverride, JobRun, Lock, Notification
from .settings import Setting
from .simulation import SIMULATION_STATUSES, PolicySimulation
from .tally import QueueCount, QueueTally

__all__ = [
    "ACTIVE_SEAT_STATES", "CODE_PURPOSES", "FINAL", "RESOLUTIONS", "ROLES", "STATUSES", "TIERS", "WAITING",
    "Application", "ApplicationPreference", "AuditCheckpoint", "AuditEvent", "Bulletin",
    "CalendarOverride", "Child", "ChildDispute", "District", "Group", "JobRun", "Kindergarten", "Locality", "Lock",
    "MovementChange", "MovementTotal", "Notification", "PhoneCode", "PolicySimulation", "PrivilegeCategory",
    "PrivilegeClaim", "QueueCount", "QueueTally", "Referral", "SIMULATION_STATUSES", "Seat", "Setting", "User",
    "mask_name",
]
