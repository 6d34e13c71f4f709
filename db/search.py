"""Full-text search that works for Chinese.

SQLite's ``unicode61`` tokenizer does not segment Chinese (a whole run of
characters is one token) and ``trigram`` cannot find two-character words such as
``氢能``. So the text is segmented with jieba (the project's own dictionary,
:func:`extract.nlp.get_jieba`) in search mode (words and their sub-words:
``氢能产业园`` -> ``氢能 产业 产业园 氢能产业园``), the words are joined with spaces
and indexed in an FTS5 table, and a query is segmented the same way. A query
whose words the index does not know falls back to a plain substring search.

The index records the dictionary it was built with; when the dictionary
changes, :func:`ensure_index` rebuilds it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Optional

import sqlite_utils

_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _tokenizer():
    try:
        from extract.nlp import get_jieba

        return get_jieba()
    except ImportError:  # pragma: no cover - extract.nlp ships with the package
        import jieba

        jieba.setLogLevel(60)
        return jieba.dt


@functools.lru_cache(maxsize=1)
def dictionary_signature() -> str:
    """Identifies the segmentation (jieba version + user dictionary)."""
    import jieba

    h = hashlib.sha256(("jieba " + getattr(jieba, "__version__", "")).encode())
    try:
        import patterns

        h.update(patterns.path("userdict.txt").read_bytes())
    except Exception:
        pass
    return h.hexdigest()[:16]


def _clean_words(words) -> list[str]:
    out = []
    for w in words:
        w = _PUNCT.sub(" ", w).strip()
        if w:
            out.extend(w.split())
    return out


def segment(text: str) -> str:
    """Index form of a text: jieba search-mode words joined by spaces."""
    if not text:
        return ""
    return " ".join(_clean_words(_tokenizer().cut_for_search(text)))


def query_words(query: str) -> list[str]:
    """Words of a query, segmented like the index (precise mode, punctuation dropped).

    Loading jieba's dictionary takes most of a second, longer than the search
    itself; a query is cut with a tokenizer that knows only the dictionary
    entries of the query's substrings, read from a cache of the dictionary
    (:func:`_dictionary_cache`). jieba's precise mode looks up nothing else (its
    word graph, route and HMM fallback consult the frequency of substrings of the
    text only), so the words are the same."""
    return _clean_words(_query_tokenizer(query).cut(query))


#: longest query cut with the cached dictionary (its substrings are looked up)
_QUERY_MAX = 80


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xiangmu"


def _dictionary_cache() -> Optional[Path]:
    """An SQLite copy of the segmentation dictionary (every entry of the jieba
    tokenizer with the user dictionary, its total and forced splits), built once
    per dictionary signature; None when it cannot be written."""
    path = _cache_dir() / f"jieba-{dictionary_signature()}.sqlite"
    if path.exists():
        return path
    try:
        tk = _tokenizer()
        from jieba import finalseg

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        con = sqlite3.connect(tmp)
        try:
            con.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.executemany("INSERT INTO freq VALUES (?, ?)", tk.FREQ.items())
            con.execute("INSERT INTO meta VALUES ('total', ?)", [str(tk.total)])
            con.execute("INSERT INTO meta VALUES ('force_split', ?)",
                        [json.dumps(sorted(finalseg.Force_Split_Words), ensure_ascii=False)])
            con.commit()
        finally:
            con.close()
        os.replace(tmp, path)
        return path
    except (OSError, sqlite3.Error):  # pragma: no cover - read-only home, full disk
        return None


def _full_tokenizer_loaded() -> bool:
    if _tokenizer.cache_info().currsize:
        return True
    try:
        from extract.nlp import get_jieba

        return bool(get_jieba.cache_info().currsize)
    except ImportError:  # pragma: no cover
        return False


def _query_tokenizer(query: str):
    """A jieba tokenizer for ``query``: the full one when it is loaded already (or
    the query is long, or there is no cache), else :func:`light_tokenizer`."""
    if _full_tokenizer_loaded() or len(query) > _QUERY_MAX:
        return _tokenizer()
    return light_tokenizer(query) or _tokenizer()


def light_tokenizer(query: str):
    """A jieba tokenizer holding only the dictionary entries of ``query``'s
    substrings (from :func:`_dictionary_cache`; None without one): it cuts
    ``query`` exactly as the full tokenizer does."""
    path = _dictionary_cache()
    if path is None:
        return None
    subs = sorted({query[i:j] for i in range(len(query)) for j in range(i + 1, len(query) + 1)})
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            freq = dict(con.execute("SELECT word, n FROM freq WHERE word IN (SELECT value FROM json_each(?))",
                                    [json.dumps(subs, ensure_ascii=False)]))
            meta = dict(con.execute("SELECT key, value FROM meta"))
        finally:
            con.close()
    except sqlite3.Error:  # pragma: no cover - a damaged cache: rebuilt next time
        path.unlink(missing_ok=True)
        return None
    import jieba
    from jieba import finalseg

    tk = jieba.Tokenizer()
    tk.FREQ, tk.total, tk.initialized = freq, int(meta["total"]), True
    for w in json.loads(meta["force_split"]):
        finalseg.add_force_split(w)
    return tk


def _fts_query(words: list[str]) -> str:
    # every word must occur; each quoted, so FTS5 operators in user input are inert
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def index_report(db: sqlite_utils.Database, report_id: int, title: Optional[str], text: str) -> None:
    db.execute("DELETE FROM reports_fts WHERE rowid = ?", [report_id])
    db.execute(
        "INSERT INTO reports_fts(rowid, title, body) VALUES (?, ?, ?)",
        [report_id, segment(title or ""), segment(text)],
    )


def ensure_index(db: sqlite_utils.Database) -> int:
    """(Re)build the index for reports missing from it, or for all of them when
    the dictionary changed. Returns the number of reports indexed."""
    from .store import get_meta

    sig = dictionary_signature()
    rebuild = get_meta(db, "fts_signature") not in (None, sig)
    n = 0
    with db.atomic():
        if rebuild:
            db.execute("DELETE FROM reports_fts")
        missing = list(
            db.query("SELECT id, title, text FROM reports WHERE id NOT IN (SELECT rowid FROM reports_fts)")
        )
        for r in missing:
            index_report(db, r["id"], r["title"], r["text"])
            n += 1
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_signature', ?)", [sig])
    return n


def _snippets(text: str, needles: list[str], width: int = 30, limit: int = 3) -> list[dict[str, Any]]:
    """Passages of ``text`` around the first occurrences of the needles."""
    spans = []
    for w in needles:
        start = 0
        while len(spans) < 20:
            i = text.find(w, start)
            if i < 0:
                break
            spans.append((i, i + len(w)))
            start = i + len(w)
    spans.sort()
    out, last_end = [], -1
    for s, e in spans:
        if s < last_end:
            continue
        a, b = max(0, s - width), min(len(text), e + width)
        out.append({"start": s, "end": e, "text": text[s:e], "context": text[a:b].replace("\n", " ")})
        last_end = b
        if len(out) >= limit:
            break
    return out


def search(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Reports matching every word of ``query``, best first, with passages."""
    query = query.strip()
    if not query:
        return []
    ensure_index(db)
    words = query_words(query)
    rows: list[dict] = []
    if words:
        rows = list(
            db.query(
                """SELECT r.id, r.path, r.title, r.reference_date, r.text, bm25(reports_fts) AS score
                   FROM reports_fts JOIN reports r ON r.id = reports_fts.rowid
                   WHERE reports_fts MATCH ? ORDER BY score, r.id LIMIT ?""",
                [_fts_query(words), int(limit)],
            )
        )
    how = "words"
    if not rows:
        from .query import like_pattern

        how = "substring"
        rows = list(
            db.query(
                """SELECT id, path, title, reference_date, text, 0.0 AS score FROM reports
                   WHERE text LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?""",
                [like_pattern(query), like_pattern(query), int(limit)],
            )
        )
    out = []
    for r in rows:
        needles = [query] if query in r["text"] else sorted(set(words), key=len, reverse=True)
        out.append(
            {
                "id": r["id"],
                "path": r["path"],
                "title": r["title"],
                "reference_date": r["reference_date"],
                "score": r["score"],
                "match": how,
                "hits": sum(r["text"].count(w) for w in (needles or [query])),
                "snippets": _snippets(r["text"], needles),
            }
        )
    return out
