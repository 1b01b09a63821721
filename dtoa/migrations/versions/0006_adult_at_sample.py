"""Whether each sample was of a person 18 or over on its local date (Drugs Act 2005 s.9(1)(b)),
stored at ingest: the funnel's positive_no_requirement counted it on the sample's UTC date, a
day early for a sample between midnight and 01:00 in summer time.

Revision ID: 0006_adult_at_sample
Revises: 0005_requirement_served
"""

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0006_adult_at_sample"
down_revision: str | None = "0005_requirement_served"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONDON = ZoneInfo("Europe/London")  # the zone every build so far has used


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def upgrade() -> None:
    with op.batch_alter_table("drug_test") as batch:
        batch.add_column(sa.Column("adult_at_sample", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    bind = op.get_bind()
    tests = sa.table("drug_test", sa.column("id", sa.Integer),
                     sa.column("detention_id", sa.Integer),
                     sa.column("tested_at", sa.DateTime(timezone=True)),
                     sa.column("adult_at_sample", sa.Boolean))
    detentions = sa.table("detention", sa.column("id", sa.Integer),
                          sa.column("birth_date", sa.Date))
    rows = bind.execute(sa.select(tests.c.id, tests.c.tested_at, detentions.c.birth_date)
                        .join(detentions, detentions.c.id == tests.c.detention_id)).all()
    adults = []
    for test_id, tested_at, born in rows:
        if isinstance(tested_at, str):  # SQLite keeps UTC text
            tested_at = sa.DateTime().result_processor(bind.dialect, None)(tested_at)
        if tested_at.tzinfo is None:
            tested_at = tested_at.replace(tzinfo=ZoneInfo("UTC"))
        if isinstance(born, str):
            born = date.fromisoformat(born)
        if _age(born, tested_at.astimezone(LONDON).date()) >= 18:
            adults.append({"test_id": test_id})
    if adults:
        bind.execute(tests.update().where(tests.c.id == sa.bindparam("test_id"))
                     .values(adult_at_sample=True), adults)


def downgrade() -> None:
    with op.batch_alter_table("drug_test") as batch:
        batch.drop_column("adult_at_sample")
