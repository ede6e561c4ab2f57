"""How the code may depend on itself and on libraries.

The arrows between apps point one way: digests uses papers, papers never uses
digests. Of the ``arxiv`` package only the public API is used: no ``_name``
from it, and no subclass of its classes (which would lean on their internals).
"""

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


CODE_DIRS = ("papers", "digests", "config", "bench", "scripts", "tests")


def private_arxiv_uses(path: Path) -> list[str]:
    """Every use in a file of a private ``arxiv`` name or a subclass of an ``arxiv`` class, with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = {"arxiv"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update(a.asname for a in node.names if a.name == "arxiv" and a.asname)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("arxiv._")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("arxiv._"):
                found.append((node.lineno, f"from {node.module}"))
            elif node.module == "arxiv":
                found += [(node.lineno, f"arxiv.{a.name}") for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if _private(node.attr):
                found.append((node.lineno, f"arxiv.{node.attr}"))
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id in aliases:
                    found.append((node.lineno, f"class {node.name}(arxiv.{base.attr})"))
    return [f"{path.name}:{line} uses {what}" for line, what in sorted(found)]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_arxiv_uses_under(root: Path, dirs=CODE_DIRS) -> list[str]:
    return [use for d in dirs for path in sorted((root / d).rglob("*.py")) for use in private_arxiv_uses(path)]


def test_the_code_uses_only_the_public_api_of_arxiv():
    assert private_arxiv_uses_under(ROOT) == []


def test_the_check_sees_private_arxiv_names_and_subclasses(tmp_path):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "client.py").write_text(
        "import arxiv\n"
        "import arxiv._feed\n"
        "from arxiv import _feed, Result\n"
        "import arxiv as ax\n"
        "class Client(arxiv.Client):\n"
        "    pass\n"
        "feed = ax._feed.parse(b'')\n"
        "fine = arxiv.Result('x'), arxiv.__version__\n"
    )
    assert private_arxiv_uses_under(tmp_path, dirs=("papers",)) == [
        "client.py:2 uses arxiv._feed",
        "client.py:3 uses arxiv._feed",
        "client.py:5 uses class Client(arxiv.Client)",
        "client.py:7 uses arxiv._feed",
    ]
