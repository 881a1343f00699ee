"""`assistant build | check-kb | ask | eval | serve | keys`: each command calls one library function."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .cli_eval import eval_cmd
from .cli_kb import kb_group
from .config import Settings
from .errors import AssistantError, KBError


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


class Group(click.Group):
    """Turn every AssistantError into a one-line message (several for KB problems) and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KBError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            fail(f"{len(exc.problems)} problem(s) in the knowledge base")
        except AssistantError as exc:
            fail(exc.detail)


@click.group(cls=Group)
@click.version_option(package_name="assistant")
def main() -> None:
    """Chinese FAQ help-desk assistant."""
    from .logs import configure_logging

    configure_logging(Settings())  # FAQ_LOG_FORMAT, FAQ_LOG_LEVEL: the same lines as the service writes


def _embedder(settings: Settings) -> Any:
    from .engine.embed import load_embedder

    return load_embedder(settings)


@main.command()
@click.option("--kb", "kb_path", type=click.Path(path_type=Path), help="KB folder or .jsonl (default FAQ_KB_DIR)")
@click.option("--out", type=click.Path(path_type=Path), help="index root (default FAQ_INDEX_DIR)")
@click.option("--rollback", is_flag=True, help="publish the previous version instead of building")
@click.option("--keep", default=5, show_default=True, help="versions to keep")
@click.option("--if-stale", is_flag=True, help="build only when the current index is missing or out of date")
@click.option("--force", is_flag=True, help="build even when a kept version was built from the same KB")
@click.option("--tune", is_flag=True, help="fine-tune the embedding model on the KB first (minutes; opt-in)")
@click.option("--tune-epochs", default=1.0, show_default=True, type=click.FloatRange(0.1, 20),
              help="with --tune: passes over the KB's questions")
def build(kb_path: Path | None, out: Path | None, rollback: bool, keep: int, if_stale: bool, force: bool,
          tune: bool, tune_epochs: float) -> None:
    """Build a new index version from the KB and publish it."""
    from . import index as index_mod
    from .build import IndexBuilder
    from .engine.embed import model_name
    from .kb import kb_checksum, load_kb

    settings = Settings()
    root = out or settings.index_dir
    if rollback:
        previous = index_mod.rollback(root)
        click.echo(f"rolled back: {root / 'current'} -> {previous.name}")
        return
    kb_path = kb_path or settings.kb_dir
    if if_stale and index_mod.up_to_date(root, kb_checksum(kb_path), model_name(settings.model, settings.runtime)):
        click.echo(f"index is up to date: {index_mod.current(root)}")
        return
    if not force and not tune and _republish(root, kb_path, settings):
        return
    kb = load_kb(kb_path, settings.teams)
    click.echo(f"KB {kb_path}: {len(kb.entries)} entries, {kb.question_count} questions")
    from .build import TuneConfig
    from .build.report import build_report, entry_ids

    before = entry_ids(index_mod.current(root))
    result = IndexBuilder(settings, _embedder(settings)).build(
        kb, root, tune=TuneConfig(epochs=tune_epochs) if tune else None)
    index_mod.prune(root, keep)
    for line in build_report(result, root, before):
        click.echo(line, err=line.startswith("warning:"))


def _republish(root: Path, kb_path: Path, settings: Settings) -> bool:
    """Publish a kept version built from this very KB (and model, and build settings) instead of building."""
    from .build.reuse import republish

    done = republish(root, kb_path, settings)
    if done is not None:
        click.echo(f"KB unchanged since {done.version.name} (same checksum, model and build settings): "
                   f"{'is current already' if done.was_current else 'republished'}, not rebuilt, in "
                   f"{done.seconds:.1f}s (--force builds anyway)\npublished: {root / 'current'} -> {done.version.name}")
    return done is not None


@main.command("check-kb")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--selftest", is_flag=True, help="also run the leave-one-out self-test (loads the model)")
def check_kb(path: Path | None, selftest: bool) -> None:
    """Validate a KB and report every problem at once."""
    from .kb import load_kb

    settings = Settings()
    path = path or settings.kb_dir
    kb = load_kb(path, settings.teams, settings.min_similar)
    click.echo(f"{path}: OK, {len(kb.entries)} entries, {kb.question_count} questions, "
               f"{len({e.category for e in kb.entries})} categories")
    if selftest:
        from .build import IndexBuilder

        result = IndexBuilder(settings.model_copy(update={"selftest_floor": 0.0}), _embedder(settings)).build(kb)
        st = result.manifest.selftest
        assert st is not None
        click.echo(f"self-test: top-1 {st.top1:.3f} over {st.queries} held-out questions "
                   f"(floor {settings.selftest_floor})")
        for f in result.failures:
            click.echo(f"  {f['entry']}: 「{f['question']}」 -> {f['retrieved']}")
        for o in st.overlaps:
            click.echo(f"overlap: {o.entry}'s questions retrieve {o.other} first ({o.retrieved} of {o.asked})")
        if st.top1 < settings.selftest_floor:
            sys.exit(1)


