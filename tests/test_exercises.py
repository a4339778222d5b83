"""Every chapter's Exercises section follows CONTRIBUTING.md, and its worked solutions pass their checkers.

(a) Structure: a last `## Exercises` section with at least 4 numbered exercises, each with a hidden
    `<details>` solution; coding exercises have an `exercise-stub` cell followed by a `d2lite.check.NAME(...)` cell.
(b) Solutions: a copy of the notebook with every stub replaced by its solution's first ```python block runs
    in the smoke profile, and every check prints "✔ Correct"; the original stubs, run again at the end,
    print "Not solved yet" (so the unsolved notebook gives feedback instead of crashing).
(c) Site: on each built chapter page every solution is folded away until its summary is clicked
    (D2LITE_SITE=path/to/_build/html tests an already built site instead of building the book).
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from chapters import ROOT, toc_chapters
from d2lite import check

CHAPTERS = toc_chapters()
STUB_TAG = "exercise-stub"
EXERCISES_HEADING = re.compile(r"^##\s+Exercises\s*$", re.M)
EXERCISE_HEADING = re.compile(r"^###\s+Exercise\s+(\d+)\b.*$", re.M)
SECTION_HEADING = re.compile(r"^#{1,2}\s+\S.*$", re.M)
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.S | re.M)
CHECK_CALL = re.compile(r"\bd2lite\.check\.(\w+)\s*\(")
FENCED_CODE = re.compile(r"^```.*?^```", re.S | re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MYST_SOLUTION = re.compile(r"\{dropdown\}|\{toggle\}|:class:\s*dropdown|\{admonition\}|\{solution")


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _is_stub(cell) -> bool:
    return cell.cell_type == "code" and STUB_TAG in _tags(cell)


def _solution_code(cell) -> str | None:
    """The first ```python block of a markdown cell holding a <details> solution, else None."""
    if cell.cell_type != "markdown" or "<details>" not in cell.source:
        return None
    block = PYTHON_BLOCK.search(cell.source)
    return block.group(1) if block else None


def _defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines."""
    return {node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _exercises(nb) -> tuple[int, list[tuple[int, str]]]:
    """The cell index of the '## Exercises' heading, and each exercise's number and markdown text, in order.
    A markdown cell may hold the end of one exercise and the start of the next."""
    start = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                  and EXERCISES_HEADING.search(c.source)), -1)
    exercises: list[tuple[int, str]] = []
    for i in range(start if start >= 0 else len(nb.cells), len(nb.cells)):
        if nb.cells[i].cell_type != "markdown":
            continue
        source = nb.cells[i].source
        if i == start:
            source = source[EXERCISES_HEADING.search(source).end():]
        pieces = EXERCISE_HEADING.split(source)             # [before, number, after, number, after, ...]
        if exercises:
            exercises[-1] = (exercises[-1][0], exercises[-1][1] + "\n" + pieces[0])
        exercises += [(int(number), text) for number, text in zip(pieces[1::2], pieces[2::2])]
    return start, exercises


def exercise_problems(nb) -> list[str]:
    """Everything in a notebook's Exercises section that breaks CONTRIBUTING.md's convention (empty if none)."""
    start, exercises = _exercises(nb)
    if start < 0:
        return ["no markdown cell with a '## Exercises' heading"]
    problems = []
    after = [m.group(0) for c in nb.cells[start + 1:] if c.cell_type == "markdown"
             for m in SECTION_HEADING.finditer(FENCED_CODE.sub("", c.source))]
    if after:
        problems.append(f"'## Exercises' must be the last section, but {after[0]!r} follows it")
    numbers = [number for number, _ in exercises]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"exercises must be numbered 1, 2, 3, ... in order ('### Exercise 1: ...'); found {numbers}")
    if len(numbers) < 4:
        problems.append(f"at least 4 exercises are needed, found {len(numbers)}")
    for number, text in exercises:
        if not ("<details>" in text and "<summary>" in text and "</details>" in text):
            problems.append(f"Exercise {number} has no hidden solution (<details><summary>Solution</summary> ... "
                            "</details> in a markdown cell)")
        elif not re.search(r"</summary>[ \t]*\n[ \t]*\n", text):
            problems.append(f"Exercise {number}: leave an empty line after </summary>, or the markdown inside "
                            "<details> shows as raw text in Jupyter and on the site")
        if MYST_SOLUTION.search(text):
            problems.append(f"Exercise {number} uses a MyST directive for its solution; use plain HTML <details> "
                            "(directives show as raw text in Colab)")
    stubs = [i for i, c in enumerate(nb.cells) if _is_stub(c)]
    if not stubs:
        problems.append(f"no coding exercise: no code cell tagged '{STUB_TAG}'")
    for i in stubs:
        problems += _stub_problems(nb, start, i)
    return problems


def _stub_problems(nb, start: int, i: int) -> list[str]:
    """A stub must sit in the Exercises section, return None, be followed by a check cell, then its solution."""
    stub = nb.cells[i].source
    where = f"the '{STUB_TAG}' cell {i}"
    if i < start:
        return [f"{where} comes before '## Exercises'"]
    problems = []
    if "return None" not in stub:
        problems.append(f"{where} should leave the function unsolved: `return None  # your code here`")
    following = [j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "code"]
    calls = CHECK_CALL.findall(nb.cells[following[0]].source) if following else []
    if not calls:
        problems.append(f"{where} should be followed by a code cell calling d2lite.check.NAME(your_function)")
    problems += [f"d2lite.check.{name} does not exist (cell {following[0]})" for name in calls
                 if not callable(getattr(check, name, None))]
    solution = next((_solution_code(c) for c in nb.cells[i + 1:] if _solution_code(c) is not None), None)
    if solution is None:
        return problems + [f"{where} has no solution after it: a <details> markdown cell with a ```python block"]
    try:
        missing = _defined_names(stub) - _defined_names(solution)
    except SyntaxError as error:
        return problems + [f"the solution for {where} is not valid Python: {error}"]
    if missing:
        problems.append(f"the solution's first ```python block must replace {where} completely; "
                        f"it does not define {sorted(missing)}")
    return problems


