"""The tree keeps the design card: no stdlib shadowing, imports flow one way."""

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


def _onegrid_imports(package: str) -> set[str]:
    found = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found |= {n.split(".")[1] for n in names if n.startswith("onegrid.")}
    return found


@pytest.mark.parametrize(("package", "forbidden"), [
    ("platform", {"gis", "ingest", "api", "demo", "cli"}),
    ("gis", {"ingest", "api", "demo", "cli"}),
    ("ingest", {"api", "demo", "cli"}),
    ("api", {"demo", "cli"}),
])
def test_imports_flow_one_way(package: str, forbidden: set[str]) -> None:
    assert _onegrid_imports(package) & forbidden == set()


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
