"""d2lite.claim: a false claim never breaks a student's run, and fails an enforced (CI) run; smoke does not judge."""
import json
import subprocess
import sys

import pytest

import d2lite
from chapters import ROOT


@pytest.fixture
def cpu_budget(monkeypatch):
    monkeypatch.setenv("D2LITE_PROFILE", "cpu")
    monkeypatch.delenv("D2LITE_CLAIMS", raising=False)


def test_a_true_claim_is_shown_with_its_evidence(cpu_budget, capsys):
    assert d2lite.claim(0.8 > 0.5, "LeNet beats 0.5 test accuracy", "test acc 0.800") is True
    out = capsys.readouterr().out
    assert "✔" in out and "LeNet beats 0.5 test accuracy (test acc 0.800)" in out


def test_a_false_claim_does_not_raise_in_a_students_run(cpu_budget, capsys):
    assert d2lite.claim(0.3 > 0.5, "LeNet beats 0.5 test accuracy", "test acc 0.300") is False
    out = capsys.readouterr().out
    assert "did not show: LeNet beats 0.5 test accuracy (test acc 0.300)" in out
    assert "seed" in out and "budget" in out          # says why it can happen


def test_a_false_claim_fails_an_enforced_run(cpu_budget, monkeypatch):
    monkeypatch.setenv("D2LITE_CLAIMS", "enforce")
    assert d2lite.claim(True, "holds") is True
    with pytest.raises(d2lite.ClaimFailed, match="LeNet beats 0.5.*test acc 0.300"):
        d2lite.claim(False, "LeNet beats 0.5 test accuracy", "test acc 0.300")


def test_smoke_does_not_judge_even_when_enforced(monkeypatch, capsys):
    monkeypatch.setenv("D2LITE_PROFILE", "smoke")
    monkeypatch.setenv("D2LITE_CLAIMS", "enforce")
    d2lite.claim(False, "dropout helps")
    assert "not judged under the smoke budget" in capsys.readouterr().out


def test_bad_uses_say_what_to_do(cpu_budget, monkeypatch):
    with pytest.raises(ValueError, match="statement"):
        d2lite.claim(True, "")
    monkeypatch.setenv("D2LITE_CLAIMS", "strict")
    with pytest.raises(ValueError, match="enforce"):
        d2lite.claim(True, "x")


def test_a_false_claim_in_a_notebook_fails_the_enforced_execution_only(tmp_path):
    """A real kernel: the note is an HTML output in a student's run; the enforced run stops with ClaimFailed."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import d2lite\nd2lite.claim(1 > 2, 'one beats two', 'one = 1')\nprint('after')")])
    env = {"D2LITE_PROFILE": "cpu", "PYTHONPATH": str(ROOT)}
    for mode, fails in (("note", False), ("enforce", True)):
        import os
        old = {k: os.environ.get(k) for k in ("D2LITE_PROFILE", "D2LITE_CLAIMS")}
        os.environ.update(env, D2LITE_CLAIMS=mode)
        try:
            client = NotebookClient(nbformat.from_dict(json.loads(json.dumps(nb))), timeout=120,
                                    kernel_name="python3")
            if fails:
                with pytest.raises(CellExecutionError, match="ClaimFailed"):
                    client.execute()
            else:
                executed = client.execute()
                outputs = executed.cells[0].outputs
                html = [o["data"]["text/html"] for o in outputs if "data" in o and "text/html" in o["data"]]
                assert html and "d2lite-claim-fails" in html[0] and "one beats two" in html[0]
                assert any(o.get("text", "").strip() == "after" for o in outputs)
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
