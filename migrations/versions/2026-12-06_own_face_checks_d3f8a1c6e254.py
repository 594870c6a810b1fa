"""A pensioner certifies themself: face checks of a person (no binding), counted on the person

Revision ID: d3f8a1c6e254
Revises: a7c2e94d1b60
Create Date: 2026-12-06 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = 'd3f8a1c6e254'
down_revision = 'a7c2e94d1b60'
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('face_failures_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('face_failures_recent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('face_unusable_recent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('face_wait_until', DateTimeUTC(timezone=True), nullable=True))
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', GUID(length=16), nullable=True))
        batch_op.alter_column('binding_id', existing_type=GUID(length=16), nullable=True)
        batch_op.create_foreign_key(
            op.f('fk_face_checks_person_id_people'), 'people', ['person_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index(op.f('ix_face_checks_person_id'), ['person_id'], unique=False)
        batch_op.create_index(
            'ux_face_checks_one_pending_person',
            ['person_id'],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
        batch_op.create_check_constraint(
            op.f('ck_face_checks_one_owner'), '(binding_id IS NULL) <> (person_id IS NULL)'
        )


def downgrade() -> None:
    op.execute('DELETE FROM face_checks WHERE binding_id IS NULL')
    with op.batch_alter_table('face_checks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_face_checks_one_owner'), type_='check')
        batch_op.drop_index('ux_face_checks_one_pending_person')
        batch_op.drop_index(op.f('ix_face_checks_person_id'))
        batch_op.drop_constraint(op.f('fk_face_checks_person_id_people'), type_='foreignkey')
        batch_op.alter_column('binding_id', existing_type=GUID(length=16), nullable=False)
        batch_op.drop_column('person_id')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('face_wait_until')
        batch_op.drop_column('face_unusable_recent')
        batch_op.drop_column('face_failures_recent')
        batch_op.drop_column('face_failures_total')
