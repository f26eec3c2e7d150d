"""Thesaurus of police-training terms

Revision ID: d4f1a7c3e925
Revises: b7d41e2a9c05
Create Date: 2026-12-02 09:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d4f1a7c3e925"
down_revision = "b7d41e2a9c05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "thesaurus_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concept", sa.String(length=80), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thesaurus_terms")),
        sa.UniqueConstraint("concept", "lang", "term", name=op.f("uq_thesaurus_terms_concept")),
    )
    with op.batch_alter_table("thesaurus_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thesaurus_terms_concept"), ["concept"], unique=False)

    op.create_table(
        "thesaurus_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.Column("concepts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_thesaurus_revisions_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thesaurus_revisions")),
    )


def downgrade():
    op.drop_table("thesaurus_revisions")
    with op.batch_alter_table("thesaurus_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thesaurus_terms_concept"))
    op.drop_table("thesaurus_terms")
