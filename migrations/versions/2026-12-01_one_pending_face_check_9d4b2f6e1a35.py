"""At most one pending face check per binding

Revision ID: 9d4b2f6e1a35
Revises: 7c3e91b2d4a6
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '9d4b2f6e1a35'
down_revision = '7c3e91b2d4a6'
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    # Checks started before this rule: only the newest pending one of a binding stays pending;
    # the older ones end in "error" (the holder is told to try again, nothing is counted).
    op.execute(
        "UPDATE face_checks SET state = 'error' WHERE state = 'pending' AND EXISTS ("
        " SELECT 1 FROM face_checks newer WHERE newer.binding_id = face_checks.binding_id"
        " AND newer.state = 'pending' AND newer.created_at > face_checks.created_at)"
    )
    op.create_index(
        'ux_face_checks_one_pending',
        'face_checks',
        ['binding_id'],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index('ux_face_checks_one_pending', table_name='face_checks')
