"""Unusable face photos in a row, counted on the binding

Revision ID: 4e7a1c9b3d52
Revises: 9d4b2f6e1a35
Create Date: 2026-12-01 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '4e7a1c9b3d52'
down_revision = '9d4b2f6e1a35'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('affinity_bindings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('face_unusable_recent', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('affinity_bindings', schema=None) as batch_op:
        batch_op.drop_column('face_unusable_recent')
