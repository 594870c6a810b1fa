"""Audit events' source address and user agent; holders' signed-in sessions

Revision ID: 7c3e9a41d2b8
Revises: 5a1e0c3d9b27
Create Date: 2026-12-01 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import GUID, DateTimeUTC


sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

revision = '7c3e9a41d2b8'
down_revision = '5a1e0c3d9b27'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_address', sa.String(length=45), server_default='', nullable=False))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), server_default='', nullable=False))

    op.create_table('signed_in_sessions',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('account_id', sa.GUID(length=16), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('source_address', sa.String(length=45), nullable=False),
    sa.Column('started_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['holder_accounts.id'], name=op.f('fk_signed_in_sessions_account_id_holder_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_in_sessions'))
    )
    with op.batch_alter_table('signed_in_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_in_sessions_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signed_in_sessions_ended_at'), ['ended_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signed_in_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_in_sessions_ended_at'))
        batch_op.drop_index(batch_op.f('ix_signed_in_sessions_account_id'))

    op.drop_table('signed_in_sessions')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
        batch_op.drop_column('source_address')
