"""One open application per child, enforced by a partial unique index.

Revision ID: fcc24890c37f
Revises: 69f5f2d61551
Create Date: 2026-11-25 17:44:45.174889

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


# revision identifiers, used by Alembic.
revision = 'fcc24890c37f'
down_revision = '69f5f2d61551'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('uq_application_one_open_per_child', ['child_id'], unique=True, sqlite_where=sa.text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"), postgresql_where=sa.text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"))



def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('uq_application_one_open_per_child', sqlite_where=sa.text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"), postgresql_where=sa.text("status NOT IN ('enrolled', 'withdrawn', 'aged_out')"))

