"""Scan login: self-service machines (kiosks) and requests to sign in by scanning with a phone

Revision ID: e5a9c4d71b3f
Revises: e5b9c2d7a318
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = 'e5a9c4d71b3f'
down_revision = 'e5b9c2d7a318'
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
        sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    ]


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    op.create_table(
        'kiosks',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('hall', sa.String(length=100), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks')),
        sa.UniqueConstraint('code', name=op.f('uq_kiosks_code')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_kiosks_key_hash')),
    )
    op.create_table(
        'scan_logins',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('typed_code_hash', sa.String(length=64), nullable=False),
        sa.Column('secret', sa.LargeBinary(length=32), nullable=False),
        sa.Column('started_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('kiosk_id', GUID(length=16), nullable=True),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('source_address', sa.String(length=45), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('account_id', GUID(length=16), nullable=True),
        sa.Column('subject_person_id', GUID(length=16), nullable=True),
        sa.Column('binding_id', GUID(length=16), nullable=True),
        sa.Column('decided_at', DateTimeUTC(timezone=True), nullable=True),
        sa.Column('used_at', DateTimeUTC(timezone=True), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ['kiosk_id'], ['kiosks.id'], name=op.f('fk_scan_logins_kiosk_id_kiosks'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['account_id'],
            ['holder_accounts.id'],
            name=op.f('fk_scan_logins_account_id_holder_accounts'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['subject_person_id'],
            ['people.id'],
            name=op.f('fk_scan_logins_subject_person_id_people'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['binding_id'],
            ['affinity_bindings.id'],
            name=op.f('fk_scan_logins_binding_id_affinity_bindings'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_logins')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_scan_logins_token_hash')),
        sa.UniqueConstraint('typed_code_hash', name=op.f('uq_scan_logins_typed_code_hash')),
    )
    with op.batch_alter_table('scan_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_logins_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scan_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_logins_expires_at'))
    op.drop_table('scan_logins')
    op.drop_table('kiosks')
