"""A lease on a face check, so workers claim pending checks one at a time and fairly

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
        batch_op.add_column(sa.Column('running_until', DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_column('running_until')
