"""Face checks take turns between holders, and a worker leases the check it runs

Revision ID: b7d2e4a91c60
Revises: 4e7a1c9b3d52
Create Date: 2026-12-06 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import DateTimeUTC


revision = 'b7d2e4a91c60'
down_revision = '4e7a1c9b3d52'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('turn', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('running_until', DateTimeUTC(timezone=True), nullable=True))
        batch_op.create_index(
            'ix_face_checks_pending_turn',
            ['turn', 'created_at'],
            unique=False,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_face_checks_pending_turn')
        batch_op.drop_column('running_until')
        batch_op.drop_column('turn')
