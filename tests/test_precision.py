"""d2lite.precision: the autocast dtype suits each GPU (faked here), and the fp16 + GradScaler path really trains."""
import pytest
import torch
from torch import nn

import d2lite
from d2lite import precision
from test_training import small_net, toy_problem

GPUS = {   # name: (compute capability, bf16 in hardware, bf16 counting emulation)
    "Tesla P100-PCIE-16GB": ((6, 0), False, True),
    "Tesla V100-SXM2-16GB": ((7, 0), False, True),
    "Tesla T4": ((7, 5), False, True),          # Colab's free GPU: is_bf16_supported() alone says True
    "NVIDIA A100-SXM4-40GB": ((8, 0), True, True),
    "NVIDIA L4": ((8, 9), True, True),
    "NVIDIA H100 80GB HBM3": ((9, 0), True, True),
}
EXPECTED = {"Tesla P100-PCIE-16GB": None, "Tesla V100-SXM2-16GB": torch.float16, "Tesla T4": torch.float16,
            "NVIDIA A100-SXM4-40GB": torch.bfloat16, "NVIDIA L4": torch.bfloat16,
            "NVIDIA H100 80GB HBM3": torch.bfloat16}


def fake_gpu(monkeypatch, name):
    capability, hardware, emulated = GPUS[name]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: name)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported",
                        lambda including_emulation=True: emulated if including_emulation else hardware)


@pytest.mark.parametrize("name", sorted(GPUS))
def test_each_gpu_gets_the_precision_its_hardware_has(monkeypatch, name):
    fake_gpu(monkeypatch, name)
    assert d2lite.amp_dtype("cuda") == EXPECTED[name]
    assert d2lite.amp_dtype(torch.device("cuda", 0)) == EXPECTED[name]


@pytest.mark.parametrize("device", ["cpu", "mps", torch.device("cpu")])
def test_cpu_and_mps_train_in_float32(device):
    assert d2lite.amp_dtype(device) is None


@pytest.mark.parametrize("name", ["Tesla T4", "NVIDIA A100-SXM4-40GB", "Tesla P100-PCIE-16GB"])
def test_hello_names_the_gpu_and_its_precision(monkeypatch, capsys, name):
    fake_gpu(monkeypatch, name)
    d2lite.hello()
    out = capsys.readouterr().out
    want = {None: "float32", torch.float16: "float16 mixed precision with loss scaling",
            torch.bfloat16: "bfloat16 mixed precision"}[EXPECTED[name]]
    assert f"GPU: {name}" in out and f"trains in {want}" in out, out


def test_hello_on_the_cpu_says_float32(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    d2lite.hello()
    assert "trains in float32" in capsys.readouterr().out


def test_only_float16_is_loss_scaled():
    cpu = torch.device("cpu")
    assert precision.grad_scaler(cpu, torch.float16).is_enabled()
    assert not precision.grad_scaler(cpu, torch.bfloat16).is_enabled()
    assert not precision.grad_scaler(cpu, None).is_enabled()


def _cpu_float16_works() -> bool:
    try:
        with torch.autocast("cpu", dtype=torch.float16):
            return nn.Linear(2, 2)(torch.ones(1, 2)).dtype == torch.float16
    except Exception:
        return False


@pytest.mark.skipif(not _cpu_float16_works(), reason="this torch has no float16 autocast on the CPU")
def test_float16_training_with_a_grad_scaler_really_runs(monkeypatch):
    """The T4 path on the CPU: forward in fp16 under autocast, loss scaled, gradients unscaled before clipping."""
    monkeypatch.setattr(d2lite.training, "amp_dtype", lambda device: torch.float16)
    scalers, out_dtypes = [], []
    make = precision.grad_scaler
    monkeypatch.setattr(d2lite.training, "grad_scaler", lambda *a: scalers.append(make(*a)) or scalers[-1])
    net = small_net()
    net[1].register_forward_hook(lambda module, inputs, out: out_dtypes.append(out.dtype))
    train_iter, test_iter = toy_problem()
    history = d2lite.train_classifier(net, train_iter, test_iter, 3, lr=0.5, clip_grad_norm=5.0, plot=False)
    assert set(out_dtypes) == {torch.float16}
    assert scalers and scalers[0].is_enabled() and scalers[0].get_scale() > 1
    assert all(p.dtype == torch.float32 for p in net.parameters())      # the weights stay float32
    assert history.train_loss[-1] < 0.5 * history.train_loss[0] and history.test_acc[-1] > 0.9
