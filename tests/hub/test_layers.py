"""The import-linter contracts in pyproject.toml hold on this code and fail on the imports they forbid.

Each failing case runs `lint-imports` on a scratch copy of the project's Python files with one bad
module added, so the work tree is never touched; a run takes well under a second.
"""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _only_python(directory: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or (Path(directory, name).is_file() and not name.endswith(".py"))
    ]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the packages import-linter reads, plus pyproject.toml, to add a bad module to."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_only_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_module(project: Path, dotted: str, source: str) -> None:
    path = project.joinpath(*dotted.split(".")).with_suffix(".py")
    path.parent.mkdir(exist_ok=True)  # a new subpackage at most one level below an app
    (path.parent / "__init__.py").touch()
    path.write_text(source)


def broken(result: subprocess.CompletedProcess) -> str:
    """The report, whitespace-normalised (rich wraps long lines), after checking the run failed."""
    assert result.returncode == 1, result.stdout + result.stderr
    return " ".join(result.stdout.split())


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_fails(project):
    add_module(project, "accounts._layer_probe", "from messaging.models import Message  # noqa\n")
    report = broken(lint_imports(project))
    assert "accounts is not allowed to import messaging" in report
    assert "accounts._layer_probe -> messaging.models (l.1)" in report


def test_hub_infrastructure_importing_an_app_fails(project):
    add_module(project, "hub._layer_probe", "from accounts import audit  # noqa\n")
    report = broken(lint_imports(project))
    assert "hub is not allowed to import accounts" in report


def test_importing_an_entry_point_fails(project):
    add_module(project, "messaging._layer_probe", "from hub import urls  # noqa\n")
    report = broken(lint_imports(project))
    assert "Illegal imports of protected package hub.urls" in report
    assert "messaging._layer_probe -> hub.urls" in report


def test_a_cycle_inside_an_app_fails(project):
    add_module(project, "accounts.probe_a", "from accounts import probe_b  # noqa\n")
    add_module(project, "accounts.probe_b", "from accounts import probe_a  # noqa\n")
    report = broken(lint_imports(project))
    assert "Import cycle in accounts between probe_a, probe_b" in report
    assert "accounts.probe_a -> accounts.probe_b (l.1)" in report


def test_services_and_tasks_may_import_each_other_but_no_third_module_may_join(project):
    add_module(project, "accounts.probe.services", "from accounts.probe import tasks  # noqa\n")
    add_module(project, "accounts.probe.tasks", "from accounts.probe import services  # noqa\n")
    assert lint_imports(project).returncode == 0

    # selectors -> tasks closes a longer cycle through services -> selectors: reported whole.
    add_module(project, "accounts.probe.selectors", "from accounts.probe import tasks  # noqa\n")
    add_module(project, "accounts.probe.services", "from accounts.probe import selectors, tasks  # noqa\n")
    report = broken(lint_imports(project))
    assert "Import cycle in accounts.probe between selectors, services, tasks" in report


def test_every_app_of_the_project_is_placed_in_a_layer():
    """A new app must be a root package (or import-linter never reads it) and sit in a layer."""
    own_apps = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).parts
    }
    assert own_apps == set(CONFIG["root_packages"])
    layers = next(contract for contract in CONFIG["contracts"] if contract["id"] == "layers")["layers"]
    placed = {re.sub(r"[()\s]", "", name) for layer in layers for name in layer.split("|")}
    assert own_apps <= placed