def _printed(cell) -> str:
    """Everything a code cell printed or displayed as text."""
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        elif "data" in out:
            texts.append(out["data"].get("text/plain", ""))
        elif out.get("output_type") == "error":
            texts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(texts)


def with_solutions(nb):
    """A copy with each stub replaced by its solution, then each original stub and its check cell appended
    again; returns (notebook, replaced stub cells, their check cells, the appended check cells)."""
    nb = copy.deepcopy(nb)
    stubs, solved, rerun = [], [], []
    for i, cell in enumerate(list(nb.cells)):
        if not _is_stub(cell):
            continue
        check_cell = next(j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "code")
        rerun += [cell.source, nb.cells[check_cell].source]
        cell.source = next(_solution_code(c) for c in nb.cells[i + 1:] if _solution_code(c) is not None)
        stubs.append(i)
        solved.append(check_cell)
    for source in rerun:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    unsolved = list(range(len(nb.cells) - len(rerun) + 1, len(nb.cells), 2))
    return nb, stubs, solved, unsolved


def _failure(nb, j: int, stubs: list[int], first_appended: int) -> str:
    """What cell j is, its source and the end of its traceback without terminal colours."""
    part = ("a solution swapped in for a stub" if j in stubs else
            "an unsolved stub or its check, run again at the end" if j >= first_appended else "a chapter cell")
    error = next(o for o in nb.cells[j].outputs if o.get("output_type") == "error")
    traceback = ANSI.sub("", "\n".join(error.get("traceback", [])))
    return (f"with the solutions filled in, cell {j} ({part}) raised:\n{nb.cells[j].source[:400]}\n---\n"
            f"{traceback[-1500:]}")


def solution_problems(nb, cwd: Path, timeout: int = 600) -> list[str]:
    """Run the notebook with its solutions filled in; no cell may raise, every check must pass, and the stubs
    run again at the end must say not solved. Execution goes on after an error so that all problems show."""
    nb, stubs, solved, unsolved = with_solutions(nb)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    first_appended = len(nb.cells) - 2 * len(unsolved)
    problems = [_failure(nb, j, stubs, first_appended) for j, c in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    for j in solved:
        out = _printed(nb.cells[j])
        if "✔ Correct" not in out or "Not solved" in out or "✘" in out:
            problems.append(f"with the solution filled in, cell {j} ({nb.cells[j].source.strip()!r}) printed "
                            f"{out.strip()!r}; expected '✔ Correct'")
    for j in unsolved:
        out = _printed(nb.cells[j])
        if "Not solved yet" not in out:
            problems.append(f"the unsolved stub's check ({nb.cells[j].source.strip()!r}) printed {out.strip()!r}; "
                            "expected 'Not solved yet'")
    return problems


def _read(chapter: str):
    path = ROOT / f"{chapter}.ipynb"
    assert path.exists(), f"{chapter} is listed in _toc.yml but {path.relative_to(ROOT)} does not exist"
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_section_follows_the_convention(chapter):
    problems = exercise_problems(_read(chapter))
    assert not problems, f"{chapter}: see CONTRIBUTING.md 'Exercises':\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_pass_their_checks_in_the_smoke_profile(chapter, data_dir, monkeypatch):
    nb = _read(chapter)
    if exercise_problems(nb):
        pytest.skip("the Exercises section does not follow the convention (see the structure test)")
    monkeypatch.setenv("D2LITE_PROFILE", "smoke")          # the kernel inherits this process's environment
    problems = solution_problems(nb, ROOT / "chapters")
    assert not problems, f"{chapter}:\n- " + "\n- ".join(problems)


# --- On the website: every solution is folded away until its summary is clicked ------------------------------------

@pytest.fixture(scope="module")
def page(browser):
    """A page of the shared headless Chromium (conftest's `browser`), network cut off."""
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "about:"))
                  else route.abort())                                    # offline: local files only
    yield context.new_page()
    context.close()


