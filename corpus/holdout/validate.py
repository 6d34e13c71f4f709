#!/usr/bin/env python3
"""Check the held-out gold files against their articles (see ../GUIDE.md).

Usage: python corpus/holdout/validate.py [GOLD.json ...]   (default: every holdout/gold/*.json)

Runs the corpus checks of ``corpus/tools/validate_gold.py`` (context occurs exactly
once, text once inside its context, field values well formed) with the article
folder pointed at ``corpus/holdout/articles``, and adds stricter checks for this set:
every field of every section is present, reference_basis is written, the article
is 1500-3500 characters, date spans are ordered, as-of dates and deadlines have no
start, entity slugs are lowercase pinyin-ish slugs, and no section is missing.
Exit 0 when all files pass.
"""
import datetime as dt
import importlib.util
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
TOOL = HERE.parent / "tools" / "validate_gold.py"

_spec = importlib.util.spec_from_file_location("validate_gold", TOOL)
vg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vg)
vg.ROOT = HERE  # articles are read from HERE / "articles"

SECTIONS = ("amounts", "percentages", "dates", "counts", "projects")
REQUIRED = {
    "amounts": ("text", "context", "value_yuan", "currency", "qualifier", "role", "target", "subject"),
    "percentages": ("text", "context", "value", "qualifier", "metric", "target"),
    "dates": ("text", "context", "start", "end", "granularity", "kind"),
    "counts": ("text", "context", "value", "noun", "subject"),
    "projects": ("text", "context", "entity", "phase", "batch", "batch_list", "investment_yuan", "optional"),
}
DIGIT = re.compile(r"[0-9０-９.．]")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def extra_checks(path: pathlib.Path, here: pathlib.Path = HERE, min_len: int = 1500) -> list[str]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    errors = []
    art = here / "articles" / gold["article"]
    text = art.read_text(encoding="utf-8")
    if not (min_len <= len(text) <= 3500):
        errors.append(f"{path.name}: article has {len(text)} characters (want {min_len}-3500)")
    if not gold.get("reference_basis"):
        errors.append(f"{path.name}: reference_basis missing")
    for section in SECTIONS:
        if section not in gold:
            errors.append(f"{path.name}: section {section} missing")
            continue
        for i, item in enumerate(gold[section]):
            where = f"{path.name} {section}[{i}] {item.get('text')!r}"
            for f in REQUIRED[section]:
                if f not in item:
                    errors.append(f"{where}: field {f} missing")
            if section in ("amounts", "percentages", "counts", "dates") and item.get("context") in text \
                    and item.get("text") in item.get("context", ""):
                s = text.index(item["context"]) + item["context"].index(item["text"])
                e = s + len(item["text"])
                if (s > 0 and DIGIT.match(text[s - 1]) and DIGIT.match(item["text"][0])) or \
                        (e < len(text) and DIGIT.match(text[e]) and DIGIT.match(item["text"][-1])):
                    errors.append(f"{where}: text is cut out of a longer number")
            if section == "amounts" and item.get("currency") not in {"CNY", "USD", "EUR", "HKD", "JPY"}:
                errors.append(f"{where}: unexpected currency {item.get('currency')!r}")
            if section == "dates":
                s, e, k = item.get("start"), item.get("end"), item.get("kind")
                if k in ("asof", "deadline") and s is not None:
                    errors.append(f"{where}: {k} must have start null")
                if k in ("point", "span") and (s is None or e is None):
                    errors.append(f"{where}: {k} needs start and end")
                if s and e and dt.date.fromisoformat(s) > dt.date.fromisoformat(e):
                    errors.append(f"{where}: start after end")
            if section == "projects":
                if not SLUG.match(item.get("entity") or ""):
                    errors.append(f"{where}: bad entity slug {item.get('entity')!r}")
                if item.get("batch_list") not in (None, "sign", "start", "produce"):
                    errors.append(f"{where}: bad batch_list {item.get('batch_list')!r}")
                if item.get("batch") is not None and not isinstance(item.get("batch"), int):
                    errors.append(f"{where}: batch must be an integer or null")
                inv = item.get("investment_yuan")
                if inv is not None and not isinstance(inv, int):
                    errors.append(f"{where}: investment_yuan must be an integer or null")
    return errors


def main(argv, here: pathlib.Path = HERE, min_len: int = 1500):
    """Validate the gold files of the held-out set in folder ``here``."""
    vg.ROOT = here
    paths = [pathlib.Path(p) for p in argv] or sorted((here / "gold").glob("*.json"))
    failed = False
    total = 0
    for p in paths:
        gold, errors = vg.check_article(p)
        errors += extra_checks(p, here, min_len)
        n = sum(len(gold.get(s, [])) for s in SECTIONS)
        total += n
        for e in errors:
            print(e)
        failed |= bool(errors)
        print(f"{p.name}: {n} items, {len(errors)} errors")
    print(f"{total} items in {len(paths)} files" + (" - FAILED" if failed else " - ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
