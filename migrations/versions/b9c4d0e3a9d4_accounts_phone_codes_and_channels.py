"""Accounts: one-time SMS codes (confirm the phone, reset the password) and the notification
channels an account chose.

Revision ID: b9c4d0e3a9d4
Revises: e6c1a7b0d6a1
Create Date: 2026-11-29 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


# revision identifiers, used by Alembic.
revision = 'b9c4d0e3a9d4'
down_revision = 'e6c1a7b0d6a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', webapp.models.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', webapp.models.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("purpose IN ('confirm_phone', 'reset_password')", name=op.f('ck_phone_code_purpose_known')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_phone_code_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_code'))
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index('ix_phone_code_phone_created', ['phone', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_code_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_sms', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_email', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notify_email')
        batch_op.drop_column('notify_sms')

    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_code_user_id'))
        batch_op.drop_index('ix_phone_code_phone_created')

    op.drop_table('phone_code')
