"""pyproject.toml, environment.yml and binder/environment.yml list the same dependencies.

Conda users and Binder never read pyproject.toml, so a dependency added there and forgotten in an
environment file breaks them silently; these tests make the drift loud.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> the conda-forge names that provide it.
CONDA_NAMES = {"torch": {"pytorch", "pytorch-cpu"}}
CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>.*)$")

# Which parts of pyproject each file must carry.
EXPECTED = {
    "environment.yml": ("runtime", "notebooks", "book", "test"),
    "binder/environment.yml": ("runtime", "notebooks"),
}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pyproject_requirements(parts: tuple[str, ...]) -> dict[str, SpecifierSet]:
    project = pyproject()["project"]
    reqs: dict[str, SpecifierSet] = {}
    for part in parts:
        lines = project["dependencies"] if part == "runtime" else project["optional-dependencies"][part]
        for line in lines:
            req = Requirement(line)
            reqs[canonicalize_name(req.name)] = req.specifier
    return reqs


def conda_requirement(line: str) -> tuple[str, SpecifierSet]:
    """``numpy>=1.24`` / ``python=3.11`` -> (PyPI-style name, specifier)."""
    match = CONDA_SPEC.match(line.strip())
    assert match, f"cannot parse conda dependency {line!r}"
    name, spec = match["name"], match["spec"].strip()
    if re.fullmatch(r"=[^=<>!].*", spec):  # conda's single '=' means "this version"
        spec = "=" + spec
    pypi = next((pypi for pypi, names in CONDA_NAMES.items() if name in names), name)
    return canonicalize_name(pypi), SpecifierSet(spec)


def environment_requirements(path: Path) -> tuple[dict[str, SpecifierSet], list[str]]:
    """All requirements of an environment file (conda and pip sections) and its pip-only lines."""
    env = yaml.safe_load(path.read_text())
    reqs: dict[str, SpecifierSet] = {}
    pip_lines: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_lines.extend(item["pip"])
            continue
        name, spec = conda_requirement(item)
        assert name not in reqs, f"{path.name}: {name} listed twice"
        reqs[name] = spec
    for line in pip_lines:
        if line.startswith("-e"):
            continue
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in reqs, f"{path.name}: {name} listed twice"
        reqs[name] = req.specifier
    return reqs, pip_lines


@pytest.mark.parametrize("relpath", sorted(EXPECTED))
def test_environment_file_matches_pyproject(relpath: str) -> None:
    expected = pyproject_requirements(EXPECTED[relpath])
    found, _ = environment_requirements(ROOT / relpath)
    python = found.pop("python")
    found.pop("pip")
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    assert not missing, f"{relpath} lacks {missing}: add them with the specifiers from pyproject.toml"
    assert not extra, f"{relpath} lists {extra}, which pyproject.toml does not: add them there or remove them"
    differ = {name: (str(expected[name]), str(found[name])) for name in expected if expected[name] != found[name]}
    assert not differ, f"{relpath}: version specifiers differ from pyproject.toml (pyproject, file): {differ}"
    requires_python = SpecifierSet(pyproject()["project"]["requires-python"])
    pinned = [s.version for s in python if s.operator == "=="]
    if pinned:
        assert requires_python.contains(pinned[0].rstrip(".*")), f"{relpath}: python {pinned[0]} violates {requires_python}"
    else:
        assert python == requires_python, f"{relpath}: python {python} differs from requires-python {requires_python}"


def test_root_environment_installs_the_package() -> None:
    _, pip_lines = environment_requirements(ROOT / "environment.yml")
    assert "-e ." in pip_lines, "environment.yml must install the package itself (pip: - -e .)"


def test_binder_uses_cpu_torch_and_installs_the_package() -> None:
    found, _ = environment_requirements(ROOT / "binder/environment.yml")
    env = yaml.safe_load((ROOT / "binder/environment.yml").read_text())
    assert any(str(d).startswith("pytorch-cpu") for d in env["dependencies"]), "Binder has no GPU: use pytorch-cpu"
    assert "torch" in found
    post_build = ROOT / "binder/postBuild"
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"
    commands = [line for line in post_build.read_text().splitlines() if line and not line.startswith("#")]
    assert any(re.search(r"pip install .*-e \.$", line) for line in commands), "postBuild must run `pip install -e .`"
