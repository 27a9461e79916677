"""Layering: PyQt5 only under composer/gui (and the one report module), no import loops in edit/."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "composer"
QT_ALLOWED = {PACKAGE / "casefile" / "report_pdf.py"}


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_pyqt5_is_imported_only_by_the_gui_and_the_report_module():
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if (PACKAGE / "gui") not in p.parents and p not in QT_ALLOWED
                 and any(m.split(".")[0] == "PyQt5" for m in _imports(p))]
    assert offenders == []


def test_verify_reproduce_and_cli_never_load_qt():
    code = ("import sys\n"
            "import composer.casefile.verify, composer.casefile.reproduce, composer.casefile.export\n"
            "import composer.cli, composer.session, composer.operations, composer.record.recovery\n"
            "assert not [m for m in sys.modules if m.startswith('PyQt5')], 'PyQt5 was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_no_import_loop_between_masks_and_regions():
    assert "composer.edit.masks" not in _imports(PACKAGE / "edit" / "regions.py")


def test_record_and_operations_are_below_session_and_casefile():
    for path in [*(PACKAGE / "record").glob("*.py"), *(PACKAGE / "operations").glob("*.py")]:
        bad = {m for m in _imports(path) if m.startswith(("composer.session", "composer.casefile", "composer.gui"))}
        assert not bad, (path.name, bad)
