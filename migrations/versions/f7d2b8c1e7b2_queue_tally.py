"""The queue tally: waiting applications per (segment, tier, UTC week of submission) and per
(segment, tier), kept in step by services.tally and filled here from the applications.

Revision ID: f7d2b8c1e7b2
Revises: a8b3c9d2f8c3
Create Date: 2026-11-29 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7d2b8c1e7b2'
down_revision = 'a8b3c9d2f8c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'queue_count',
        sa.Column('locality_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=False),
        sa.Column('tier', sa.String(length=16), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('locality_id', 'language', 'birth_year', 'tier', name=op.f('pk_queue_count')),
    )
    op.create_table(
        'queue_tally',
        sa.Column('locality_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=False),
        sa.Column('tier', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('locality_id', 'language', 'birth_year', 'tier', 'day', name=op.f('pk_queue_tally')),
    )
    # The bucket: Monday of the UTC week of submission (services.tally.day_of).
    if op.get_bind().dialect.name == "postgresql":
        day = "CAST(date_trunc('week', submitted_at) AS DATE)"
    else:
        day = "date(submitted_at, 'start of day', 'weekday 0', '-6 days')"
    op.execute(
        "INSERT INTO queue_tally (locality_id, language, birth_year, tier, day, waiting) "
        f"SELECT locality_id, language, birth_year, tier, {day}, count(*) FROM application "
        f"WHERE waiting GROUP BY locality_id, language, birth_year, tier, {day}"
    )
    op.execute(
        "INSERT INTO queue_count (locality_id, language, birth_year, tier, waiting) "
        "SELECT locality_id, language, birth_year, tier, sum(waiting) FROM queue_tally "
        "GROUP BY locality_id, language, birth_year, tier"
    )


def downgrade():
    op.drop_table('queue_tally')
    op.drop_table('queue_count')