@main.command()
@click.argument("question")
@click.option("--index", "index_path", type=click.Path(path_type=Path), help="index version or root")
@click.option("--json", "as_json", is_flag=True, help="print the Reply as JSON")
def ask(question: str, index_path: Path | None, as_json: bool) -> None:
    """Ask one question."""
    from .engine import validate_question

    validate_question(question, Settings().max_question_chars)
    assistant = _load_assistant(index_path)
    reply = assistant.ask(question)
    if as_json:
        click.echo(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(format_reply(reply))


def _load_assistant(index_path: Path | None) -> Any:
    from .engine import Assistant

    settings = Settings()
    path = index_path or settings.index_dir / "current"
    if (path / "current").exists():
        path = path / "current"
    return Assistant.from_index(path, settings, _embedder(settings))


def format_reply(reply: Any) -> str:
    lines = [f"[{reply.decision}] confidence {reply.confidence:.2f} — {reply.reason}"]
    if reply.answer:
        lines += [f"问：{reply.answer.question}", reply.answer.answer.rstrip()]
    if reply.decision != "answer":
        lines.append(reply.message)
        lines += [f"  {n}. {a.question} ({a.score:.2f})" for n, a in enumerate(reply.alternatives, 1)]
    elif reply.offer_human:
        lines.append(reply.message)
    return "\n".join(lines)


@main.command()
@click.option("--host", default=None, help="bind address (default FAQ_HOST)")
@click.option("--port", default=None, type=int, help="port (default FAQ_PORT)")
def serve(host: str | None, port: int | None) -> None:
    """Serve the help desk: API, help widget and agent console, with the index at FAQ_INDEX_DIR/current."""
    from sqlalchemy.engine import make_url

    from .api.server import run_server

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    if not (settings.index_dir / "current").exists():
        fail(f"{settings.index_dir / 'current'}: no index here; run `assistant build` first")
    settings = settings.model_copy(update={"workers": settings.serve_workers})
    if settings.workers > 1 and settings.index_watch_s <= 0:
        fail("FAQ_WORKERS > 1 needs FAQ_INDEX_WATCH_S > 0: an admin reload reaches only one worker")
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    dsn = make_url(settings.database_dsn).render_as_string(hide_password=True)
    click.echo(f"{settings.workers} process(es), each loading the model and {settings.index_dir / 'current'} "
               f"(/readyz answers once it is loaded); tickets in {dsn}")
    _urls(base)
    run_server(settings, host, port)


def _urls(base: str) -> None:
    click.echo(f"help widget    {base}/")
    click.echo(f"agent console  {base}/agent   (keys: assistant keys add --role agent --name NAME)")
    click.echo(f"API docs       {base}/docs")
    click.echo(f"health         {base}/healthz  {base}/readyz  {base}/metrics")


@main.group()
def keys() -> None:
    """API keys for agents and admins (only their hashes are stored, in FAQ_DATA_DIR)."""


@keys.command("add")
@click.option("--role", required=True, type=click.Choice(["agent", "admin"]), help="what the key may do")
@click.option("--name", required=True, help="who holds it (shown in the ticket audit trail)")
def keys_add(role: str, name: str) -> None:
    """Create a key and print it once (the last line is the key alone)."""
    from .keys import KeyRing

    ring = KeyRing(Settings().keys_file)
    key = ring.add(name, "admin" if role == "admin" else "agent")
    click.echo(f"{role} key for {name!r}; store it now, it cannot be shown again:", err=True)
    click.echo(key)


@keys.command("list")
def keys_list() -> None:
    """Names, roles and creation times of the keys (never the keys)."""
    from .keys import KeyRing

    records = KeyRing(Settings().keys_file).records()
    if not records:
        click.echo("no keys; create one with `assistant keys add --role agent --name NAME`")
    for r in records:
        click.echo(f"{r.name:24} {r.role:6} {r.created}")


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Delete a key; a running server refuses it from its next request."""
    from .keys import KeyRing

    KeyRing(Settings().keys_file).revoke(name)
    click.echo(f"revoked {name}")


main.add_command(eval_cmd)
main.add_command(kb_group)
