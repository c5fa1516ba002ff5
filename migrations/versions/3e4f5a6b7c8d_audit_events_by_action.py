"""Audit events by action and seq: the latest distribution runs without scanning the chain.

Revision ID: 3e4f5a6b7c8d
Revises: f7d2b8c1e7b2
Create Date: 2026-11-29 22:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e4f5a6b7c8d'
down_revision = 'f7d2b8c1e7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_action_seq', 'audit_event', ['action', 'seq'], unique=False)


def downgrade():
    op.drop_index('ix_audit_event_action_seq', table_name='audit_event')
