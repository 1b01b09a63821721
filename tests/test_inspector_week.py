"""The inspector's funnel page opens on the current week (arrests so far), one click from the
week before, and says a failure rate is not yet known while assessments are awaited."""

from __future__ import annotations

from datetime import UTC, datetime

from dtoa.accounts import add_user
from dtoa.store import session_scope
from dtoa.testing import make_referral
from dtoa.web import create_app
from dtoa.web.testing import signed_in

PASSWORD = "correct horse battery"


def test_the_page_opens_on_this_week_with_the_previous_week_one_click_away(runtime):
    runtime.clock.set(datetime(2022, 10, 27, 12, tzinfo=UTC))  # Thursday of 2022-W43
    with session_scope(runtime.engine) as session:
        add_user(session, runtime.settings, runtime.clock, username="insp", password=PASSWORD,
                 role="inspector", actor="test")
        make_referral(session, appointment_at=datetime(2022, 10, 28, 9, tzinfo=UTC))
    client = signed_in(create_app(runtime), "insp", PASSWORD)
    page = client.get("/inspector").text
    assert "<strong>This week (2022-W43, arrests so far)</strong>" in page
    assert 'id="previous-week" href="/inspector?week=2022-W42">← Previous week (2022-W42)' in page
    assert 'id="next-week"' not in page  # no week after this one yet
    assert '<td class="num" data-rate="fta_rate">not yet known</td>' in page
    before = client.get("/inspector?week=2022-W42").text
    assert 'id="this-week" href="/inspector">This week (2022-W43)' in before
    assert 'id="next-week" href="/inspector?week=2022-W43">Next week (2022-W43) →' in before
