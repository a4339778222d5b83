"""The benchmark scripts run end to end on tiny sizes and print their tables (no timing is asserted)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def run_script(*args: str, timeout: int = 600, env: dict | None = None) -> str:
    """Run a benchmarks/ script with this Python; return its stdout, failing with its output if it fails."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)
    assert proc.returncode == 0, f"{args[0]} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def table_rows(out: str) -> dict[str, list[str]]:
    """The Markdown table's data rows, keyed by their first cell."""
    rows = [line.strip("|").split("|") for line in out.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_bench_quick_prints_every_row(tiny_data):
    root, _ = tiny_data
    out = run_script("benchmarks/bench.py", "--quick", "--device", "cpu", "--threads", "1", "--data", str(root),
                     "--only", "loader,train")
    assert "96 train / 40 test images" in out                      # it read the tiny files, not the shared data
    rows = table_rows(out)
    training = [what for what in rows if what.startswith("LeNet (sigmoid) training vs ")]
    assert [w.split(" vs ")[1].split(":")[0] for w in training] == ["lean classic", "d2l's train_ch6 as published"], out
    for what in ("loader 28x28", "loader 224x224", "test acc, last 3 epochs"):
        assert what in rows, f"no '{what}' row in:\n{out}"
    for what in ("loader 28x28", "loader 224x224", *training):
        classic, course, ratio = rows[what][1:4]
        assert float(classic.replace(",", "")) > 0 and float(course.replace(",", "")) > 0, rows[what]
        assert ratio.endswith("x"), rows[what]
    assert 0.0 <= float(rows["test acc, last 3 epochs"][2]) <= 1.0


def test_bench_cnn_code_path_runs_on_cpu(tiny_data):
    """The GPU part (LeNet, AlexNet, VGG, NiN on synthetic data) runs with --cnn-on-cpu, narrowed by --quick."""
    root, _ = tiny_data
    out = run_script("benchmarks/bench.py", "--quick", "--device", "cpu", "--threads", "1", "--data", str(root),
                     "--only", "cnn", "--cnn-on-cpu")
    rows = table_rows(out)
    assert "LeNet 28x28" in rows, out
    for what in ("AlexNet 224", "VGG-11 /4 224", "NiN 224"):
        assert what in rows, out
        assert "SKIPPED" in rows[what][-1] or rows[what][3].endswith("x"), rows[what]


def test_course_timing_executes_toc_chapters(tmp_path):
    """course_timing.py executes every notebook listed in a _toc.yml and reports one that fails."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text(textwrap.dedent("""\
        format: jb-book
        root: intro
        chapters:
          - file: chapters/good
          - file: chapters/bad
        """))
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\n"
        "assert os.environ['D2LITE_PROFILE'] == 'smoke'\n"
        "assert os.path.basename(os.getcwd()) == 'chapters'")])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")])
    nbformat.write(good, tmp_path / "chapters" / "good.ipynb")
    nbformat.write(bad, tmp_path / "chapters" / "bad.ipynb")
    proc = subprocess.run([sys.executable, "benchmarks/course_timing.py", "--profile", "smoke", "--root",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ))
    assert proc.returncode == 1, proc.stdout + proc.stderr                  # one chapter failed
    rows = table_rows(proc.stdout)
    assert rows["chapters/good"][1] == "ok", proc.stdout
    assert rows["chapters/bad"][1].startswith("FAILED") and "boom" in rows["chapters/bad"][1], proc.stdout
    assert "total" in proc.stdout


def test_probes_script_runs_a_probe():
    """probes.py (the measurements behind the README's limits section) runs; here its quick figure probe."""
    out = run_script("benchmarks/probes.py", "plot")
    assert "== plot" in out and "TrainingPlot.png (curves only)" in out, out


def test_gpu_check_dry_run_exercises_every_part(tiny_data, tmp_path):
    """gpu_check.py --dry-run: the speed and accuracy tables for every CNN in every precision, and the chapters."""
    root, _ = tiny_data
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/probe\n")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nassert os.environ['D2LITE_PROFILE'] == 'smoke', os.environ['D2LITE_PROFILE']")]),
        book / "chapters" / "probe.ipynb")
    out = run_script("benchmarks/gpu_check.py", "--dry-run", "--data", str(root), "--book", str(book),
                     env=dict(os.environ))
    assert "DRY RUN" in out and "precisions compared: float32" in out, out
    rows = table_rows(out)
    for network in ("LeNet", "AlexNet", "VGG-11", "NiN", "ResNet-18"):
        assert network in rows, out
    speed = [line for line in out.splitlines() if line.startswith("| AlexNet | 64x64")]
    assert speed and all(float(cell) > 0 for cell in speed[0].strip("|").split("|")[3:]), out
    assert rows["chapters/probe"][1] == "ok", out
    assert "everything ran and agreed" in out, out


def test_gpu_check_without_cuda_says_so():
    import pytest
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: gpu_check.py would run for real")
    proc = subprocess.run([sys.executable, "benchmarks/gpu_check.py"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2 and "needs a CUDA GPU" in proc.stderr and "--dry-run" in proc.stderr, proc.stderr
