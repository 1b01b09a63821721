"""The custody process as the law runs it (issue 11): charge time, conditions judged at the
sample, flags, samples 1 and 2, results per panel drug.

- detention: charged_at, authority_unrecorded, local_time_ambiguous; ineligible_reason checked
  (an authority without an inspector named is no longer a reason: flagged instead); every
  detention is re-judged by the next eligibility step (rules_version cleared).
- drug_test: sample (1, or 2 for a further sample), further_sample_reason, superseded,
  condition, positive_specified, local_time_ambiguous; the cocaine and opiates columns become
  rows of sample_result; result is one word (positive_cocaine|opiates|both become positive).

Revision ID: 0003_custody_process
Revises: 0002_typed_states
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_custody_process"
down_revision: str | None = "0002_typed_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESULTS = ("negative", "positive", "refused", "failed_to_provide", "not_tested", "unsuitable",
           "insufficient")
OUTCOMES = ("tested", "refused", "failed_to_provide", "not_tested", "unsuitable",
            "insufficient")
REASONS = ("not_trigger_no_authority", "suite_not_live", "under_age")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    false = sa.false()
    with op.batch_alter_table("detention") as batch:
        batch.add_column(sa.Column("charged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("authority_unrecorded", sa.Boolean(), nullable=False,
                                   server_default=false))
        batch.add_column(sa.Column("local_time_ambiguous", sa.Boolean(), nullable=False,
                                   server_default=false))
    op.execute("UPDATE detention SET authority_unrecorded = (inspector_authorised AND "
               "coalesce(trim(authorising_inspector), '') = ''), rules_version = '', "
               "ineligible_reason = CASE WHEN ineligible_reason = 'authority_without_inspector' "
               "THEN NULL ELSE ineligible_reason END")
    with op.batch_alter_table("detention") as batch:
        batch.alter_column("ineligible_reason", type_=sa.String(32), existing_type=sa.String())
        batch.create_check_constraint("ck_detention_ineligible_reason",
                                      _in("ineligible_reason", REASONS))

    op.create_table(
        "sample_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drug_test_id", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["drug_test_id"], ["drug_test.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("drug_test_id", "drug", name="uq_sample_result_drug"),
    )
    op.create_index("ix_sample_result_drug_test_id", "sample_result", ["drug_test_id"])
    for drug in ("cocaine", "opiates"):
        op.execute(f"INSERT INTO sample_result (drug_test_id, drug, positive) "
                   f"SELECT id, '{drug}', {drug} FROM drug_test WHERE {drug} IS NOT NULL")

    unique = "drug_test_detention_id_key" if postgresql else "uq_drug_test_detention_id"
    with op.batch_alter_table("drug_test", naming_convention={
            "uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
        batch.drop_constraint(unique, type_="unique")
        batch.add_column(sa.Column("sample", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("further_sample_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("superseded", sa.Boolean(), nullable=False,
                                   server_default=false))
        batch.add_column(sa.Column("condition", sa.String(32), nullable=True))
        batch.add_column(sa.Column("positive_specified", sa.Boolean(), nullable=False,
                                   server_default=false))
        batch.add_column(sa.Column("local_time_ambiguous", sa.Boolean(), nullable=False,
                                   server_default=false))
    # Before this revision every sample was under the arrest condition (no charge was known),
    # and every positive was for cocaine or heroin, specified throughout.
    op.execute("UPDATE drug_test SET "
               "positive_specified = (result LIKE 'positive%'), "
               "result = CASE WHEN result LIKE 'positive%' THEN 'positive' ELSE result END, "
               "condition = CASE WHEN outcome = 'not_tested' THEN NULL ELSE 'arrest' END")
    with op.batch_alter_table("drug_test") as batch:
        batch.drop_column("cocaine")
        batch.drop_column("opiates")
        batch.drop_constraint("ck_drug_test_outcome", type_="check")
        batch.create_check_constraint("ck_drug_test_outcome", _in("outcome", OUTCOMES))
        batch.alter_column("result", type_=sa.String(32), existing_type=sa.String())
        batch.create_check_constraint("ck_drug_test_result", _in("result", RESULTS))
        batch.create_check_constraint("ck_drug_test_further_sample_reason",
                                      _in("further_sample_reason",
                                          ("unsuitable", "insufficient")))
        batch.create_check_constraint("ck_drug_test_condition",
                                      _in("condition", ("arrest", "charge")))
        batch.create_unique_constraint("uq_drug_test_sample", ["detention_id", "sample"])
        batch.create_index("ix_drug_test_detention_id", ["detention_id"])


def downgrade() -> None:
    raise NotImplementedError("restore the backup taken before `dtoa db upgrade`: results per "
                              "drug and second samples cannot be folded back")
