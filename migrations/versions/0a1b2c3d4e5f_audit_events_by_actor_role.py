"""Audit events by actor role and seq: the department's viewer (and the watch list's corrections)
find the few events of a rare role (department, admin) without scanning the whole chain.

Revision ID: 0a1b2c3d4e5f
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0a1b2c3d4e5f'
down_revision = '8d3c4e5f6a7b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_actor_role_seq', 'audit_event', ['actor_role', 'seq'], unique=False)


def downgrade():
    op.drop_index('ix_audit_event_actor_role_seq', table_name='audit_event')
