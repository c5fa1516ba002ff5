"""Kindergarten.ownership wide enough for its longest value, private_state_order.

Revision ID: c2b65c3d57b6
Revises: fcc24890c37f
Create Date: 2026-11-25 18:36:15.830527

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


# revision identifiers, used by Alembic.
revision = 'c2b65c3d57b6'
down_revision = 'fcc24890c37f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kindergarten', schema=None) as batch_op:
        batch_op.alter_column('ownership',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=32),
               existing_nullable=False)



def downgrade():
    with op.batch_alter_table('kindergarten', schema=None) as batch_op:
        batch_op.alter_column('ownership',
               existing_type=sa.String(length=32),
               type_=sa.VARCHAR(length=16),
               existing_nullable=False)

