"""Policy simulations: the district's history replayed under another priority rule, kept with
their progress and result.

Revision ID: 8d3c4e5f6a7b
Revises: 5f6a7b8c9d0e
Create Date: 2026-11-30 00:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from webapp.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '8d3c4e5f6a7b'
down_revision = '6b1a2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_simulation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('parameters', sa.Text(), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')",
                           name=op.f('ck_policy_simulation_status_known')),
        sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_policy_simulation_progress_in_range')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_policy_simulation_district_id_district')),
        sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_policy_simulation_requested_by_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_simulation')),
    )
    with op.batch_alter_table('policy_simulation', schema=None) as batch_op:
        batch_op.create_index('ix_policy_simulation_district_created', ['district_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('policy_simulation', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_simulation_district_created')
    op.drop_table('policy_simulation')
