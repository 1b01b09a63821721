"""Administrator pages: the list of accounts, adding one, switching one off or on; and the files
the nightly run set aside in quarantine, with when and why (issue 12: nothing lost unseen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session

from dtoa.accounts import AccountError, UnknownUser, add_user, set_active
from dtoa.models import User
from dtoa.models.users import ROLES
from dtoa.status import in_quarantine
from dtoa.store import give_reason, session_scope
from dtoa.web.auth import require
from dtoa.web.pages import flash, render, runtime_of

router = APIRouter(prefix="/admin")
AdminUser = Annotated[User, Depends(require("admin"))]


@router.get("/users")
def users(request: Request, user: AdminUser):
    return _users_page(request)


def _users_page(request: Request, *, error: str | None = None, form: dict | None = None,
                status: int = 200):
    runtime = runtime_of(request)
    with Session(runtime.engine) as session:
        accounts = session.execute(select(User).order_by(User.username)).scalars().all()
    return render(request, "admin/users.html", status=status, accounts=accounts, roles=ROLES,
                  error=error, form=form or {}, quarantined=in_quarantine(runtime.settings))


@router.post("/users")
async def create(request: Request, user: AdminUser):
    runtime = runtime_of(request)
    form = {k: str(v).strip() for k, v in (await request.form()).items() if k != "csrf_token"}
    role = form.get("role", "")
    try:
        with session_scope(runtime.engine) as session:
            add_user(session, runtime.settings, runtime.clock, username=form.get("username", ""),
                     password=form.get("password", ""), role=role,
                     force=form.get("force") if role == "custody" else None,
                     provider=form.get("provider") if role == "provider" else None,
                     actor=user.username)
    except AccountError as exc:
        form.pop("password", None)
        return _users_page(request, error=str(exc), form=form, status=422)
    flash(request, f"User {form['username']} added.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/active")
async def active(request: Request, username: str, user: AdminUser):
    runtime = runtime_of(request)
    form = await request.form()
    switch_on = form.get("active") == "true"
    try:
        with session_scope(runtime.engine) as session:
            give_reason(session, str(form.get("reason", "")))
            set_active(session, runtime.clock, username=username, active=switch_on,
                       actor=user.username)
    except UnknownUser as exc:
        return _users_page(request, error=str(exc), status=404)
    except AccountError as exc:
        return _users_page(request, error=str(exc), status=409)
    flash(request, f"User {username} {'switched on' if switch_on else 'switched off'}.")
    return RedirectResponse("/admin/users", status_code=303)
