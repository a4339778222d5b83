"""Claims: the results a chapter's text relies on, checked next to the computation that shows them (all chapters).

`claim(condition, statement)` shows a short line under the cell: a tick when this run shows the statement, a
visible note when it does not (results vary with the seed, the budget and the data). A failed claim never stops a
student's run. With `D2LITE_CLAIMS=enforce` (CI, at the `cpu` budget) it raises `ClaimFailed` instead, so a change
that breaks a lesson cannot land. Under the `smoke` budget claims are not judged: its numbers mean nothing.
"""
from __future__ import annotations

import html
import os
import sys

from .config import in_notebook, profile

ENFORCE = "enforce"


class ClaimFailed(AssertionError):
    """A claim the chapter's text relies on was false in an enforced run (D2LITE_CLAIMS=enforce)."""


def claims_enforced() -> bool:
    """True when a false claim must raise: $D2LITE_CLAIMS is 'enforce' (CI's cpu execution)."""
    mode = os.environ.get("D2LITE_CLAIMS", "").strip().lower()
    if mode not in ("", ENFORCE, "note"):
        raise ValueError(f"D2LITE_CLAIMS={mode!r} is not a mode; use 'enforce' (CI) or 'note' (the default).")
    return mode == ENFORCE


def claim(condition: object, statement: str, evidence: str = "") -> bool:
    """State a result the text relies on; show whether this run shows it, and return that (all chapters).

    `statement` is the result in words; `evidence` the numbers that decide it, e.g. "test acc 0.81 vs 0.74".
    """
    if not isinstance(statement, str) or not statement.strip():
        raise ValueError("claim(condition, statement): statement must say in words what the run should show.")
    budget, enforce = profile(), claims_enforced()
    holds = bool(condition)
    detail = f" ({evidence})" if evidence else ""
    if budget == "smoke":
        _show("claim-skipped", f"Claim (not judged under the smoke budget): {statement}{detail}", "#777")
        return holds
    if holds:
        _show("claim-holds", f"✔ Claim shown by this run: {statement}{detail}", "#1a7f37")
    elif enforce:
        raise ClaimFailed(f"Claim failed at the '{budget}' budget: {statement}{detail}. The text relies on it: "
                          "fix the experiment (sizes, seeds, settings) or the text, then run the chapter again.")
    else:
        _show("claim-fails", f"⚠ This run did not show: {statement}{detail}. Results vary with the seed, the "
              "budget and the data (a smaller budget trains less; the mini data set has fewer images), so the "
              "text describes what the course's own runs show. Rerun with another seed or a larger budget to "
              "see the effect.", "#9a6700")
    return holds


def _show(kind: str, text: str, color: str) -> None:
    """One line under the cell: styled HTML in notebooks and on the website, plain text elsewhere."""
    if not in_notebook():
        print(text, file=sys.stdout)
        return
    from IPython.display import display
    style = f"color:{color};font-size:90%;margin:0.2em 0;border-left:3px solid {color};padding-left:0.5em"
    display({"text/html": f'<div class="d2lite-{kind}" style="{style}">{html.escape(text)}</div>',
             "text/plain": text}, raw=True)
