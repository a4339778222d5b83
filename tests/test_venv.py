"""Two clones share the cached environment (tools/venv.sh) but each imports its own d2lite.

Cheap: the clones hold the real Makefile and tools/venv.sh, a stub d2lite, and an empty environment (no torch) in a
temporary cache, with stand-ins for pytest, jupyter-book and jupyter that print which d2lite they import. So
`make test`, `make site` and `make lab` run as written, and the test never touches the real cache. While one clone's
command runs, the stand-in first runs the other clone's tools/venv.sh, as when both clones are in use at once, then
imports d2lite from chapters/, as a notebook kernel does (from the clone's root, Python would find it in the current
folder anyway).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chapters import ROOT

# What each stand-in does: let the other clone set the shared environment up meanwhile, then, like a kernel started
# in chapters/, say where `import d2lite` found the package and which Python ran.
OTHER = '"$OTHER_CLONE/tools/venv.sh" >/dev/null'
REPORT = "import d2lite, sys; print('d2lite from', d2lite.__file__); print('python', sys.prefix)"
KERNEL = f'cd chapters && python -c "{REPORT}"'


def make_clone(folder: Path) -> Path:
    """A clone as far as the environment goes: Makefile, tools/venv.sh, requirements, and a d2lite of its own."""
    for sub in ("tools", "d2lite", "chapters"):
        (folder / sub).mkdir(parents=True)
    for name in ("Makefile", "requirements.txt", "requirements-test.txt", "tools/venv.sh"):
        shutil.copy2(ROOT / name, folder / name)
    (folder / "d2lite" / "__init__.py").write_text(f'"""The d2lite of the clone {folder.name}."""\n')
    return folder


def fake_environment(venv: Path) -> Path:
    """An empty virtual environment where venv.sh looks for the course's, with stand-ins for the course's tools."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "pytest.py").write_text(                                         # `python -m pytest`
        f"import subprocess\nsubprocess.run({OTHER + ' && ' + KERNEL!r}, shell=True, check=True)\n")
    for tool in ("jupyter-book", "jupyter"):                                 # `make site`, `make lab`
        script = venv / "bin" / tool
        script.write_text(f"#!/bin/sh\n{OTHER} && {KERNEL}\n")
        script.chmod(0o755)
    (venv / ".complete").touch()                                             # venv.sh: nothing to install
    return site


def imported(clone: Path, other: Path, target: str, env: dict) -> tuple[str, str]:
    """Run `make <target>` in a clone while the other is used too; return (the d2lite it imported, its Python)."""
    proc = subprocess.run(["make", "-C", str(clone), "--no-print-directory", target],
                          env=dict(env, OTHER_CLONE=str(other)), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"make {target} in {clone.name} failed:\n{proc.stdout}\n{proc.stderr}"
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if line.startswith(("d2lite ", "python ")))
    assert "d2lite" in lines, f"make {target} in {clone.name} did not import d2lite:\n{proc.stdout}\n{proc.stderr}"
    return lines["d2lite"].removeprefix("from "), lines["python"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_two_clones_import_their_own_d2lite(tmp_path):
    clones = [make_clone(tmp_path / name) for name in ("clone-a", "clone-b")]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS")}
    env.update(D2LITE_VENV_CACHE=str(tmp_path / "cache"), PYTHON=sys.executable)
    paths = {subprocess.run([str(c / "tools" / "venv.sh"), "--path"], env=env, capture_output=True, text=True,
                            check=True).stdout.strip() for c in clones}
    assert len(paths) == 1, f"the clones should share one environment, got {paths}"   # same requirements, same key
    venv = Path(paths.pop())
    assert not venv.exists(), "venv.sh --path must not create the environment"
    site = fake_environment(venv)
    # what older versions of venv.sh left behind: the shared environment pointing at the clone that ran it last
    stale = site / "d2lite-checkout.pth"
    stale.write_text(f"{clones[1]}\n")

    for clone, other in ((clones[0], clones[1]), (clones[1], clones[0])):
        for target in ("test", "site", "lab"):
            found, prefix = imported(clone, other, target, env)
            assert Path(found) == clone / "d2lite" / "__init__.py", f"make {target} in {clone.name} imported {found}"
            assert Path(prefix) == venv, f"make {target} in {clone.name} ran Python from {prefix}, not {venv}"
        assert not stale.exists(), "venv.sh should remove the old .pth link from the shared environment"
        # a PYTHONPATH already set (here: to the other clone) comes after the clone's own
        found, _ = imported(clone, other, "test", dict(env, PYTHONPATH=str(other)))
        assert Path(found) == clone / "d2lite" / "__init__.py", f"PYTHONPATH={other.name} won in {clone.name}"
