"""Scan login: the city a browser asked from, when an IP-to-city database knows it

Revision ID: f1a2c3d4e5b6
Revises: e5b7c2d9a4f1
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f1a2c3d4e5b6'
down_revision = 'e5b7c2d9a4f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scan_logins', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('source_city', sa.String(length=60), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('scan_logins', schema=None) as batch_op:
        batch_op.drop_column('source_city')
