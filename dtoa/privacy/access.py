"""Subject access (DPA 2018 s.45): everything held about one person, as JSON and as a readable
PDF, in a new folder.

A person is a person reference within one force: references are the force's own, so the same
reference at another force's suites is someone else, and is never exported with it (when a
reference is found at more than one force, the force must be named). Everything in the person's
detention files is exported (detentions, offences, samples and per-drug results, requirements,
appointments, letters with their PDFs' paths, prosecution cases, and the audit events about
those records) and the rejected rows that carry the person reference, or the custody reference
of one of their detentions at its suite. Anonymised detentions are no longer about anyone and
are not exported.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from dtoa.clock import Clock, as_utc
from dtoa.config import Settings
from dtoa.models import (
    Appointment,
    Detention,
    DetentionOffence,
    DrugTest,
    Letter,
    ProsecutionCase,
    Referral,
    RejectedRow,
    SampleResult,
)
from dtoa.privacy.catalogue import SECTIONS
from dtoa.privacy.files import audit_events, gather
from dtoa.render import html_to_pdf, render_html, write_atomically

TEMPLATE = "privacy/subject_access.html"


class SubjectAccessError(ValueError):
    """A request that cannot be answered as asked, in words a person can act on."""


@dataclass(frozen=True)
class Export:
    folder: Path
    json_path: Path
    pdf_path: Path
    counts: dict[str, int]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: SQLModel) -> dict[str, Any]:
    return {c.name: _plain(getattr(row, c.name)) for c in row.__table__.columns}


def _all(session: Session, model: type[SQLModel], column, value) -> list:  # noqa: ANN001
    return list(session.execute(select(model).where(column == value)
                                .order_by(model.id)).scalars())


def _file(session: Session, detention: Detention) -> dict[str, Any]:
    """One detention's file, nested as a person would read it."""
    files = gather(session, [detention.id])
    out = _row(detention)
    out["offences"] = [_row(o) for o in _all(session, DetentionOffence,
                                             DetentionOffence.detention_id, detention.id)]
    out["samples"] = [
        {**_row(t), "results": {r.drug: r.positive for r in _all(
            session, SampleResult, SampleResult.drug_test_id, t.id)}}
        for t in _all(session, DrugTest, DrugTest.detention_id, detention.id)]
    out["referrals"] = [
        {**_row(r),
         "appointments": [_row(a) for a in _all(session, Appointment,
                                                Appointment.referral_id, r.id)],
         "letters": [_row(x) for x in _all(session, Letter, Letter.referral_id, r.id)],
         "prosecution_cases": [_row(c) for c in _all(session, ProsecutionCase,
                                                     ProsecutionCase.referral_id, r.id)]}
        for r in _all(session, Referral, Referral.detention_id, detention.id)]
    out["audit_events"] = [
        {"at": _plain(e.at), "actor": e.actor, "record": e.entity, "record_id": e.entity_id,
         "action": e.action, "changes": json.loads(e.changes), "reason": e.reason}
        for e in audit_events(session, files)]
    return out


def _fields(raw: str) -> list[str]:
    return next(csv.reader([raw]), [])


def _rejected(session: Session, person_ref: str, refs: Iterable[tuple[str, str]],
              suites: set[str]) -> list[RejectedRow]:
    """Rejected rows whose fields hold the person reference next to one of `suites`, or the
    (suite, custody reference) of one of the person's detentions."""
    refs = set(refs)
    needles = {person_ref} | {ref for _, ref in refs}
    candidates = session.execute(select(RejectedRow).where(or_(*(
        RejectedRow.raw.contains(n, autoescape=True) for n in needles)))
        .order_by(RejectedRow.id)).scalars()
    found = []
    for row in candidates:
        fields = set(_fields(row.raw))
        if (person_ref in fields and fields & suites) or any(
                ref in fields and suite in fields for suite, ref in refs):
            found.append(row)
    return found


