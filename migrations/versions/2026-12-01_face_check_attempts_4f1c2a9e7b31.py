"""face check attempts; the wizard's PIN step lives in the session

Revision ID: 4f1c2a9e7b31
Revises: bdead8f57221
Create Date: 2026-12-01 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import DateTimeUTC


revision = '4f1c2a9e7b31'
down_revision = 'bdead8f57221'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('affinity_drafts', schema=None) as batch_op:
        batch_op.drop_column('pin_verified_at')


def downgrade() -> None:
    with op.batch_alter_table('affinity_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_verified_at', DateTimeUTC(timezone=True), nullable=True))
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_column('attempts')
