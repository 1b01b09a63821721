"""Every user's own account page: changing one's password. The current password is required
(a session left open on a desk cannot be turned into a new password), wrong ones count towards
the sign-in lockout like failed sign-ins, and the change ends the user's other sessions."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from dtoa.accounts import MIN_PASSWORD_LENGTH, AccountError, WrongPassword, change_own_password
from dtoa.log import get_logger
from dtoa.store import session_scope
from dtoa.store.throttle import lock_on, record_failure
from dtoa.web.auth import HOME, SignedIn, client_address, locked_out, now_utc
from dtoa.web.pages import flash, redirect, render, runtime_of

log = get_logger("dtoa.web")
router = APIRouter(prefix="/account")
TEMPLATE = "account/password.html"


@router.get("/password")
def password_form(request: Request, user: SignedIn):
    return render(request, TEMPLATE, errors={}, min_length=MIN_PASSWORD_LENGTH)


@router.post("/password")
def change_password(request: Request, user: SignedIn, current_password: str = Form(""),
                    new_password: str = Form(""), confirm_password: str = Form("")):
    runtime = runtime_of(request)
    now, address = now_utc(request), client_address(request)
    lock = lock_on(runtime.engine, now, user.username, address)
    if lock is not None:
        return locked_out(request, lock, user=user.username, template=TEMPLATE, errors={},
                          min_length=MIN_PASSWORD_LENGTH)
    errors = {}
    if new_password != confirm_password:
        errors["confirm_password"] = "the two new passwords differ"
    else:
        try:
            with session_scope(runtime.engine) as session:
                change_own_password(session, runtime.clock, username=user.username,
                                    current=current_password, new=new_password,
                                    keep_session=request.state.web_session.id)
        except WrongPassword as exc:
            errors["current_password"] = str(exc)
            lock = record_failure(runtime.engine, runtime.settings.web, now, user.username,
                                  address)
            if lock is not None:
                return locked_out(request, lock, user=user.username, template=TEMPLATE,
                                  errors=errors, min_length=MIN_PASSWORD_LENGTH)
        except AccountError as exc:
            errors["new_password"] = str(exc)
    if errors:
        return render(request, TEMPLATE, status=422, errors=errors,
                      min_length=MIN_PASSWORD_LENGTH)
    log.info("web.password_changed", user=user.username)
    flash(request, "Password changed. Any other session of yours has been signed out.")
    return redirect(HOME[user.role])
