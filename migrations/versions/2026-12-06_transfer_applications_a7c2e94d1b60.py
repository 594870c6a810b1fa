"""Transfer applications: their drafts, what moves, and each agency step

Revision ID: a7c2e94d1b60
Revises: 5c8e1f3a9b27
Create Date: 2026-12-06 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import GUID, DateTimeUTC


revision = 'a7c2e94d1b60'
down_revision = '5c8e1f3a9b27'
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
        sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    ]


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('insurance_transfers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=24), server_default='transfer', nullable=False)
        )
        batch_op.add_column(sa.Column('applied_by_person_id', GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column('account_amount', sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column('pooled_amount', sa.Numeric(14, 2), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_insurance_transfers_applied_by_person_id_people'),
            'people',
            ['applied_by_person_id'],
            ['id'],
            ondelete='SET NULL',
        )
    op.create_table(
        'insurance_transfer_events',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('transfer_id', GUID(length=16), nullable=False),
        sa.Column('state', sa.String(length=24), nullable=False),
        sa.Column('agency', sa.String(length=8), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ['transfer_id'],
            ['insurance_transfers.id'],
            name=op.f('fk_insurance_transfer_events_transfer_id_insurance_transfers'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_transfer_events')),
    )
    op.create_index(
        op.f('ix_insurance_transfer_events_transfer_id'),
        'insurance_transfer_events',
        ['transfer_id'],
        unique=False,
    )
    op.create_table(
        'transfer_drafts',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('holder_account_id', GUID(length=16), nullable=False),
        sa.Column('person_id', GUID(length=16), nullable=False),
        sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('line', sa.String(length=16), nullable=True),
        sa.Column('from_region', sa.String(length=6), nullable=True),
        sa.Column('to_region', sa.String(length=6), nullable=True),
        sa.Column('temporary', sa.Boolean(), nullable=False),
        sa.Column('regions_done', sa.Boolean(), nullable=False),
        sa.Column('checked', sa.Boolean(), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ['holder_account_id'],
            ['holder_accounts.id'],
            name=op.f('fk_transfer_drafts_holder_account_id_holder_accounts'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['person_id'],
            ['people.id'],
            name=op.f('fk_transfer_drafts_person_id_people'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_drafts')),
    )
    op.create_index(
        'ux_transfer_drafts_holder_person',
        'transfer_drafts',
        ['holder_account_id', 'person_id'],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index('ux_transfer_drafts_holder_person', table_name='transfer_drafts')
    op.drop_table('transfer_drafts')
    op.drop_index(
        op.f('ix_insurance_transfer_events_transfer_id'), table_name='insurance_transfer_events'
    )
    op.drop_table('insurance_transfer_events')
    with op.batch_alter_table('insurance_transfers', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_insurance_transfers_applied_by_person_id_people'), type_='foreignkey'
        )
        batch_op.drop_column('pooled_amount')
        batch_op.drop_column('account_amount')
        batch_op.drop_column('applied_by_person_id')
        batch_op.drop_column('kind')
