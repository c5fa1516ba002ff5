"""System settings edited by the administration (SMS sender, mail From and Reply-To).

Revision ID: 9e4d5f6a7b8c
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import webapp.models.types


# revision identifiers, used by Alembic.
revision = '9e4d5f6a7b8c'
down_revision = '0a1b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', webapp.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )


def downgrade():
    op.drop_table('setting')
