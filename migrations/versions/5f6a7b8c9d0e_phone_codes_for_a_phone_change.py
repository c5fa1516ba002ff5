"""Phone codes for a phone change: the code goes to the new number, which the row keeps.

Revision ID: 5f6a7b8c9d0e
Revises: 3e4f5a6b7c8d
Create Date: 2026-11-29 23:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5f6a7b8c9d0e'
down_revision = '3e4f5a6b7c8d'
branch_labels = None
depends_on = None

OLD = "purpose IN ('confirm_phone', 'reset_password')"
NEW = "purpose IN ('confirm_phone', 'reset_password', 'change_phone')"


def _purposes(condition):
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_phone_code_purpose_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_phone_code_purpose_known'), condition)


def upgrade():
    _purposes(NEW)


def downgrade():
    op.execute("DELETE FROM phone_code WHERE purpose = 'change_phone'")
    _purposes(OLD)
