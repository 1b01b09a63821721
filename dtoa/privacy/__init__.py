"""The data-protection lifecycle (DPA 2018 Part 3): retention periods per kind of record and the
run that deletes or anonymises what is past them (s.39), subject access exports (s.45), and the
audit trail of a record with the reasons given for its changes.

The kinds of record are a registry (`dtoa.privacy.catalogue.KINDS`, each a
`dtoa.privacy.registry.Kind`) that other parts of dtoa add their own tables to.
"""

from dtoa.privacy.access import SubjectAccessError, subject_access
from dtoa.privacy.catalogue import KINDS
from dtoa.privacy.registry import Kind, Removal, Window
from dtoa.privacy.retention import apply_retention, plan_retention
from dtoa.privacy.trail import TrailError, trail

__all__ = ["KINDS", "Kind", "Removal", "SubjectAccessError", "TrailError", "Window",
           "apply_retention", "plan_retention", "subject_access", "trail"]
