"""Urban–rural conversions: what they count, move and refund, the face check that confirms one,
and their drafts

Revision ID: e5b9c2d7a318
Revises: e6a4c1d8b392
Create Date: 2026-12-06 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = 'e5b9c2d7a318'
down_revision = 'e6a4c1d8b392'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('insurance_transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('overlap_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refund_amount', sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column('confirmed_check_id', GUID(length=16), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_insurance_transfers_confirmed_check_id'), ['confirmed_check_id']
        )
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_id', GUID(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_face_checks_transfer_id_insurance_transfers'),
            'insurance_transfers',
            ['transfer_id'],
            ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_index(batch_op.f('ix_face_checks_transfer_id'), ['transfer_id'], unique=False)
    op.create_table(
        'conversion_drafts',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('holder_account_id', GUID(length=16), nullable=False),
        sa.Column('person_id', GUID(length=16), nullable=False),
        sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('declared', sa.Boolean(), nullable=False),
        sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
        sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['holder_account_id'],
            ['holder_accounts.id'],
            name=op.f('fk_conversion_drafts_holder_account_id_holder_accounts'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['person_id'],
            ['people.id'],
            name=op.f('fk_conversion_drafts_person_id_people'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversion_drafts')),
    )
    op.create_index(
        'ux_conversion_drafts_holder_person',
        'conversion_drafts',
        ['holder_account_id', 'person_id'],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index('ux_conversion_drafts_holder_person', table_name='conversion_drafts')
    op.drop_table('conversion_drafts')
    op.execute("DELETE FROM face_checks WHERE purpose = 'conversion'")
    op.execute("DELETE FROM insurance_transfers WHERE kind IN ('to_employee', 'to_resident')")
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_checks_transfer_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_face_checks_transfer_id_insurance_transfers'), type_='foreignkey'
        )
        batch_op.drop_column('transfer_id')
    with op.batch_alter_table('insurance_transfers', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_insurance_transfers_confirmed_check_id'), type_='unique'
        )
        batch_op.drop_column('confirmed_check_id')
        batch_op.drop_column('refund_amount')
        batch_op.drop_column('overlap_months')
        batch_op.drop_column('counted_months')
