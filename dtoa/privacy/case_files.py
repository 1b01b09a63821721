"""The kinds of detention file, by how far the file went, and when each is past its period.

A file is kept whole while any part of it may still be needed, then anonymised whole
(`dtoa.privacy.anonymise`): a file is of exactly one kind, the furthest stage it reached.

- no positive (no sample, not tested, negative, refused, failed to provide): from the arrest;
- positive, no requirement served: from the arrest;
- a requirement closed without a prosecution case (attended, ceased, withdrawn, or a failure of
  a requirement never served): from its last change;
- with prosecution cases: when every case is past its own period (a decision to charge or
  summons from the decision; no further action or good cause from the decision; an open case
  from its time limit, after which no information may be laid, MCA 1980 s.127), counted under
  the longest-kept kind of case it has.

Nothing still running is ever judged: a requirement awaiting assessment, or an appointment
booked or overdue, keeps its whole file.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from dtoa.models import Appointment, Detention, DrugTest, ProsecutionCase, Referral
from dtoa.privacy.anonymise import anonymise_files
from dtoa.privacy.registry import Kind, Window
from dtoa.rules.retention import (
    CHARGED,
    CLOSED_REFERRAL_STATES,
    FAILED_REFERRAL_STATES,
    LIVE_APPOINTMENT_STATES,
    NOT_PROSECUTED,
)

D, T, R = Detention.__table__.c, DrugTest.__table__.c, Referral.__table__.c
A, C = Appointment.__table__.c, ProsecutionCase.__table__.c
RUNNING = ("awaiting_assessment", "rescheduled")


def _positive() -> ColumnElement[bool]:
    """The detention's current sample (the last: a further sample supersedes) is positive."""
    return exists().where(T.detention_id == D.id, T.superseded.is_(False),
                          T.result == "positive")


def _unreferred_in(session: Session, window: Window, kind: str, positive: bool) -> list[int]:
    condition = _positive() if positive else not_(_positive())
    return list(session.execute(select(D.id).where(
        D.anonymised_at.is_(None), D.arrest_date < window.cutoff_date(kind),
        not_(exists().where(R.detention_id == D.id)), condition).order_by(D.id)).scalars())


def closed_without_case(cutoff) -> ColumnElement[bool]:  # noqa: ANN001
    """The referral R is closed, has no case, and nothing about it changed since `cutoff`."""
    return and_(
        or_(R.state.in_(CLOSED_REFERRAL_STATES),
            and_(R.state.in_(FAILED_REFERRAL_STATES), R.served_at.is_(None))),
        not_(exists().where(C.referral_id == R.id)),
        not_(exists().where(A.referral_id == R.id, or_(A.state.in_(LIVE_APPOINTMENT_STATES),
                                                       A.updated_at >= cutoff))),
        R.updated_at < cutoff)


def _case_expired(window: Window) -> ColumnElement[bool]:
    decided = func.coalesce(C.decided_at, C.updated_at)
    return or_(and_(C.state.in_(CHARGED), decided < window.cutoff("case_charged")),
               and_(C.state.in_(NOT_PROSECUTED), decided < window.cutoff("case_not_prosecuted")),
               and_(C.state == "open",
                    C.time_limit_on < window.cutoff_date("case_time_limit_passed")))


def _referred(session: Session, condition: ColumnElement[bool], arrested_by: date) -> list[int]:
    """Detentions not yet anonymised whose referral R meets `condition` and is not running.
    `arrested_by` is a bound the condition implies (`Window.arrested_by`): the files are read
    from the (anonymised_at, arrest_date) index up to it, so a night reads the files old
    enough to go, not every file still held."""
    query = (select(R.detention_id).select_from(Detention.__table__.join(
        Referral.__table__, R.detention_id == D.id))
        .where(D.anonymised_at.is_(None), D.arrest_date <= arrested_by,
               R.state.not_in(RUNNING),
               not_(exists().where(A.referral_id == R.id,
                                   A.state.in_(LIVE_APPOINTMENT_STATES))), condition)
        .order_by(R.detention_id))
    return list(session.execute(query).scalars())


def _with_cases(session: Session, window: Window, charged: bool | None, open_: bool) -> list[int]:
    """Files whose cases are all past their periods, of one case kind: any charged
    (`charged`), else any open past its time limit (`open_`), else only decided not to
    prosecute."""
    def any_in(states) -> ColumnElement[bool]:  # noqa: ANN001
        return exists().where(C.referral_id == R.id, C.state.in_(states))

    kind = any_in(CHARGED) if charged else and_(
        not_(any_in(CHARGED)), any_in(("open",)) if open_ else not_(any_in(("open",))))
    # the kind's own case is past the kind's period, so the arrest came before its cutoff
    arrested_by = (window.arrested_by("case_charged") if charged
                   else window.cutoff_date("case_time_limit_passed") if open_
                   else window.arrested_by("case_not_prosecuted"))
    return _referred(session, and_(
        exists().where(C.referral_id == R.id),
        not_(exists().where(C.referral_id == R.id, not_(_case_expired(window)))), kind),
        arrested_by)


def _file_kind(name: str, what: str, default: str, source: str, find, floor=None) -> Kind:  # noqa: ANN001
    return Kind(name=name, what=what, default=default, source=source, action="anonymise",
                find=find, remove=anonymise_files, floor=floor)


KINDS = (
    _file_kind(
        "detention_no_positive",
        "detentions with no positive result (no sample, not tested, negative, refused, failed "
        "to provide), from the arrest",
        "1 year",
        "local policy: the funnel's year; at least six months, the time limit for prosecuting "
        "a refusal (PACE 1984 s.63C; Magistrates' Courts Act 1980 s.127)",
        lambda session, window: _unreferred_in(session, window, "detention_no_positive", False),
        floor="6 months"),
    _file_kind(
        "detention_positive_no_requirement",
        "detentions with a positive result and no requirement to attend assessment, from the "
        "arrest",
        "2 years",
        "local policy: the result may inform bail and sentence on the offence (PACE 1984 "
        "s.63B(6)); two years covers a Crown Court case to sentence",
        lambda session, window: _unreferred_in(session, window,
                                               "detention_positive_no_requirement", True)),
    _file_kind(
        "referral_closed",
        "requirements to attend assessment closed without a prosecution case, from their last "
        "change",
        "2 years",
        "local policy: as a positive with no requirement (the assessment's outcome may inform "
        "sentence)",
        lambda session, window: _referred(session, closed_without_case(
            window.cutoff("referral_closed")), window.arrested_by("referral_closed"))),
    _file_kind(
        "case_charged",
        "files with a failure-to-attend case charged or summonsed, from the decision",
        "3 years",
        "local policy, above the floor of the CPIA 1996 Code of Practice para 5.9 (kept at "
        "least six months after conviction, longer while in custody or on appeal); no "
        "conviction date is recorded, so counted from the decision",
        lambda session, window: _with_cases(session, window, charged=True, open_=False),
        floor="6 months"),
    _file_kind(
        "case_time_limit_passed",
        "files with a case never decided, from its time limit (Magistrates' Courts Act 1980 "
        "s.127: no information may be laid after it)",
        "1 year",
        "local policy: a year after the time limit, for review of the undecided case",
        lambda session, window: _with_cases(session, window, charged=False, open_=True)),
    _file_kind(
        "case_not_prosecuted",
        "files whose cases were decided no further action or good cause, from the decision",
        "1 year",
        "local policy: the CPIA 1996 Code of Practice para 5.7 keeps material until the "
        "decision not to prosecute; a year more for complaints and review",
        lambda session, window: _with_cases(session, window, charged=False, open_=False)),
)

