"""`assistant eval`: the figures on labelled questions, dialogues, intents, emotions and feedback, side by side with
the baselines, with an index built for the KB (or reused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .config import Settings


@click.command("eval")
@click.option("--kb", "kb_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", "queries", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="JSON Lines of {query, expected}: an entry id, a list of ids (any is right) or null; or dialogues "
              "({\"turns\": [...], \"expected\": id}: the last turn scored)")
@click.option("--intents", "intents", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="labelled intents (handoff, small talk, off-domain, near-misses)")
@click.option("--emotions", "emotions", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="labelled emotions")
@click.option("--feedback", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="labelled feedback and look-alikes; or questions ({query}): the share taken as feedback")
@click.option("--topics", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="labelled feedback with topics: pairwise precision and recall of the grouping")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--plots", type=click.Path(path_type=Path), help="write precision/coverage and reliability PNGs here")
@click.option("--baselines", is_flag=True, help="also BM25 alone and plain dense m3e-small alone, in one table")
@click.option("--errors", is_flag=True, help="also list each question, intent, emotion and feedback message got wrong "
              "(`wrong`): read the errors of the sets you tune on, never a report part's")
@click.option("--tune", is_flag=True, help="evaluate an index built with `build --tune` (cached apart)")
@click.option("--tune-epochs", default=1.0, show_default=True, type=click.FloatRange(0.1, 20))
def eval_cmd(kb_path: Path, queries: tuple[Path, ...], intents: tuple[Path, ...], emotions: tuple[Path, ...],
             feedback: tuple[Path, ...], topics: tuple[Path, ...], as_json: bool, plots: Path | None,
             baselines: bool, errors: bool, tune: bool, tune_epochs: float) -> None:
    """Evaluate on labelled questions (and dialogues, intents, emotions), with an index built (or reused)."""
    from .cli import fail
    from .evaluation.conversation import is_dialogue_file
    from .evaluation.run import load_queries

    if not (queries or intents or emotions or feedback or topics):
        fail("give --queries, --intents, --emotions, --feedback or --topics")
    if errors and baselines:
        fail("--errors lists the project's errors: run it without --baselines")
    settings = Settings()
    dialogues = [q for q in queries if is_dialogue_file(q)]
    cases = load_queries([q for q in queries if q not in dialogues])
    assistant = _assistant(kb_path, settings, as_json, tune_epochs if tune else None)
    if baselines:
        return _compare(kb_path, cases, assistant, settings, as_json)
    report = _questions(assistant, cases, as_json, errors, plots, kb_path)
    report.update({**_conversations(assistant, dialogues, list(intents), list(emotions), errors),
                   **_feedback(assistant, feedback, topics, errors)})
    _echo_report(report, as_json)


def _assistant(kb_path: Path, settings: Settings, as_json: bool, tune_epochs: float | None) -> Any:
    """The service over the KB's index, built for it (or reused) in the cache; ``tune_epochs``: a fine-tuned one."""
    from .build import TuneConfig
    from .engine import Assistant
    from .engine.embed import load_embedder
    from .evaluation.run import cached_index

    embedder = load_embedder(settings)
    path = cached_index(kb_path, settings, embedder, progress=not as_json,
                        tune=TuneConfig(epochs=tune_epochs) if tune_epochs is not None else None)
    return Assistant.from_index(path, settings, embedder)


def _questions(assistant: Any, cases: list[Any], as_json: bool, errors: bool, plots: Path | None,
               kb_path: Path) -> dict[str, Any]:
    """The labelled questions' figures (with `wrong`: each one not answered right), and their plots."""
    from .evaluation.run import lost, run_queries, summarise

    records = run_queries(assistant, cases, progress=not as_json)
    report = summarise(records, assistant.thresholds.to_dict()) if cases else {}
    if errors and cases:
        report["wrong"] = lost(cases, records)
    if plots is not None and records:
        _plots(records, assistant, plots, kb_path, as_json)
    return report


def _echo_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for key, value in report.items():
        if key == "wrong":  # --errors: the questions', one a line; the intents' and emotions' after their figures
            _echo_wrong(key, value)
            continue
        figures = {k: v for k, v in value.items() if k != "wrong"} if isinstance(value, dict) else value
        click.echo(f"{key:20} {json.dumps(figures, ensure_ascii=False)}")
        if isinstance(value, dict) and "wrong" in value:
            _echo_wrong(f"{key} wrong", value["wrong"])


def _echo_wrong(title: str, lines: list[str]) -> None:
    click.echo(f"{title:20} {len(lines)}")
    for line in lines:
        click.echo(f"  {line}")


def _plots(records: list[Any], assistant: Any, plots: Path, kb_path: Path, as_json: bool) -> None:
    from .evaluation.plots import write_plots

    written = write_plots(records, assistant.thresholds.to_dict(), plots, kb_path.parent.name or kb_path.name)
    if not as_json:
        click.echo("plots: " + ", ".join(str(p) for p in written))


def _conversations(assistant: Any, dialogues: list[Path], intents: list[Path], emotions: list[Path],
                   errors: bool = False) -> dict[str, Any]:
    from .evaluation import conversation as conv

    out: dict[str, Any] = {}
    if dialogues:
        out["dialogues"] = conv.evaluate_dialogues(assistant, conv.load_dialogues(dialogues))
    if intents:
        out["intents"] = _kept(conv.evaluate_intents(assistant, conv.load_intents(intents)), errors)
    if emotions:
        out["emotions"] = _kept(conv.evaluate_emotions(assistant, conv.load_emotions(emotions)), errors)
    return out


def _kept(figures: dict[str, Any], errors: bool) -> dict[str, Any]:
    """A set's figures, with its `wrong` lines only when --errors asked for them."""
    return figures if errors else {k: v for k, v in figures.items() if k != "wrong"}


def _feedback(assistant: Any, feedback: tuple[Path, ...], topics: tuple[Path, ...],
              errors: bool = False) -> dict[str, Any]:
    from .evaluation.feedback import evaluate_feedback, evaluate_topics, load_feedback_file

    out = {f"feedback {p}": _kept(evaluate_feedback(assistant, load_feedback_file(p)), errors) for p in feedback}
    out.update({f"topics {p}": evaluate_topics(assistant, load_feedback_file(p)) for p in topics})
    return out


def _compare(kb_path: Path, cases: list[Any], assistant: Any, settings: Settings, as_json: bool) -> None:
    from .evaluation.baselines import compare, table
    from .kb import load_kb

    results = compare(load_kb(kb_path, settings.teams), cases, assistant, settings)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False))
        return
    n_in = results["project"]["in_scope"]
    click.echo(f"{len(cases)} questions ({n_in} in scope, {len(cases) - n_in} without an entry); KB {kb_path}")
    click.echo(table(results))
