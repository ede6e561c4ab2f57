"""The arrows between apps point one way: digests uses papers, papers never uses digests."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, anywhere in it (also inside functions), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def imports_of(app: str, target: str, *, root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in sorted((root / app).rglob("*.py"))
        for line, module in imported_modules(path)
        if module == target or module.startswith(f"{target}.")
    ]


def test_papers_imports_nothing_from_digests():
    assert imports_of("papers", "digests") == []


def test_the_check_sees_an_import_hidden_in_a_function(tmp_path):
    app = tmp_path / "papers"
    app.mkdir()
    (app / "hidden.py").write_text("def f():\n    from digests.services.build import digest_build\n")
    (app / "fine.py").write_text("import digestsfoo\nfrom papers.models import Paper\n")
    assert imports_of("papers", "digests", root=tmp_path) == ["papers/hidden.py:2 imports digests.services.build"]
