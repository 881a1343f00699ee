"""`assistant kb import | export`: the KB's entries from and to the tables help-desk tools export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .config import Settings


@click.group("kb")
def kb_group() -> None:
    """Import and export KB entries as tables (CSV, Excel .xlsx, JSON Lines)."""


@kb_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kb", "kb_path", type=click.Path(path_type=Path), help="KB folder (default FAQ_KB_DIR)")
@click.option("--duplicates", type=click.Choice(["merge", "skip"]), default="merge", show_default=True,
              help="rows repeating an earlier row's question with the same answer: join their similar questions, "
              "or leave the later row out")
@click.option("--conflicts", type=click.Choice(["skip", "first", "last"]), default="skip", show_default=True,
              help="rows repeating a question with another answer: leave them all out, or keep the first (last) "
              "row's answer")
@click.option("--category", help="category of rows without one")
@click.option("--team", help="team of rows without one")
@click.option("--dry-run", is_flag=True, help="report only; write nothing")
def kb_import(file: Path, kb_path: Path | None, duplicates: Any, conflicts: Any, category: str | None,
              team: str | None, dry_run: bool) -> None:
    """Add the entries of FILE (columns: standard question, similar questions, answer, category, team; or
    标准问题, 相似问题, 答案, 分类, 团队) to the KB as new YAML files, reporting duplicates and conflicts."""
    from .kb.importer import check_ids, known_questions, plan_import, read_rows
    from .kb.writer import assign_ids, existing_kb, write_entries

    settings = Settings()
    folder = kb_path or settings.kb_dir
    if folder.is_file():
        raise click.UsageError(f"{folder}: import writes YAML into a KB folder, not a file")
    rows, blank = read_rows(file, settings.teams, category, team)
    kb, place = existing_kb(folder, settings.teams)
    plan = plan_import(rows, blank, known_questions(kb, place), duplicates, conflicts)
    check_ids(plan.entries, place)
    assign_ids(plan.entries, set(place))
    for f in plan.findings:
        click.echo(f"{f.kind:9} {f.where}: 「{f.question}」 as at {f.other}: {f.action}")
    lonely = sum(1 for e in plan.entries if not e.get("similar"))
    click.echo(f"{file}: {plan.rows} rows ({plan.blank} blank skipped), "
               f"{sum(f.kind == 'duplicate' for f in plan.findings)} duplicates, "
               f"{sum(f.kind == 'conflict' for f in plan.findings)} conflicts; {len(plan.entries)} new entries "
               f"({lonely} without similar questions)")
    if dry_run or not plan.entries:
        click.echo("nothing written" + (" (--dry-run)" if dry_run else ""))
        return
    for path in write_entries(folder, plan.entries, settings.teams):
        click.echo(f"wrote {path}")
    click.echo("next: `assistant check-kb`, then `assistant build`")


@kb_group.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--kb", "kb_path", type=click.Path(path_type=Path), help="KB folder or .jsonl (default FAQ_KB_DIR)")
def kb_export(out: Path, kb_path: Path | None) -> None:
    """Write every entry of the KB to OUT: .csv (UTF-8 for Excel), .xlsx or .jsonl, a row each (learned questions
    among the similar ones: a table has no column for where a question came from)."""
    from .kb import load_kb
    from .kb.tabular import FORMATS, table_format, write_table

    if table_format(out) not in FORMATS:
        raise click.UsageError(f"{out}: export to .csv, .xlsx or .jsonl")
    settings = Settings()
    kb = load_kb(kb_path or settings.kb_dir, settings.teams)
    rows = [{"id": e.id, "category": e.category, "question": e.question, "similar": [*e.similar, *e.learned],
             "answer": e.answer, "team": e.team or "", "keywords": list(e.keywords), "risk": e.risk,
             "updated": e.updated.isoformat() if e.updated else ""} for e in kb.entries]
    write_table(rows, out)
    click.echo(f"wrote {len(rows)} entries to {out}")
