"""The README documents what a new engineer or operator needs, and CI runs the README's tests."""

from __future__ import annotations

import re

from assistant.settings import ENV_PREFIX, REPO_ROOT, SETTINGS
from web.settings import WEB_SETTINGS

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    for setting in SETTINGS + WEB_SETTINGS:
        assert f"`{ENV_PREFIX}{setting.name.upper()}`" in README, setting.name


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_requirements_are_pinned_and_torch_is_the_cpu_build():
    lines = [line.strip() for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert all("==" in line for line in lines), lines
    assert "torch==2.13.0" in lines
