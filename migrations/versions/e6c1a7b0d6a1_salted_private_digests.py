"""Salted private digests: a secret salt per audit event; existing digests re-salted and the chain
rebuilt once, with its checkpoints (DESIGN §8, docs/decisions.md).

Revision ID: e6c1a7b0d6a1
Revises: c2b65c3d57b6
Create Date: 2026-11-29 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6c1a7b0d6a1'
down_revision = 'c2b65c3d57b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private_salt', sa.String(length=64), nullable=False, server_default=''))
    # The data step: every existing event gets a salt and a salted digest, and the chain is rebuilt
    # (services.audit_rebuild explains how). On an empty chain it does nothing.
    from webapp.services import audit_rebuild

    audit_rebuild.resalt_and_rebuild(op.get_bind())
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('private_salt', server_default=None)


def downgrade():
    # The rebuilt chain stays as it is (its digests cannot be un-salted); only the salts go, and with
    # them the department's means of proving what an event was about. Not meant to be used.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('private_salt')
