"""README's layout table names what the tree holds."""

import re

from orchestration.paths import REPO_ROOT


def layout_table() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout", 1)[1].split("\n## ", 1)[0]


def test_every_package_module_and_model_folder_is_in_the_layout_table():
    table = layout_table()
    package = REPO_ROOT / "orchestration"
    modules = {path.name for path in package.iterdir() if path.suffix == ".py" and path.name != "__init__.py"}
    packages = {f"{path.name}/" for path in package.iterdir() if (path / "__init__.py").exists()}
    folders = {
        str(path.relative_to(REPO_ROOT)) + "/"
        for path in (REPO_ROOT / "models").glob("*/*")
        if path.is_dir() and not path.name.startswith("_")
    } | {"models/intermediate/"}
    missing = sorted(name for name in modules | packages | folders if f"`{name}" not in table)
    assert not missing


def test_every_path_the_table_names_exists():
    named = re.findall(r"^\| `([^`]+)`", layout_table(), flags=re.M)
    assert named
    assert not [path for path in named if not (REPO_ROOT / path.rstrip("/")).exists()]
