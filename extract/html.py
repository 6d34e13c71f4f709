"""A press page in HTML -> a report: the article body as text, with the page's
own title and publication date.

Navigation, headers, footers, sharing widgets, scripts and styles are dropped
(rules in ``patterns/html.yaml``); block elements (``<p>``, ``<div>``, ``<br>``,
headings, list items) become line breaks. The returned text is what offsets of
facts extracted from the page refer to.
"""

from __future__ import annotations

import functools
import html as _html
from typing import Optional

import regex
from selectolax.lexbor import LexborHTMLParser

import patterns

from .loader import LoadError
from .reports import Report, parse_iso_date


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    d = patterns.load("html")
    return {
        "drop_tags": set(d["drop_tags"]),
        "drop_words": set(w.lower() for w in d["drop_class_words"]),
        "content_selectors": list(d["content_selectors"]),
        "min_content_chars": int(d.get("min_content_chars", 40)),
        "block_tags": set(d["block_tags"]),
        "boilerplate": [regex.compile(p) for p in d.get("boilerplate_lines", [])],
        "title_meta": list(d.get("title_meta", [])),
        "title_selectors": list(d.get("title_selectors", [])),
        "title_separators": list(d.get("title_separators", [])),
        "date_meta": list(d.get("date_meta", [])),
        "date_patterns": [regex.compile(p) for p in d.get("date_patterns", [])],
    }


_CJK = regex.compile(r"\p{Han}")
_WS = regex.compile(r"[ \t\r\n\f\v]+")
_PARTS = regex.compile(r"[\s\-_]+")
_CJK_BREAK = regex.compile(r"(?<=[\p{Han}，。、；：！？”’）])[ \t\r\f\v\u3000]*\n\s*(?=[\p{Han}“‘（])")


def _cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def _is_furniture(node, words: set[str]) -> bool:
    attrs = node.attributes or {}
    for name in ("id", "class", "role"):
        value = attrs.get(name)
        if not value:
            continue
        low = value.lower()
        if low in words:
            return True
        parts = [p for p in _PARTS.split(low) if p]
        if any(p in words for p in parts):
            return True
    return False


def _clean(root, r: dict) -> None:
    """Remove page furniture below ``root`` (in place)."""
    for tag in r["drop_tags"]:
        for n in root.css(tag):
            n.decompose()
    doomed = [
        n for n in root.traverse()
        if n.mem_id != root.mem_id and n.tag not in ("-text", "html", "body") and _is_furniture(n, r["drop_words"])
    ]
    for n in doomed:
        try:
            n.decompose()
        except Exception:  # already removed together with an ancestor
            pass


def _text_of(node, r: dict) -> str:
    out: list[str] = []
    blocks = r["block_tags"]

    def walk(n):
        for ch in n.iter(include_text=True):
            tag = ch.tag
            if tag == "-text":
                t = ch.text_content or ""
                # a source line break between two Chinese characters is not a space
                # (CSS Text: segment breaks between CJK characters are removed)
                t = _CJK_BREAK.sub("", t)
                out.append(_WS.sub(" ", t))
            elif tag in ("-comment", "!--"):
                continue
            elif tag == "br":
                out.append("\n")
            elif tag in blocks:
                out.append("\n")
                walk(ch)
                out.append("\n")
            else:
                walk(ch)

    walk(node)
    text = "".join(out)
    lines = []
    for line in text.split("\n"):
        line = line.strip(" \t\u3000\u00a0")
        if not line:
            continue
        if any(p.fullmatch(line) for p in r["boilerplate"]):
            continue
        lines.append(line)
    return "\n".join(lines)


def _best_by_density(body, r: dict):
    """The element holding the most paragraph text (a parent of many <p>)."""
    scores: dict[int, list] = {}
    for p in body.css("p"):
        parent = p.parent
        if parent is None:
            continue
        n = _cjk_count(p.text(deep=True))
        if n == 0:
            continue
        key = parent.mem_id
        if key not in scores:
            scores[key] = [0, parent]
        scores[key][0] += n
    if not scores:
        return None
    return max(scores.values(), key=lambda t: t[0])[1]


def _meta(tree, names: list[str]) -> Optional[str]:
    for name in names:
        for attr in ("name", "property", "itemprop"):
            n = tree.css_first(f'meta[{attr}="{name}"]')
            if n is not None:
                v = (n.attributes or {}).get("content")
                if v and v.strip():
                    return _html.unescape(v.strip())
    return None


def _title(tree, content, r: dict) -> Optional[str]:
    t = _meta(tree, r["title_meta"])
    if t:
        return t
    for scope in (content, tree.body):
        if scope is None:
            continue
        for sel in r["title_selectors"]:
            n = scope.css_first(sel)
            if n is not None:
                s = _WS.sub(" ", n.text(deep=True)).strip()
                if s:
                    return s
    n = tree.css_first("title")
    if n is not None:
        s = _WS.sub(" ", n.text(deep=True)).strip()
        if s:
            parts = [s]
            for sep in r["title_separators"]:
                parts = [q for p in parts for q in p.split(sep)]
            parts = [p.strip() for p in parts if p.strip()]
            return max(parts, key=len) if parts else s
    return None


def _date(tree, raw_text: str, r: dict):
    v = _meta(tree, r["date_meta"])
    if v:
        d = parse_iso_date(v)
        if d:
            return d
    for n in tree.css("time"):
        v = (n.attributes or {}).get("datetime") or n.text()
        d = parse_iso_date(v or "")
        if d:
            return d
    for p in r["date_patterns"]:
        m = p.search(raw_text)
        if m:
            d = parse_iso_date(m.group(1))
            if d:
                return d
    return None


def html_to_report(html_text: str, path: Optional[str] = None) -> Report:
    """The article of a press page, with its title and publication date."""
    r = _rules()
    tree = LexborHTMLParser(html_text)
    if tree.body is None:
        raise LoadError(path, "empty", "网页没有正文（缺少 <body>）")
    page_text = _WS.sub(" ", tree.body.text(deep=True, separator=" "))
    url = None
    canon = tree.css_first('link[rel="canonical"]')
    if canon is not None:
        url = (canon.attributes or {}).get("href")
    url = url or _meta(tree, ["og:url", "url"])
    date = _date(tree, page_text, r)

    content = None
    for sel in r["content_selectors"]:
        for n in tree.css(sel):
            if _cjk_count(n.text(deep=True)) >= r["min_content_chars"]:
                content = n
                break
        if content is not None:
            break
    title = _title(tree, content, r)
    if content is not None:
        _clean(content, r)
        text = _text_of(content, r)
    else:
        body = tree.body
        _clean(body, r)
        best = _best_by_density(body, r)
        text = _text_of(best if best is not None else body, r)
        if best is not None and _cjk_count(text) < r["min_content_chars"]:
            text = _text_of(body, r)
    if not text.strip():
        raise LoadError(path, "empty", "网页中没有找到正文")
    return Report(path=path, text=text, title=title, date=date, url=url, source_format="html")
