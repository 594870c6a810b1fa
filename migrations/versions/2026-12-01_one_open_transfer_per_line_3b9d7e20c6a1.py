"""one open transfer per person and line

Revision ID: 3b9d7e20c6a1
Revises: 8c3e51a0f2d4
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '3b9d7e20c6a1'
down_revision = '8c3e51a0f2d4'
branch_labels = None
depends_on = None

OPEN = sa.text('closed_on IS NULL')


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    op.create_index(
        'ux_insurance_transfers_open',
        'insurance_transfers',
        ['person_id', 'line'],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index('ux_insurance_transfers_open', table_name='insurance_transfers')
