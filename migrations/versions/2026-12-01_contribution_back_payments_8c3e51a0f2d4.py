"""contribution records: back payments (lump sums) and their documents

Revision ID: 8c3e51a0f2d4
Revises: 7c3e9a41d2b8
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '8c3e51a0f2d4'
down_revision = '7c3e9a41d2b8'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('contribution_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('back_paid_on', sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column('back_pay_documented', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('contribution_records', schema=None) as batch_op:
        batch_op.drop_column('back_pay_documented')
        batch_op.drop_column('back_paid_on')
