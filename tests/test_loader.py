"""Decoding reports in the encodings a newsroom receives, and clear errors otherwise."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from extract.loader import LoadError, decode_bytes, read_file
from extract.reports import load_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "corpus" / "articles" / "001_edd7f8bbcf6f333e.txt").read_text(encoding="utf-8")


def test_utf8_plain():
    d = decode_bytes(SAMPLE.encode("utf-8"))
    assert d.text == SAMPLE and d.encoding == "utf-8"


def test_utf8_bom_and_crlf_give_the_same_text():
    data = codecs.BOM_UTF8 + SAMPLE.replace("\n", "\r\n").encode("utf-8")
    d = decode_bytes(data)
    assert d.text == SAMPLE
    assert d.had_bom


def test_gb18030():
    d = decode_bytes(SAMPLE.encode("gb18030"))
    assert d.text == SAMPLE
    assert d.encoding == "gb18030"


def test_gbk_subset():
    text = "郑州高新区共有12个项目，总投资额160.7亿元。"
    assert decode_bytes(text.encode("gbk")).text == text


def test_big5_traditional():
    text = "鄭州高新區共有12個項目，總投資額160.7億元。新開工項目投資額突破290億元，簽約一批項目6個。"
    d = decode_bytes(text.encode("big5"))
    assert d.text == text
    assert d.encoding == "big5"


def test_utf16_with_bom():
    data = codecs.BOM_UTF16_LE + "总投资180亿元".encode("utf-16-le")
    assert decode_bytes(data).text == "总投资180亿元"


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty"),
        (b"  \r\n\t ", "empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "binary"),
        (b"%PDF-1.7\n...", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x81\x30\xff\xfe\x00\x01\xfa" * 50, "binary"),
    ],
)
def test_bad_input_has_a_clear_reason(data, code):
    with pytest.raises(LoadError) as exc:
        decode_bytes(data, "x.txt")
    assert exc.value.code == code
    assert exc.value.reason
    assert "x.txt" in str(exc.value)


def test_mixed_utf8_and_gb18030_is_rejected_or_decoded_faithfully():
    data = "第一段是UTF-8。".encode("utf-8") + "第二段是GB18030编码的文字，总投资".encode("gb18030")
    try:
        d = decode_bytes(data, "mixed.txt")
    except LoadError as exc:
        assert exc.code in ("undecodable", "binary")
    else:  # decoded as one legacy encoding: must at least be lossless text
        assert "\ufffd" not in d.text


def test_size_limit(tmp_path):
    p = tmp_path / "big.txt"
    with p.open("wb") as fh:
        fh.seek(2_000_000)
        fh.write(b"x")
    with pytest.raises(LoadError) as exc:
        read_file(p, max_bytes=1_000_000)
    assert exc.value.code == "too_large"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(LoadError) as exc:
        load_report(tmp_path / "nope.txt")
    assert exc.value.code == "unreadable"
    d = tmp_path / "dir.txt"
    d.mkdir()
    with pytest.raises(LoadError):
        load_report(d)


def test_front_matter_gives_date_and_title(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("---\ndate: 2023-01-29\ntitle: 测试报道\n---\n1月28日开工。", encoding="utf-8")
    rep = load_report(p)
    assert str(rep.date) == "2023-01-29"
    assert rep.title == "测试报道"
    assert rep.text.startswith("---")
