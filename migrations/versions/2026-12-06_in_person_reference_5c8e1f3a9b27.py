"""A binding sent to staff carries the reference code of the holder's slip

Revision ID: 5c8e1f3a9b27
Revises: b7d2e4a91c60
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '5c8e1f3a9b27'
down_revision = 'b7d2e4a91c60'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('affinity_bindings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_person_reference', sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint(
            'uq_affinity_bindings_in_person_reference', ['in_person_reference']
        )


def downgrade() -> None:
    with op.batch_alter_table('affinity_bindings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_affinity_bindings_in_person_reference', type_='unique')
        batch_op.drop_column('in_person_reference')
