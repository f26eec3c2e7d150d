"""country profiles

Revision ID: c5e8a1d4f702
Revises: b7d2e4f6a813
Create Date: 2026-12-02 16:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5e8a1d4f702"
down_revision = "b7d2e4f6a813"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "country_profile_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"],
                                name=op.f("fk_country_profile_versions_country_code_countries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_country_profile_versions_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"],
                                name=op.f("fk_country_profile_versions_submitted_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_country_profile_versions_decided_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_profile_versions")),
        sa.UniqueConstraint("country_code", "number", name=op.f("uq_country_profile_versions_country_code")),
    )
    with op.batch_alter_table("country_profile_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_country_profile_versions_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_country_profile_versions_state"), ["state"], unique=False)


def downgrade():
    with op.batch_alter_table("country_profile_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_country_profile_versions_state"))
        batch_op.drop_index(batch_op.f("ix_country_profile_versions_country_code"))
    op.drop_table("country_profile_versions")
