"""Every chapter notebook: committed clean, with the current setup cell, and executes in the smoke profile."""
import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

from chapters import ROOT, toc_chapters

CHAPTERS = toc_chapters()


def test_every_toc_entry_is_a_notebook_and_every_notebook_is_in_the_toc():
    on_disk = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    assert set(CHAPTERS) == on_disk
    assert all((ROOT / f"{c}.ipynb").exists() for c in CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_committed_without_outputs_and_with_the_setup_cell(chapter):
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    from setup_cell import setup_source
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]
    assert not dirty, f"clear the outputs of cells {dirty} (jupyter nbconvert --clear-output --inplace)"
    assert nb["cells"][0]["cell_type"] == "markdown" and "".join(nb["cells"][0]["source"]).startswith("# "), \
        "the notebook must open with its title (# ...)"
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "".join(first_code["source"]) == setup_source(), "run python tools/setup_cell.py"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_executes_in_the_smoke_profile(chapter, data_dir, tmp_path):
    nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    env_before = os.environ.get("D2LITE_PROFILE")
    os.environ["D2LITE_PROFILE"] = "smoke"          # the kernel inherits this process's environment
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("D2LITE_PROFILE")
        else:
            os.environ["D2LITE_PROFILE"] = env_before
    nbformat.write(nb, tmp_path / f"{chapter.split('/')[-1]}.executed.ipynb")
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Budget: 'smoke'" in text, "the notebook must print its budget (d2lite.budget)"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_lines_fit_the_page_column(chapter):
    """No code line longer than 88 characters, in code cells and in markdown code blocks (the solutions), so
    nothing is clipped in the page column."""
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    long = [(i, line) for i, c in enumerate(nb["cells"]) for line in _code_lines(c) if len(line) > 88]
    assert not long, f"cells with code lines over 88 characters: {[(i, len(line)) for i, line in long][:10]}"


def _code_lines(cell: dict) -> list[str]:
    """A code cell's lines, or the lines inside a markdown cell's ``` fences."""
    lines = "".join(cell["source"]).splitlines()
    if cell["cell_type"] == "code":
        return lines
    inside, code = False, []
    for line in lines:
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            code.append(line)
    return code
