"""Datasette plugin for ``xiangmu serve``: the jieba full-text search.

Adds the SQL function ``jieba_match(text)``: the words of a Chinese query,
segmented with the same jieba dictionary as the registry's ``reports_fts``
index (:mod:`db.search`), as an FTS5 query in which every word must occur.
The canned query ``search`` in ``db/datasette/metadata.json`` uses it.
"""

from datasette import hookimpl


def jieba_match(text):
    from db.search import _fts_query, query_words

    words = query_words(text or "")
    return _fts_query(words) if words else '""'


@hookimpl
def prepare_connection(conn):
    conn.create_function("jieba_match", 1, jieba_match)
