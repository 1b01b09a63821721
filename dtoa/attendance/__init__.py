"""Assessment attendance: outcomes providers report, follow-ups, and the chase list."""

from dtoa.attendance.chase import ChaseItem, chase_list
from dtoa.attendance.outcomes import OutcomeResult, record_outcome

__all__ = ["ChaseItem", "OutcomeResult", "chase_list", "record_outcome"]
