"""Thumbnails and page previews per file version

Revision ID: a9c3e5f71b24
Revises: a8c3e5f1d2b4
Create Date: 2026-12-02 13:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a9c3e5f71b24"
down_revision = "a8c3e5f1d2b4"
branch_labels = None
depends_on = None


def upgrade():
    # Existing versions get no row: `flask --app wsgi pan previews --missing` makes them.
    op.create_table(
        "file_previews",
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_version_id"], ["file_versions.id"],
            name=op.f("fk_file_previews_file_version_id_file_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_version_id", name=op.f("pk_file_previews")),
    )


def downgrade():
    op.drop_table("file_previews")
