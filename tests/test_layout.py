"""The tree keeps the design card: no stdlib shadowing, imports flow one way (the benches on
top, the web app without the ingest worker), only the settings read the environment, and pages
load nothing from the internet."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "onegrid"


def test_stdlib_platform_module_is_not_shadowed_from_the_repo_root() -> None:
    out = subprocess.run([sys.executable, "-c", "import platform; print(platform.system())"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Linux"


IMPORTERS = {"import_module", "__import__"}  # importlib.import_module(name), __import__(name)


def _module_name(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, root: Path) -> set[str]:
    """The modules ``path`` names: import statements (relative ones resolved against its place
    under ``root``) and string constants given to import_module or __import__."""
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", None)
            if called in IMPORTERS and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def _onegrid_uses(tree: Path, root: Path) -> dict[str, set[str]]:
    """{package of onegrid (``api``, ``ingest``, ``cli`` …): the files under ``tree`` using it}."""
    uses: dict[str, set[str]] = {}
    for path in tree.rglob("*.py"):
        for name in _imports(path, root):
            if name.startswith("onegrid."):
                uses.setdefault(name.split(".")[1], set()).add(str(path.relative_to(root)))
    return uses


@pytest.mark.parametrize(("package", "forbidden"), [
    ("platform", {"gis", "ingest", "api", "demo", "cli"}),
    ("gis", {"ingest", "api", "demo", "cli"}),
    ("ingest", {"api", "demo", "cli"}),
    ("api", {"ingest", "demo", "cli"}),  # topic and group names are in platform/streams
])
def test_imports_flow_one_way(package: str, forbidden: set[str]) -> None:
    uses = _onegrid_uses(SRC / package, SRC.parent)
    assert {name: files for name, files in uses.items() if name in forbidden} == {}


def test_nothing_under_src_imports_the_benches() -> None:
    offenders = {f"{path.relative_to(ROOT)}: {name}" for path in SRC.rglob("*.py")
                 for name in _imports(path, SRC.parent) if name.split(".")[0] == "bench"}
    assert offenders == set()


def test_the_benches_use_the_library_not_the_command() -> None:
    used = _onegrid_uses(ROOT / "bench", ROOT)
    assert used and used.keys() <= {"platform", "gis", "ingest", "demo", "api"}


def test_the_import_check_sees_every_way_of_importing(tmp_path: Path) -> None:
    view = tmp_path / "onegrid" / "api" / "view.py"
    view.parent.mkdir(parents=True)
    view.write_text("import importlib\nfrom importlib import import_module\n"
                    "from .. import cli\nfrom ..gis.maps import grid_map\n"
                    "from onegrid import platform\n"
                    "worker = importlib.import_module('onegrid.ingest.worker')\n"
                    "city = import_module('onegrid.demo.city')\n"
                    "common = __import__('bench.common')\n")
    assert _onegrid_uses(view.parent, tmp_path).keys() == {
        "cli", "gis", "platform", "ingest", "demo"}
    assert "bench.common" in _imports(view, tmp_path)


ENVIRONMENT_READS = re.compile(r"os\.environ|os\.getenv|\bgetenv\(|environ\.get|"
                               r"from\s+os\s+import[^\n]*\benviron\b")


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in SRC.rglob("*.py") if path != SRC / "platform" / "settings.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if ENVIRONMENT_READS.search(line)]
    assert offenders == [], "read the environment in platform/settings.py and pass Settings down"


# Spelled in pieces so that searching the tree for CDN hosts finds only real uses.
CDN_HOSTS = tuple("".join(parts) for parts in (("cdn.", "jsdelivr"), ("unpkg", ".com"),
                                                ("cdn", "js"), ("googleapis", ".com")))


def test_pages_load_nothing_from_the_internet() -> None:
    served = [p for p in SRC.rglob("*") if p.suffix in {".py", ".html", ".js", ".css", ".j2"}]
    offenders = [str(p) for p in served
                 if any(cdn in p.read_text(errors="ignore")
                        for cdn in CDN_HOSTS)]
    assert offenders == []
