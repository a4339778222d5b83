"""d2lite.config: profile selection, the device, budgets, and a cheap import."""
import subprocess
import sys

import pytest
import torch

import d2lite


def test_profile_env_overrides(monkeypatch):
    for name in ("smoke", "cpu", "gpu"):
        monkeypatch.setenv("D2LITE_PROFILE", name.upper())
        assert d2lite.profile() == name


def test_profile_auto(monkeypatch):
    monkeypatch.delenv("D2LITE_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert d2lite.profile() == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert d2lite.profile() == "gpu"


def test_bad_profile_says_what_to_use(monkeypatch):
    monkeypatch.setenv("D2LITE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        d2lite.profile()


def test_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert d2lite.device() == torch.device("cpu")


def test_budget_picks_the_profile_and_prints_it(monkeypatch, capsys):
    monkeypatch.setenv("D2LITE_PROFILE", "smoke")
    cfg = d2lite.budget(smoke=dict(num_epochs=1), cpu=dict(num_epochs=5), gpu=dict(num_epochs=10))
    assert (cfg.profile, cfg.num_epochs) == ("smoke", 1)
    assert "smoke" in capsys.readouterr().out
    with pytest.raises(ValueError, match="'a' is set for some profiles but not for cpu"):
        d2lite.budget(smoke=dict(a=1), cpu=dict(b=2), gpu=dict(a=3))


def test_budget_takes_shared_sizes_and_per_profile_overrides(monkeypatch, capsys):
    for name, epochs in (("smoke", 1), ("cpu", 5), ("gpu", 10)):
        monkeypatch.setenv("D2LITE_PROFILE", name)
        cfg = d2lite.budget(num_epochs=10, lr=0.1, smoke=dict(num_epochs=1), cpu=dict(num_epochs=5), verbose=False)
        assert (cfg.num_epochs, cfg.lr) == (epochs, 0.1)
    with pytest.raises(TypeError, match="cpu=dict"):
        d2lite.budget(lr=0.1, cpu=[("lr", 1)])


def test_import_is_cheap_and_changes_no_global_state():
    code = ("import sys, torch; before = torch.get_default_dtype(), torch.initial_seed(); import d2lite; "
            "assert (torch.get_default_dtype(), torch.initial_seed()) == before; "
            "heavy = [m for m in ('matplotlib.pyplot', 'torchvision', 'IPython') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)
