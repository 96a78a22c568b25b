"""The README promises what the tool does: every command, code and rule is in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from laa_xl.cli import main
from laa_xl.issues import CATALOGUE
from laa_xl.render import rules_markdown, severity_markdown
from laa_xl.slippage import RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert main.commands[name].help, f"{name} has no help text"
    assert f"laa-xl {name}" in README


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_issue_code_is_in_the_readme(code: str) -> None:
    assert f"`{code}`" in README


@pytest.mark.parametrize("rule", list(RULES))
def test_every_slippage_rule_is_in_the_readme(rule: str) -> None:
    assert f"`{rule}`" in README


def test_the_readme_rule_table_is_the_registry() -> None:
    assert severity_markdown() + "\n" + rules_markdown() in README


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    line = next(ln for ln in README.splitlines()
                if ln.rstrip().endswith("# the tests, with branch coverage"))
    install, test = (part.strip() for part in line.split("#")[0].split("&&"))
    ci_lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert ci_lines[-1] == test == "python3 -m pytest -q --cov"
    assert install == "pip install -e '.[test]'"
    assert "python3 -m pip install --quiet -e '.[test]'" in ci_lines
    assert "python3 -m ruff check laa_xl tests" in ci_lines
    assert "python3 -m mypy laa_xl" in ci_lines
