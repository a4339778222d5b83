"""The floating-point precision training runs in on this device: bf16, fp16 or plain fp32 (LeNet chapter onward).

GPUs with compute capability 8.0 or more (A100, L4, RTX 30xx, H100, ...) have bf16 tensor cores: autocast in bf16
keeps float32's exponent, so no loss scaling is needed. 7.x GPUs (V100, Colab's free T4) have fp16 tensor cores but
no bf16 hardware (cuDNN has no bf16 convolutions there): they train in fp16 with a GradScaler, which multiplies the
loss so that small gradients do not underflow to zero. Older GPUs, the CPU and Apple's MPS train in plain float32.
"""
from __future__ import annotations

import contextlib

import torch


def _bf16_hardware() -> bool:
    """True if the current GPU has bf16 arithmetic in hardware (emulation does not count)."""
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:                # torch < 2.4: no emulation option, and the answer counts hardware only
        return torch.cuda.is_bf16_supported()


def amp_dtype(device: torch.device | str) -> torch.dtype | None:
    """The autocast dtype for `device`: bfloat16 where the GPU has it, float16 on 7.x GPUs, else None (LeNet chapter)."""
    device = torch.device(device)
    if device.type != "cuda":
        return None                                  # CPU and MPS: plain float32
    major, _ = torch.cuda.get_device_capability(device)
    if major >= 8 and _bf16_hardware():
        return torch.bfloat16
    if major >= 7:
        return torch.float16                         # V100, T4: fp16 tensor cores, trained with a GradScaler
    return None                                      # Pascal and older: no tensor cores


def describe(dtype: torch.dtype | None) -> str:
    """How a precision reads in hello() and the benchmarks: 'bfloat16 mixed precision', ..."""
    if dtype is None:
        return "float32"
    name = str(dtype).removeprefix("torch.")
    return f"{name} mixed precision" + (" with loss scaling (GradScaler)" if dtype == torch.float16 else "")


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """Autocast to `dtype` on `device`; a no-op when dtype is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def grad_scaler(device: torch.device, dtype: torch.dtype | None):
    """A GradScaler that is active for float16 only (bf16 and float32 need no loss scaling)."""
    enabled = dtype == torch.float16
    if hasattr(torch.amp, "GradScaler"):             # torch >= 2.3
        return torch.amp.GradScaler(device.type, enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled and device.type == "cuda")


def summary(device: torch.device | str) -> str:
    """One line for hello(): the GPU's name and compute capability, and the precision training will use."""
    device = torch.device(device)
    how = f"trains in {describe(amp_dtype(device))}"
    if device.type != "cuda":
        return f"{how} (no CUDA GPU)"
    major, minor = torch.cuda.get_device_capability(device)
    return f"GPU: {torch.cuda.get_device_name(device)} (compute capability {major}.{minor}), {how}"
