"""Localities, kindergartens and groups can be deactivated; a child registered by two accounts is
kept as a dispute for the department.

Revision ID: 7c2b3d4e5f6a
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

from webapp.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '7c2b3d4e5f6a'
down_revision = '5f6a7b8c9d0e'
branch_labels = None
depends_on = None

TABLES = ('locality', 'kindergarten', 'kindergarten_group')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # A constant default: SQLite then adds the column in place instead of copying the table (which
            # the foreign keys pointing at it would refuse once it holds rows).
            batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1', nullable=False))
    op.create_table(
        'child_dispute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('claimant_id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('resolved_at', UTCDateTime(), nullable=True),
        sa.Column('resolution', sa.String(length=8), nullable=True),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.CheckConstraint("resolution IS NULL OR resolution IN ('kept', 'moved')",
                           name=op.f('ck_child_dispute_resolution_known')),
        sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_child_dispute_child_id_child')),
        sa.ForeignKeyConstraint(['claimant_id'], ['user.id'], name=op.f('fk_child_dispute_claimant_id_user')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_child_dispute_district_id_district')),
        sa.ForeignKeyConstraint(['resolved_by'], ['user.id'], name=op.f('fk_child_dispute_resolved_by_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_child_dispute')),
    )
    with op.batch_alter_table('child_dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_dispute_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_dispute_claimant_id'), ['claimant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_dispute_district_id'), ['district_id'], unique=False)
        batch_op.create_index('uq_child_dispute_open', ['child_id', 'claimant_id'], unique=True,
                              sqlite_where=sa.text('resolved_at IS NULL'),
                              postgresql_where=sa.text('resolved_at IS NULL'))


def downgrade():
    op.drop_table('child_dispute')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('active')
