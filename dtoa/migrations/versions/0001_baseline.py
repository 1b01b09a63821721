"""Baseline: the schema every build made with create_all up to commit a67dc29.

A database made by such a build has these tables and no alembic_version; `dtoa db upgrade`
stamps it with this revision and goes on from here (dtoa.store.schema).

Revision ID: 0001_baseline
Revises: (none)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001_baseline'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('entity', sa.String(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('ingest_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ingest_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_batch_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_ingest_batch_sha256'), ['sha256'], unique=False)

    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'scheduled_for', name='uq_job_run_firing')
    )
    op.create_table('web_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('force', sa.String(), nullable=True),
    sa.Column('provider', sa.String(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('detention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(), nullable=False),
    sa.Column('custody_ref', sa.String(), nullable=False),
    sa.Column('person_ref', sa.String(), nullable=False),
    sa.Column('person_name', sa.String(), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('arrested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('arrest_date', sa.Date(), nullable=False),
    sa.Column('offence_codes', sa.String(), nullable=False),
    sa.Column('inspector_authorised', sa.Boolean(), nullable=False),
    sa.Column('authorising_inspector', sa.String(), nullable=True),
    sa.Column('authorised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('authority_grounds', sa.String(), nullable=True),
    sa.Column('home_area', sa.String(), nullable=True),
    sa.Column('in_scope', sa.Boolean(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('under_age', sa.Boolean(), nullable=False),
    sa.Column('ineligible_reason', sa.String(), nullable=True),
    sa.Column('route', sa.String(), nullable=True),
    sa.Column('trigger_offence', sa.String(), nullable=True),
    sa.Column('rules_version', sa.String(), nullable=False),
    sa.Column('row_hash', sa.String(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batch.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('suite', 'custody_ref', name='uq_detention_suite_ref')
    )
    with op.batch_alter_table('detention', schema=None) as batch_op:
        batch_op.create_index('ix_detention_arrest_date_suite', ['arrest_date', 'suite'], unique=False)
        batch_op.create_index(batch_op.f('ix_detention_rules_version'), ['rules_version'], unique=False)

    op.create_table('rejected_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rejected_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_row_batch_id'), ['batch_id'], unique=False)

    op.create_table('detention_offence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detention_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(), nullable=False),
    sa.Column('offence_key', sa.String(), nullable=True),
    sa.Column('is_trigger', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['detention_id'], ['detention.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('detention_offence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_detention_offence_detention_id'), ['detention_id'], unique=False)

    op.create_table('drug_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('detention_id', sa.Integer(), nullable=False),
    sa.Column('tested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('cocaine', sa.Boolean(), nullable=True),
    sa.Column('opiates', sa.Boolean(), nullable=True),
    sa.Column('result', sa.String(), nullable=False),
    sa.Column('not_tested_reason', sa.String(), nullable=True),
    sa.Column('officer_ref', sa.String(), nullable=True),
    sa.Column('appropriate_adult', sa.Boolean(), nullable=True),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.Column('lab_confirmed', sa.Boolean(), nullable=True),
    sa.Column('declared_medication', sa.String(), nullable=True),
    sa.Column('row_hash', sa.String(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batch.id'], ),
    sa.ForeignKeyConstraint(['detention_id'], ['detention.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('detention_id')
    )
    with op.batch_alter_table('drug_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drug_test_result'), ['result'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(), nullable=False),
    sa.Column('detention_id', sa.Integer(), nullable=False),
    sa.Column('drug_test_id', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(), nullable=False),
    sa.Column('provider', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('no_capacity', sa.Boolean(), nullable=False),
    sa.Column('state_reason', sa.String(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['detention_id'], ['detention.id'], ),
    sa.ForeignKeyConstraint(['drug_test_id'], ['drug_test.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('detention_id'),
    sa.UniqueConstraint('drug_test_id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_provider'), ['provider'], unique=False)
        batch_op.create_index('ix_referral_retry', ['no_capacity', 'state', 'deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_suite'), ['suite'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('provider', sa.String(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.ForeignKeyConstraint(['replaces_id'], ['appointment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_provider_slot', ['provider', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_state'), ['state'], unique=False)

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('amended', sa.Boolean(), nullable=False),
    sa.Column('content_key', sa.String(), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id', 'kind', 'version', name='uq_letter_version')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_referral_id'), ['referral_id'], unique=False)

    op.create_table('prosecution_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('offence', sa.String(), nullable=False),
    sa.Column('failure_on', sa.Date(), nullable=False),
    sa.Column('time_limit_on', sa.Date(), nullable=False),
    sa.Column('warn_from', sa.Date(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('appointment_id')
    )
    with op.batch_alter_table('prosecution_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prosecution_case_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prosecution_case_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('prosecution_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prosecution_case_state'))
        batch_op.drop_index(batch_op.f('ix_prosecution_case_referral_id'))

    op.drop_table('prosecution_case')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_referral_id'))

    op.drop_table('letter')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_state'))
        batch_op.drop_index(batch_op.f('ix_appointment_referral_id'))
        batch_op.drop_index('ix_appointment_provider_slot')

    op.drop_table('appointment')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_suite'))
        batch_op.drop_index(batch_op.f('ix_referral_state'))
        batch_op.drop_index('ix_referral_retry')
        batch_op.drop_index(batch_op.f('ix_referral_provider'))

    op.drop_table('referral')
    with op.batch_alter_table('drug_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drug_test_result'))

    op.drop_table('drug_test')
    with op.batch_alter_table('detention_offence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_detention_offence_detention_id'))

    op.drop_table('detention_offence')
    with op.batch_alter_table('rejected_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejected_row_batch_id'))

    op.drop_table('rejected_row')
    with op.batch_alter_table('detention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_detention_rules_version'))
        batch_op.drop_index('ix_detention_arrest_date_suite')

    op.drop_table('detention')
    op.drop_table('web_user')
    op.drop_table('job_run')
    with op.batch_alter_table('ingest_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_batch_sha256'))
        batch_op.drop_index(batch_op.f('ix_ingest_batch_kind'))

    op.drop_table('ingest_batch')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity')

    op.drop_table('audit_event')
