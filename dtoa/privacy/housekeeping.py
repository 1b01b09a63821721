"""Kinds of record that are deleted outright past their period: letters of closed requirements,
rejected rows and the inbox files they came from, ingest batches, sign-in records, job runs and
old audit events. None of them is counted by a figure that must survive."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, exists, func, not_, select
from sqlmodel import Session, SQLModel

from dtoa.models import (
    AuditEvent,
    Detention,
    DrugTest,
    IngestBatch,
    JobRun,
    Letter,
    Referral,
    RejectedRow,
    SignInThrottle,
    WebSession,
)
from dtoa.privacy.case_files import closed_without_case
from dtoa.privacy.files import chunks
from dtoa.privacy.registry import Kind, Removal, Window

D, R, L = Detention.__table__.c, Referral.__table__.c, Letter.__table__.c
B, J, E = IngestBatch.__table__.c, JobRun.__table__.c, AuditEvent.__table__.c


def _delete_ids(session: Session, model: type[SQLModel], ids: Sequence[int]) -> int:
    table = model.__table__
    for chunk in chunks(ids):
        session.execute(delete(table).where(table.c.id.in_(chunk)))
    return len(ids)


def _deleter(model: type[SQLModel]):  # noqa: ANN202
    def remove(session: Session, ids: Sequence[int], window: Window) -> Removal:
        removal = Removal()
        removal.delete(model.__tablename__, _delete_ids(session, model, ids))
        return removal
    return remove


def _letters(session: Session, window: Window) -> list[int]:
    """Letters of requirements closed without a case, past the letters' period."""
    return list(session.execute(
        select(L.id).select_from(Letter.__table__.join(Referral.__table__,
                                                       R.id == L.referral_id)
                                 .join(Detention.__table__, D.id == R.detention_id))
        .where(D.anonymised_at.is_(None), closed_without_case(window.cutoff("letters")))
        .order_by(L.id)).scalars())


def _remove_letters(session: Session, ids: Sequence[int], window: Window) -> Removal:
    removal = Removal()
    outbox = window.settings.path("outbox")
    for chunk in chunks(ids):
        removal.files += [outbox / p for p in session.execute(
            select(L.path).where(L.id.in_(chunk))).scalars()]
    removal.delete("letter", _delete_ids(session, Letter, ids))
    return removal


def _rejected_rows(session: Session, window: Window) -> list[int]:
    rejected = RejectedRow.__table__.c
    return list(session.execute(
        select(rejected.id).join(IngestBatch.__table__, B.id == rejected.batch_id)
        .where(B.started_at < window.cutoff("rejected_rows")).order_by(rejected.id)).scalars())


def _ingest_batches(session: Session, window: Window) -> list[int]:
    """Batches past the period that no row points at any more (a detention or test still held
    keeps its batch: the batch's checksum is what stops the same file going in twice)."""
    used = [exists().where(m.__table__.c.batch_id == B.id)
            for m in (Detention, DrugTest, RejectedRow)]
    return list(session.execute(select(B.id).where(
        B.started_at < window.cutoff("ingest_batches"), *(not_(u) for u in used))
        .order_by(B.id)).scalars())


def _ingest_files(session: Session, window: Window) -> list[Path]:
    """Inbox files once taken in (`processed/`, with their `.rejects.csv`) or that could not be
    read (`quarantine/`), by the time they were last written."""
    cutoff = window.cutoff("ingest_files").timestamp()
    found = []
    for folder in (window.settings.path("processed"), window.settings.path("quarantine")):
        if folder.is_dir():
            found += [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
    return sorted(found)


def _remove_files(session: Session, paths: Sequence[Path], window: Window) -> Removal:
    return Removal(files=list(paths))


def _sign_in_records(session: Session, window: Window) -> list[tuple[str, int]]:
    """Web sessions and failed sign-in counts that ended more than the period ago (the web
    application deletes them as it finds them; this catches the ones nobody came back for)."""
    web, end = window.settings.web, window.cutoff("sign_in_records")
    s, t = WebSession.__table__.c, SignInThrottle.__table__.c
    sessions = session.execute(select(s.id).where(
        (s.last_seen_at < end - timedelta(minutes=web.idle_minutes))
        | (s.created_at < end - timedelta(hours=web.session_hours)))).scalars()
    counts = session.execute(select(t.id).where(t.forget_at < end)).scalars()
    return [("web_session", i) for i in sorted(sessions)] + \
        [("sign_in_throttle", i) for i in sorted(counts)]


def _remove_sign_ins(session: Session, keys: Sequence[tuple[str, int]],
                     window: Window) -> Removal:
    removal = Removal()
    for model in (WebSession, SignInThrottle):
        ids = [i for table, i in keys if table == model.__tablename__]
        removal.delete(model.__tablename__, _delete_ids(session, model, ids))
    return removal


def _job_runs(session: Session, window: Window) -> list[int]:
    """Finished runs past the period, but never the last of each job (`dtoa status`)."""
    last = select(func.max(J.id)).group_by(J.job_id)
    return list(session.execute(select(J.id).where(
        J.started_at < window.cutoff("job_runs"), J.status != "running",
        J.id.not_in(last)).order_by(J.id)).scalars())


def _audit_events(session: Session, window: Window) -> list[int]:
    """Events past the period that are not about a record still held (an event about a row
    of a table is kept while that row is). Events about a detention's file went with it."""
    cutoff, tables = window.cutoff("audit_events"), SQLModel.metadata.tables
    found: list[int] = []
    for entity in session.execute(select(E.entity).where(E.at < cutoff).distinct()).scalars():
        query = select(E.id).where(E.at < cutoff, E.entity == entity)
        if entity in tables and "id" in tables[entity].c:
            row = tables[entity].c
            query = query.where(not_(exists().where(row.id == E.entity_id)))
        found += session.execute(query).scalars()
    return sorted(found)


KINDS = (
    Kind("letters", "letters and their PDFs (referral letters, RA1 and RA2 notices) of "
         "requirements closed without a case, from the close; with a case they go with the "
         "file", "1 year", "local policy: a notice proves the requirement was given in writing "
         "(Drugs Act 2005 s.11), needed only while a prosecution may follow",
         "delete", _letters, _remove_letters),
    Kind("rejected_rows", "rows refused at ingest (they keep the raw row, with its personal "
         "data), from the ingest", "90 days", "local policy: long enough to correct and resend "
         "the file", "delete", _rejected_rows, _deleter(RejectedRow)),
    Kind("ingest_batches", "ingest batch records no row points at any more, from the ingest",
         "6 years", "local policy: a batch's checksum stops the same file being taken in again",
         "delete", _ingest_batches, _deleter(IngestBatch)),
    Kind("ingest_files", "files in processed/ (extracts taken in, their .rejects.csv) and "
         "quarantine/, from when they were written", "90 days",
         "local policy: as rejected rows; the records are in the database", "delete",
         _ingest_files, _remove_files),
    Kind("sign_in_records", "web sessions and failed sign-in counts, from when they ended",
         "0 days", "local policy: of no use once ended", "delete", _sign_in_records,
         _remove_sign_ins),
    Kind("job_runs", "scheduled and nightly run records (counts only), from the run; the "
         "last of each job is kept", "2 years", "local policy", "delete", _job_runs,
         _deleter(JobRun)),
    Kind("audit_events", "audit events not about a record still held (accounts, retention "
         "runs, records deleted), from the event", "6 years",
         "local policy: the Limitation Act 1980 s.2 gives six years to claim, e.g. "
         "compensation under DPA 2018 s.169", "delete", _audit_events, _deleter(AuditEvent)),
)