def _force_suites(session: Session, settings: Settings, person_ref: str,
                  force: str | None) -> tuple[str, set[str]]:
    by_force: dict[str, set[str]] = {}
    for suite in settings.suites:
        by_force.setdefault(suite.force, set()).add(suite.code)
    if force is not None:
        if force not in by_force:
            raise SubjectAccessError(f"unknown force {force!r}; configured: "
                                     + "; ".join(by_force))
        return force, by_force[force]
    held = set(session.execute(select(Detention.suite).where(
        Detention.person_ref == person_ref, Detention.anonymised_at.is_(None))
        .distinct()).scalars())
    forces = sorted({s.force for s in settings.suites if s.code in held})
    if len(forces) > 1:
        raise SubjectAccessError("that person reference is held at suites of more than one "
                                 f"force ({'; '.join(forces)}): each force's references are "
                                 "its own, so give --force")
    # a suite no longer configured has no force to tell it by: with no force named, its
    # records are the person's too
    unconfigured = held - {s.code for s in settings.suites}
    if forces:
        return forces[0], by_force[forces[0]] | unconfigured
    return "", {s.code for s in settings.suites} | unconfigured


def gather_person(session: Session, settings: Settings, person_ref: str,
                  force: str | None) -> dict[str, Any]:
    """Everything held about the person, as plain data (what the JSON holds)."""
    force_name, suites = _force_suites(session, settings, person_ref, force)
    detentions = list(session.execute(select(Detention).where(
        Detention.person_ref == person_ref, Detention.anonymised_at.is_(None),
        Detention.suite.in_(sorted(suites))).order_by(Detention.arrested_at, Detention.id))
        .scalars())
    rejected = _rejected(session, person_ref, [(d.suite, d.custody_ref) for d in detentions],
                         suites)
    if not force_name:  # held in no detention: the rejected rows must be of one force
        forces = {s.force for s in settings.suites for r in rejected
                  if s.code in _fields(r.raw)}
        if len(forces) > 1:
            raise SubjectAccessError("that person reference is in rejected rows of more than "
                                     f"one force ({'; '.join(sorted(forces))}): give --force")
    ids = [d.id for d in detentions]
    return {"person_ref": person_ref, "force": force_name or None,
            "detentions": [_file(session, d) for d in detentions],
            "rejected_rows": [_row(r) for r in rejected],
            "other": {section.name: [{k: _plain(v) for k, v in row.items()} for row in
                                     section.gather(session, person_ref, frozenset(suites), ids)]
                      for section in SECTIONS}}


def counts_of(held: dict[str, Any]) -> dict[str, int]:
    files = held["detentions"]
    referrals = [r for d in files for r in d["referrals"]]
    return {"detentions": len(files), "samples": sum(len(d["samples"]) for d in files),
            "referrals": len(referrals),
            "appointments": sum(len(r["appointments"]) for r in referrals),
            "letters": sum(len(r["letters"]) for r in referrals),
            "prosecution_cases": sum(len(r["prosecution_cases"]) for r in referrals),
            "audit_events": sum(len(d["audit_events"]) for d in files),
            "rejected_rows": len(held["rejected_rows"]),
            **{name: len(rows) for name, rows in held["other"].items()}}


def _new_folder(parent: Path, now: datetime) -> Path:
    base = parent / f"subject-access-{as_utc(now):%Y%m%dT%H%M%SZ}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    folder.mkdir(parents=True)
    return folder


def subject_access(engine: Engine, settings: Settings, clock: Clock, *, person_ref: str,
                   force: str | None = None, into: Path | None = None) -> Export:
    """Write `subject-access.json` and `subject-access.pdf` into a new folder under `into`
    (default: `subject-access/` beside the configuration) and say where."""
    person_ref = person_ref.strip()
    if not person_ref:
        raise SubjectAccessError("give the person reference")
    now = as_utc(clock.now())
    with Session(engine) as session:
        held = gather_person(session, settings, person_ref, force)
    document = {"made_at": now.isoformat(), "law": "DPA 2018 s.45 (right of access)",
                "outbox": str(settings.path("outbox")), **held}
    counts = counts_of(held)
    folder = _new_folder(Path(into) if into else settings.base_dir / "subject-access", now)
    json_path, pdf_path = folder / "subject-access.json", folder / "subject-access.pdf"
    write_atomically(json_path, json.dumps(document, indent=2, sort_keys=True,
                                           ensure_ascii=False).encode("utf-8"))
    html = render_html(TEMPLATE, {"doc": document, "counts": counts,
                                  "made_on": now.astimezone(settings.tz)})
    write_atomically(pdf_path, html_to_pdf(html))
    return Export(folder, json_path, pdf_path, counts)
