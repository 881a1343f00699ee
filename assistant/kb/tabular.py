"""FAQ tables as help-desk tools export them (CSV, Excel .xlsx, JSON Lines), read into clean rows and written back.

Real exports are messy: Excel's CSV in GB18030 or with a byte-order mark, headers in Chinese or English, blank
rows, stray (full-width) spaces, similar questions in one cell separated by new lines, ；, ; or |. Each row keeps
the file and line (the Excel row) it came from, so every problem names it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_jsonl

FIELDS = ("id", "category", "question", "similar", "answer", "team", "keywords", "risk", "updated")
# header -> field, compared after NFKC, lower case, and without spaces, underscores and hyphens
HEADERS = {
    "id": ("id", "编号", "条目id", "问题id"),
    "category": ("category", "分类", "类别", "类目", "问题分类", "业务分类"),
    "question": ("question", "standardquestion", "标准问题", "标准问", "问题", "主问题", "标准问法"),
    "similar": ("similar", "similarquestions", "similarquestion", "相似问题", "相似问", "相似问法", "扩展问",
                "扩展问题", "同义问法"),
    "answer": ("answer", "答案", "回答", "标准答案", "回复", "答复"),
    "team": ("team", "团队", "处理团队", "负责团队", "转接团队"),
    "keywords": ("keywords", "关键词", "关键字"),
    "risk": ("risk", "风险", "风险等级"),
    "updated": ("updated", "更新时间", "更新日期"),
}
_HEADER_FIELD = {name: field for field, names in HEADERS.items() for name in names}
SEPARATORS = re.compile(r"[\n;；|｜]+")  # between similar questions (and keywords) in one cell
_BLANK = re.compile(r"^[\s\u3000\ufeff]+|[\s\u3000\ufeff]+$")
FORMATS = ("csv", "xlsx", "jsonl")


@dataclass(frozen=True)
class Row:
    where: str  # file:line (CSV, JSON Lines) or file:row (Excel)
    id: str
    category: str
    question: str
    similar: tuple[str, ...]
    answer: str
    team: str
    keywords: tuple[str, ...] = ()
    risk: str = ""
    updated: str = ""


def table_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    return {"xlsm": "xlsx", "json": "jsonl", "tsv": "csv"}.get(fmt, fmt)


def header_field(header: object) -> str | None:
    key = re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", str(header or "")).lower())
    return _HEADER_FIELD.get(key)


def clean(value: object) -> str:
    """A cell as text: no stray spaces around it (full-width ones too), Windows line ends made plain, no
    trailing spaces on its lines."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip(" \t\u3000") for line in text.split("\n"))
    return _BLANK.sub("", text)


def split_list(value: object) -> tuple[str, ...]:
    """A cell (or a JSON list) of several questions: one each, blank ones dropped."""
    items = value if isinstance(value, list) else SEPARATORS.split(clean(value))
    return tuple(c for c in (clean(i) for i in items) if c)


def read_table(path: Path, problems: list[str]) -> tuple[list[Row], int]:
    """The rows of a table with a question or an answer, and the number of blank rows skipped."""
    fmt = table_format(path)
    if fmt not in FORMATS:
        problems.append(f"{path}: cannot import .{fmt} files (CSV, Excel .xlsx or JSON Lines)")
        return [], 0
    if not path.is_file():
        problems.append(f"{path}: no such file")
        return [], 0
    records = {"csv": _csv_records, "xlsx": _xlsx_records, "jsonl": _jsonl_records}[fmt](path, problems)
    rows, blank = [], 0
    for where, record in records:
        if not any(clean(v) if not isinstance(v, list) else v for v in record.values()):
            blank += 1
            continue
        rows.append(_row(where, record))
    return rows, blank


def _row(where: str, record: dict[str, Any]) -> Row:
    def text(field: str) -> str:
        return clean(record.get(field))

    return Row(where=where, id=text("id"), category=text("category"), question=text("question"),
               similar=split_list(record.get("similar")), answer=text("answer"), team=text("team"),
               keywords=split_list(record.get("keywords")), risk=text("risk").lower(), updated=text("updated"))


def _mapped(path: Path, header: Sequence[object], problems: list[str]) -> list[str | None] | None:
    fields = [header_field(h) for h in header]
    missing = [f for f in ("question", "answer") if f not in fields]
    if missing:
        found = ", ".join(clean(h) for h in header if clean(h))
        problems.append(f"{path}:1: no column for {' and '.join(missing)} (headers: {found}; e.g. 标准问题, "
                        "相似问题, 答案, 分类, 团队)")
        return None
    return fields


def _csv_records(path: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV in GB18030 (GBK) unless told otherwise
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        problems.append(f"{path}: neither UTF-8 nor GB18030 text")
        return
    dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    fields = _mapped(path, header or [], problems)
    if fields is None:
        return
    start = reader.line_num + 1
    for cells in reader:
        yield f"{path}:{start}", {f: c for f, c in zip(fields, cells, strict=False) if f}
        start = reader.line_num + 1


def _xlsx_records(path: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    import openpyxl  # only for .xlsx files
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        problems.append(f"{path}: not a readable Excel workbook ({exc})")
        return
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        fields = _mapped(path, list(header or []), problems)
        if fields is None:
            return
        for n, cells in enumerate(rows, 2):
            yield f"{path}:{n}", {f: c for f, c in zip(fields, cells, strict=False) if f}
    finally:
        book.close()


def _jsonl_records(path: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, item in read_jsonl(path, problems):
        yield where, {f: v for k, v in item.items() if (f := header_field(k))}


# ---- export -------------------------------------------------------------------------------------------


def write_table(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Entries (as dicts of FIELDS) to CSV (UTF-8 with a byte-order mark, which Excel needs to read Chinese),
    .xlsx or JSON Lines, by the file's suffix; lists become one cell, a question a line."""
    import json

    fmt = table_format(path)
    cells = [{f: "\n".join(v) if isinstance(v, list | tuple) else ("" if v is None else str(v)) for f, v in r.items()}
             for r in rows]
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in r.items()},
                                    ensure_ascii=False) + "\n")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, FIELDS)
            writer.writeheader()
            writer.writerows(cells)
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(FIELDS))
        for r in cells:
            sheet.append([r.get(f, "") for f in FIELDS])
        book.save(path)
    else:
        raise ValueError(f"{path}: cannot export to .{fmt} (csv, xlsx or jsonl)")
