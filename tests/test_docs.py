"""The README stays true: its first two commands, its settings table, its CLI lines."""

import re

from assistant.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_two_commands_are_serve_and_test() -> None:
    commands = re.findall(r"^(make \w+)", README, flags=re.M)
    assert commands[:2] == ["make serve", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^serve:", makefile, flags=re.M) and re.search(r"^test:", makefile, flags=re.M)


def test_every_setting_is_documented() -> None:
    missing = [f"FAQ_{name.upper()}" for name in Settings.model_fields if f"`FAQ_{name.upper()}`" not in README]
    assert not missing, f"settings missing from README: {missing}"


def test_cli_commands_in_readme_exist() -> None:
    from assistant.cli import main

    used = set(re.findall(r"bin/assistant ([\w-]+)", README))
    assert {"build", "check-kb", "ask", "eval", "serve"} <= used
    assert used <= set(main.commands), used - set(main.commands)
