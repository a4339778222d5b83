"""Write (or --check) the setup cell of every chapter notebook from _config.yml's repository settings.

The setup cell is the first code cell, right after the chapter's title. It installs d2lite from the course
repository where it is not importable (Colab) and does nothing where it is; on the website its code is folded away
(tag `hide-input`) and its output, the device and compute budget, stays visible.
Run `python tools/setup_cell.py` after changing `repository:` in _config.yml.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "d2lite-setup"
TAGS = [TAG, "hide-input"]


def setup_source(config_path: Path = ROOT / "_config.yml") -> str:
    """The setup cell's code, built from the repository url and branch in _config.yml."""
    repo = yaml.safe_load(config_path.read_text())["repository"]
    url = f"git+{repo['url'].rstrip('/')}@{repo['branch']}"
    return (
        "# Setup: installs d2lite from the course repository where it is missing (as on Colab);\n"
        "# does nothing where it is installed. Then prints the device and compute budget.\n"
        "try:\n"
        "    import d2lite\n"
        "except ImportError:\n"
        f"    %pip install --quiet \"d2lite @ {url}\"\n"
        "    import d2lite\n"
        "d2lite.hello()"
    )


def notebooks() -> list[Path]:
    """Every chapter notebook."""
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def first_code_cell(nb) -> int | None:
    """Index of the notebook's first code cell, or None."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def stale(path: Path, source: str) -> bool:
    """True if the notebook's first code cell is not the current setup cell (source and tags)."""
    nb = nbformat.read(path, as_version=4)
    i = first_code_cell(nb)
    return i is None or nb.cells[i].source != source or nb.cells[i].metadata.get("tags") != TAGS


def write(path: Path, source: str) -> None:
    """Replace the notebook's setup cell, or insert one after the title."""
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": TAGS})
    i = first_code_cell(nb)
    if i is not None and TAG in nb.cells[i].metadata.get("tags", []):
        cell["id"] = nb.cells[i].get("id", cell["id"])
        nb.cells[i] = cell
    else:
        nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, cell)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    source = setup_source()
    bad = [p for p in notebooks() if stale(p, source)]
    if "--check" in argv:
        for p in bad:
            print(f"{p.relative_to(ROOT)}: setup cell out of date; run python tools/setup_cell.py")
        return 1 if bad else 0
    for p in bad:
        write(p, source)
        print(f"updated {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
