"""What each message says. A provider's email carries the referral's reference, the
appointment's time and place and a link to the provider portal, and nothing about the person:
no name, no date of birth, no test result, no reason a requirement fell (that could tell a
result). A person's reminder or change notice carries the time, the place and the reference
only, as GOV.UK Notify personalisation for a template named in config.toml."""

from __future__ import annotations

import json
from datetime import datetime

from dtoa.config import Settings
from dtoa.referrals.wording import long_date, long_instant
from dtoa.rules.states import MessageKind

FOOTER = ("This email holds no personal details. Please keep it that way in any reply: the "
          "referral and the person's details are in the provider portal.")


def _portal(settings: Settings, reference: str) -> str:
    return f"{settings.notifications.email.portal_url.rstrip('/')}/provider/referral/{reference}"


def provider_email(settings: Settings, kind: MessageKind, *, reference: str, provider: str,
                   at: datetime, place: str, was: datetime | None = None
                   ) -> tuple[str, str]:
    """(subject, body) of a provider's email about one referral."""
    name = settings.providers_by_code[provider].name
    when = long_instant(at, settings) + " (UK time)"
    if kind == MessageKind.REFERRAL_SERVED:
        subject = f"DToA referral {reference}: new requirement to attend assessment"
        lead = (f"A requirement to attend an initial assessment (Drugs Act 2005 s.9) has been "
                f"served in police custody, and the person is referred to {name}.")
        lines = [f"Initial assessment: {when}", f"Place: {place}"]
    elif kind == MessageKind.APPOINTMENT_CHANGED:
        subject = f"DToA referral {reference}: assessment moved"
        lead = f"An assessment for referral {reference} has a new time."
        lines = [f"Was: {long_instant(was, settings)} (UK time)" if was else "",
                 f"Now: {when}", f"Place: {place}"]
    else:
        subject = f"DToA referral {reference}: requirement withdrawn"
        lead = (f"The requirement to attend assessment for referral {reference} has been "
                "withdrawn. The booked assessment is cancelled and its place is free; nothing "
                "more is needed.")
        lines = [f"Cancelled assessment: {when}", f"Place: {place}"]
    body = "\n".join([lead, "", f"Reference: {reference}", *[x for x in lines if x], "",
                      "Provider portal:", _portal(settings, reference), "", FOOTER, ""])
    return subject, body


def personalisation(settings: Settings, *, reference: str, at: datetime, place: str) -> str:
    """The Notify personalisation (JSON): time, place and reference only."""
    local = at.astimezone(settings.tz)
    return json.dumps({"reference": reference, "date": long_date(local.date()),
                       "time": f"{local:%H:%M}", "place": place}, sort_keys=True)


def template_for(settings: Settings, kind: MessageKind, sms: bool) -> str:
    templates = settings.notifications.notify.templates
    if kind == MessageKind.REMINDER:
        return templates.reminder_sms if sms else templates.reminder_email
    return templates.change_sms if sms else templates.change_email
