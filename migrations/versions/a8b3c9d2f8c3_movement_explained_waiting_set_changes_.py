"""Movement explained: the changes to each segment's waiting set, per month (derived from the audit).

Revision ID: a8b3c9d2f8c3
Revises: b9c4d0e3a9d4
Create Date: 2026-11-29 21:07:28.404065

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


# revision identifiers, used by Alembic.
revision = 'a8b3c9d2f8c3'
down_revision = 'b9c4d0e3a9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('movement_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('submitted_at', webapp.models.types.UTCDateTime(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('running', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movement_change'))
    )
    with op.batch_alter_table('movement_change', schema=None) as batch_op:
        batch_op.create_index('ix_movement_change_before', ['locality_id', 'language', 'birth_year', 'tier', 'month', 'kind', 'submitted_at', 'number', 'delta', 'running'], unique=False)

    op.create_table('movement_total',
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('locality_id', 'language', 'birth_year', 'month', 'tier', 'kind', name=op.f('pk_movement_total'))
    )


def downgrade():
    op.drop_table('movement_total')
    with op.batch_alter_table('movement_change', schema=None) as batch_op:
        batch_op.drop_index('ix_movement_change_before')

    op.drop_table('movement_change')
