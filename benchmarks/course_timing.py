"""Execute every chapter notebook listed in _toc.yml, as the site build does, and print seconds per chapter.

    python benchmarks/course_timing.py --profile smoke      # target: the whole course in at most 3 minutes
    python benchmarks/course_timing.py --profile cpu        # target: each chapter in at most 3 minutes

Each notebook runs in a fresh kernel with its own folder as the working directory and D2LITE_PROFILE set, so the
figures include kernel start-up, as a build or a student's "Run all" does. Exit status 1 if a chapter fails.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                     # tools/: the one _toc.yml reader, shared with the tests
from tools.book import chapter_notebooks  # noqa: E402
TARGETS = {"smoke": ("total", 180.0), "cpu": ("each", 180.0)}   # seconds (performance issue)


def slowest_cell(nb) -> tuple[int, float]:
    """(cell number counted from 1, seconds) of the slowest code cell, from nbclient's timing metadata."""
    best = (0, 0.0)
    for number, cell in enumerate(nb.cells, 1):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            best = max(best, (number, seconds), key=lambda pair: pair[1])
    return best


def execute(path: Path, timeout: int) -> tuple[float, str, tuple[int, float]]:
    """Run one notebook in a fresh kernel in its folder; return (seconds, status, slowest cell)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
        status = "ok"
    except CellExecutionError as err:
        last = [line for line in str(err).strip().splitlines() if line.strip()]
        status = f"FAILED: {last[-1][:120] if last else 'error'}"
    except Exception as err:                                 # a timeout or a dead kernel
        status = f"FAILED: {type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}"
    return time.perf_counter() - t0, status, slowest_cell(nb)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profile", choices=("smoke", "cpu", "gpu"), default="smoke")
    p.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    p.add_argument("--data", default=os.environ.get("D2LITE_DATA"),
                   help="D2LITE_DATA for the notebooks (default: the environment's)")
    p.add_argument("--timeout", type=int, default=1800, help="seconds per cell before giving up")
    p.add_argument("-k", dest="only", default="", help="run only chapters whose path contains this text")
    args = p.parse_args(argv)
    os.environ["D2LITE_PROFILE"] = args.profile              # kernels inherit this process's environment
    if args.data:
        os.environ["D2LITE_DATA"] = str(Path(args.data).expanduser().absolute())   # notebooks run in chapters/
    root = args.root.resolve()
    notebooks = [nb for nb in chapter_notebooks(root) if args.only in str(nb.relative_to(root))]
    print(f"# course timing, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"profile {args.profile}, {len(notebooks)} notebooks, {os.cpu_count()} CPUs")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"D2LITE_DATA={os.environ.get('D2LITE_DATA', '(unset)')}\n", flush=True)
    print("| chapter | seconds | status | slowest cell |")
    print("| --- | ---: | --- | --- |")
    total, failed, over = 0.0, 0, []
    kind, limit = TARGETS.get(args.profile, ("", float("inf")))
    for path in notebooks:
        seconds, status, (cell, cell_s) = execute(path, args.timeout)
        name = str(path.relative_to(root).with_suffix(""))
        total += seconds
        failed += status != "ok"
        if kind == "each" and seconds > limit:
            over.append(name)
        print(f"| {name} | {seconds:.1f} | {status} | #{cell} ({cell_s:.1f} s) |", flush=True)
    print(f"| total | {total:.1f} | {len(notebooks) - failed} ok, {failed} failed | |")
    if kind == "total":
        print(f"\ntarget (profile {args.profile}): whole course <= {limit:.0f} s: "
              f"{'MET' if total <= limit else 'NOT MET'} ({total:.1f} s)")
    elif kind == "each":
        print(f"\ntarget (profile {args.profile}): each chapter <= {limit:.0f} s: "
              f"{'MET' if not over else 'NOT MET by ' + ', '.join(over)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
