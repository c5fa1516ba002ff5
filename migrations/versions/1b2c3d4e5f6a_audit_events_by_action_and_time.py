"""Audit events by action and time, with the application: the department's monthly reports count a
year of one district's invitations, responses, referrals, enrolments and stop-lists from this index
alone, without reading the events themselves.

Revision ID: 1b2c3d4e5f6a
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1b2c3d4e5f6a'
down_revision = '9e4d5f6a7b8c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at', 'application'], unique=False)


def downgrade():
    op.drop_index('ix_audit_event_action_at', table_name='audit_event')
