"""The book's structure, read once for tests and benchmarks: the chapters of _toc.yml and a chapter's budget."""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from types import SimpleNamespace

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files(toc: dict) -> list[str]:
    """Every `file:` entry of a Jupyter Book _toc.yml (parsed), in book order, the root page first."""
    files = [toc["root"]] if "root" in toc else []
    for key in ("parts", "chapters", "sections"):
        for entry in toc.get(key, []) or []:
            if "file" in entry:
                files.append(entry["file"])
            files += toc_files({k: v for k, v in entry.items() if k != "file"})
    return files


def toc_chapters(root: Path = ROOT) -> list[str]:
    """The chapters of root/_toc.yml in course order, without the root page and suffix, e.g. 'chapters/lenet'."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [name.removesuffix(".ipynb").removesuffix(".md") for name in toc_files(toc)]
    return files[1:] if "root" in toc else files


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks of the book at `root`, in the order of its _toc.yml (Markdown pages are skipped)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = [root / f"{name.removesuffix('.ipynb')}.ipynb" for name in toc_files(toc)]
    return [path for path in found if path.exists()]


def chapter_budget(chapter: str, profile: str, root: Path = ROOT) -> SimpleNamespace:
    """Run a chapter's budget cell (the code cell with `cfg = d2lite.budget(`) under `profile`; return its `cfg`."""
    nb = nbformat.read(root / f"{chapter}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "cfg = d2lite.budget(" in c.source]
    if len(cells) != 1:
        raise ValueError(f"{chapter}: expected one code cell with cfg = d2lite.budget(, found {len(cells)}")
    before = os.environ.get("D2LITE_PROFILE")
    os.environ["D2LITE_PROFILE"] = profile
    scope: dict = {}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec("import d2lite", scope)               # as the setup cell above it does
            exec(compile(cells[0], f"{chapter}.ipynb (budget cell)", "exec"), scope)
    finally:
        if before is None:
            del os.environ["D2LITE_PROFILE"]
        else:
            os.environ["D2LITE_PROFILE"] = before
    return scope["cfg"]