def hidden_solution_problems(page, solutions: int) -> list[str]:
    """On an opened chapter page: `solutions` <details> blocks, each closed until its summary is clicked."""
    details = page.locator("article details:not(.hide)")   # .hide: folded code cells (the setup cell)
    if details.count() != solutions:
        return [f"the page has {details.count()} <details> blocks; the notebook has {solutions} solutions"]
    problems = ["markdown inside <details> shows as raw text (```)"] if "```" in page.locator("article").inner_text() \
        else []
    for i in range(solutions):
        solution = details.nth(i)
        body = solution.locator(":scope > :not(summary)").first
        if solution.evaluate("d => d.open") or body.is_visible():
            problems.append(f"solution {i + 1} is shown before its summary is clicked")
            continue
        solution.locator("summary").click()
        if not (solution.evaluate("d => d.open") and body.is_visible()):
            problems.append(f"solution {i + 1} does not open when its summary is clicked")
    return problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_are_hidden_on_the_site_until_clicked(chapter, site, page):
    solutions = sum(c.cell_type == "markdown" and c.source.count("<details>") for c in _read(chapter).cells)
    page.goto((site / f"{chapter}.html").as_uri())
    problems = hidden_solution_problems(page, solutions)
    assert not problems, f"{chapter}.html:\n- " + "\n- ".join(problems)


def test_site_check_names_open_and_raw_solutions(page):
    hidden = "<details><summary>Solution</summary><p>Because.</p></details>"
    page.set_content(f"<article>{hidden}{hidden}</article>")
    assert hidden_solution_problems(page, 2) == []
    page.set_content(f"<article>{hidden}<details open><summary>Solution</summary><p>```python</p></details></article>")
    assert hidden_solution_problems(page, 2) == ["markdown inside <details> shows as raw text (```)",
                                                 "solution 2 is shown before its summary is clicked"]
    assert "has 2 <details> blocks" in hidden_solution_problems(page, 3)[0]


# --- The two checks above can fail: a small notebook written here, right and wrong -----------------------------------

def _notebook(*solutions: str, summary_gap: str = "\n\n", count: int = 4):
    """A chapter with one coding exercise per solution given (each checked with check.xavier_std), then
    conceptual exercises up to `count`."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [code("import d2lite"), md("# A chapter"), md("## Exercises")]
    for n in range(1, count + 1):
        if n <= len(solutions):
            cells += [md(f"### Exercise {n}: Xavier"),
                      code("import math\n\ndef xavier_std(n_in, n_out):\n    return None  # your code here",
                           metadata={"tags": [STUB_TAG]}),
                      code("d2lite.check.xavier_std(xavier_std)"),
                      md(f"<details><summary>Solution</summary>{summary_gap}```python\n{solutions[n - 1]}\n```\n\n"
                         "Why.\n</details>")]
        else:
            cells += [md(f"### Exercise {n}: Think\n\nPredict, then run."),
                      md("<details><summary>Solution</summary>\n\nBecause.\n</details>")]
    return nbformat.v4.new_notebook(cells=cells)


RIGHT = ("import math\n\n# Xavier: the variance is 2 / (n_in + n_out)\n"
         "def xavier_std(n_in, n_out):\n    return math.sqrt(2 / (n_in + n_out))")
FAILING = "import no_such_module_d2lite\n\ndef xavier_std(n_in, n_out):\n    return 0.1"
WRONG = "import math\n\ndef xavier_std(n_in, n_out):\n    return math.sqrt(2 / n_in)"


def test_structure_check_accepts_the_convention_and_names_each_departure():
    assert exercise_problems(_notebook(RIGHT)) == []
    assert "at least 4 exercises" in " ".join(exercise_problems(_notebook(RIGHT, count=3)))
    nb = _notebook(RIGHT)
    nb.cells[-2].source = nb.cells[-2].source.replace("Exercise 4", "Exercise 3")
    assert "found [1, 2, 3, 3]" in " ".join(exercise_problems(nb))
    assert "empty line after </summary>" in " ".join(exercise_problems(_notebook(RIGHT, summary_gap="\n")))
    assert "does not define ['xavier_std']" in " ".join(exercise_problems(_notebook("x = 1")))
    assert "no coding exercise" in " ".join(exercise_problems(_notebook()))
    nb = _notebook(RIGHT)
    nb.cells.append(nbformat.v4.new_markdown_cell("## Summary"))
    assert "must be the last section" in " ".join(exercise_problems(nb))


def test_solution_run_accepts_a_right_solution_and_reports_wrong_and_failing_ones(tmp_path):
    problems = solution_problems(_notebook(RIGHT, WRONG, FAILING), tmp_path, timeout=120)
    assert len(problems) == 3, problems
    raised, wrong, not_correct = problems       # check cells 5 (right), 9 (wrong), 13 (after the failing solution, 12)
    assert "cell 12 (a solution swapped in for a stub) raised" in raised and "ModuleNotFoundError" in raised
    assert "cell 9" in wrong and "n_in only" in wrong
    assert "cell 13" in not_correct and "expected '✔ Correct'" in not_correct
