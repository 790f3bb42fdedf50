"""search folds traditional characters: the index is recomputed with the new normalisation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from gongkai.publishing import search

    connection = op.get_bind()
    rows = connection.execute(sa.text("select item_id, title, text from publishing.search_index")).all()
    for item_id, title, text in rows:
        connection.execute(sa.text("update publishing.search_index set title = :title, text = :text, "
                                   "terms = :terms where item_id = :item_id"),
                           {"item_id": item_id, "title": search.normalise(title), "text": search.normalise(text),
                            "terms": search.terms(text)})


def downgrade() -> None:
    pass  # the folded index still finds what it found before
