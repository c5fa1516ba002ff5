"""Policy per district: the deadlines, the stop-list, the preferences and the extension as settings.

Revision ID: 6b1a2c3d4e5f
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1a2c3d4e5f'
down_revision = '7c2b3d4e5f6a'
branch_labels = None
depends_on = None

# The defaults of the district's published procedure (DESIGN §6a): existing districts keep the rules
# they had when these numbers were constants.
COLUMNS = (
    ('respond_working_days', '3'),
    ('contract_working_days', '5'),
    ('stop_list_working_days', '10'),
    ('max_preferences', '4'),
    ('extension_days', '30'),
)


def upgrade():
    with op.batch_alter_table('district', schema=None) as batch_op:
        for name, default in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default=default, nullable=False))


def downgrade():
    with op.batch_alter_table('district', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
