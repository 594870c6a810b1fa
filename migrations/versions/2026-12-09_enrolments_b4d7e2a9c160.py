"""Enrolments in the residents' schemes made on the portal, one per person, scheme and first year

Revision ID: b4d7e2a9c160
Revises: f1a2c3d4e5b6
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = 'b4d7e2a9c160'
down_revision = 'f1a2c3d4e5b6'
branch_labels = None
depends_on = None


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    op.create_table(
        'enrolments',
        sa.Column('id', GUID(length=16), nullable=False),
        sa.Column('person_id', GUID(length=16), nullable=False),
        sa.Column('scheme', sa.String(length=20), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('waiting_months', sa.Integer(), nullable=False),
        sa.Column('enrolled_on', sa.Date(), nullable=False),
        sa.Column('enrolled_by_person_id', GUID(length=16), nullable=True),
        sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
        sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['person_id'], ['people.id'], name=op.f('fk_enrolments_person_id_people'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['enrolled_by_person_id'],
            ['people.id'],
            name=op.f('fk_enrolments_enrolled_by_person_id_people'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    )
    op.create_index(
        'ux_enrolments_person_scheme_year',
        'enrolments',
        ['person_id', 'scheme', 'first_year'],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index('ux_enrolments_person_scheme_year', table_name='enrolments')
    op.drop_table('enrolments')
