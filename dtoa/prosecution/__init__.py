"""Prosecution cases for failing to attend or remain for a required assessment."""

from dtoa.prosecution.cases import CaseDue, cases_due, close_for_good_cause, decide, open_case

__all__ = ["CaseDue", "cases_due", "close_for_good_cause", "decide", "open_case"]
