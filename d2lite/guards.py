"""One clear message for each mistake a student can make when calling d2lite (LeNet chapter onward).

Arguments are checked before any work starts; the first batch is checked against the network (can it take the
images, do its outputs fit the labels) before torch would fail deep inside with a matrix-shape error. Every check
raises one ValueError or TypeError that names the mistake and says what to do.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

import torch
from torch import nn


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_number(name: str, value: Any, *, minimum: int = 1, example: str = "") -> int:
    """`value` as an int >= minimum, else one error naming `name` (a bool, float or string is a mistake)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        kind = type(value).__name__
        hint = f" (not {kind})" if value is not None else ""
        raise TypeError(f"{name} must be a whole number{hint}, got {_shown(value)}{example}")
    value = value.__index__()
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}{example}")
    return value


def number(name: str, value: Any, *, positive: bool, example: str = "") -> float:
    """A finite float, > 0 if `positive` else >= 0; one-element tensors are accepted."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        got = "None" if value is None else f"{type(value).__name__} {_shown(value)}"
        raise TypeError(f"{name} must be a number, got {got}{example}")
    if not math.isfinite(value) or (value <= 0 if positive else value < 0):
        need = "a positive" if positive else "a non-negative (0 or more)"
        raise ValueError(f"{name} must be {need} finite number, got {value}{example}")
    return float(value)


def device(value: Any) -> torch.device | None:
    """None, or a device that exists on this machine."""
    if value is None:
        return None
    try:
        dev = torch.device(value)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={_shown(value)} is not a device: use 'cpu', 'cuda' or 'mps', or leave it out "
                         "(d2lite.device() picks the best one here)") from None
    available = {"cuda": torch.cuda.is_available(),
                 "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()}
    if not available.get(dev.type, True):
        raise ValueError(f"device={_shown(value)}, but this machine has no {dev.type.upper()} device: leave device "
                         "out, or use device=d2lite.device(), which picks the best device here")
    return dev


def module(net: Any, name: str = "net") -> nn.Module:
    """An nn.Module instance, else what to write instead (a builder function or a class not yet called)."""
    if isinstance(net, nn.Module):
        return net
    if isinstance(net, type) and issubclass(net, nn.Module):
        raise TypeError(f"{name} is the class {net.__name__}, not a network: create one first, "
                        f"e.g. {name} = {net.__name__}(...)")
    if callable(net):
        what = getattr(net, "__name__", "this function")
        raise TypeError(f"{name} is the function {what}, not a network: call it to build the network, "
                        f"e.g. {name} = {what}()")
    raise TypeError(f"{name} must be a network (an nn.Module such as nn.Sequential(...)), got "
                    f"{type(net).__name__} {_shown(net)}")


def trainable(net: nn.Module) -> None:
    """The network has parameters, and some of them require gradients."""
    params = list(net.parameters())
    if not params:
        raise ValueError("net has no parameters, so there is nothing to train: it needs layers with weights, "
                         "such as nn.Linear or nn.Conv2d")
    if not any(p.requires_grad for p in params):
        raise ValueError("none of net's parameters requires a gradient (requires_grad=False everywhere), so "
                         "there is nothing to train: unfreeze some with p.requires_grad_(True)")


def optimizer(opt: Any, net: nn.Module) -> None:
    """An optimizer instance that holds (some of) this network's parameters."""
    if isinstance(opt, type):
        raise TypeError(f"optimizer is the class {opt.__name__}, not an optimizer: create one for this network, "
                        f"e.g. optimizer={opt.__name__}(net.parameters(), lr=0.1)")
    if not isinstance(opt, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim optimizer such as torch.optim.SGD(net.parameters(), "
                        f"lr=0.1), got {type(opt).__name__}")
    mine = {id(p) for p in net.parameters()}
    if not any(id(p) in mine for group in opt.param_groups for p in group["params"]):
        raise ValueError("optimizer holds none of net's parameters: it was made for another network (perhaps "
                         "an earlier one from a cell run before). Create it again after building this net: "
                         "torch.optim.SGD(net.parameters(), lr=...)")


def data(name: str, batches: Any, num_epochs: int) -> None:
    """Something that yields batches, again in every epoch, and that is not known to be empty."""
    if batches is None:
        raise ValueError(f"{name} is None: pass the batches, e.g. train_iter, test_iter = "
                         "d2lite.fashion_mnist(batch_size) and then both of them")
    if isinstance(batches, (int, float)):
        raise TypeError(f"{name} is the number {batches!r}, not batches: did you leave out an argument? "
                        "The order is train_classifier(net, train_iter, test_iter, num_epochs, lr)")
    try:
        iterator = iter(batches)
    except TypeError:
        raise TypeError(f"{name} must yield (X, y) batches, but {_shown(batches)} (a {type(batches).__name__}) "
                        "cannot be iterated") from None
    if iterator is batches and num_epochs > 1:
        raise ValueError(f"{name} is a generator (or another iterator), which can be read only once, but it must "
                         f"be read in each of the {num_epochs} epochs: pass something that can be iterated again "
                         "(the Batches from d2lite.fashion_mnist, or a list of (X, y) batches)")
    if hasattr(batches, "__len__") and len(batches) == 0:
        raise ValueError(f"{name} is empty: it yields no batches (n_train or n_test of 0? an empty list?)")


def no_batches(name: str, epoch: int) -> ValueError:
    """The error for an epoch in which `name` yielded nothing."""
    if epoch == 1:
        return ValueError(f"{name} yielded no batches: it is empty, so there is nothing to train on")
    return ValueError(f"{name} yielded no batches in epoch {epoch}: it was used up by the first epoch (a "
                      "generator?). Pass something that can be iterated again, such as a list or d2lite's Batches")


def pair(batch: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch must be (X, y): two tensors with the same number of examples."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        got = f"a tensor of shape {tuple(batch.shape)}" if isinstance(batch, torch.Tensor) else type(batch).__name__
        raise TypeError(f"each batch of {name} must be a pair (X, y) of images and labels, got {got}")
    X, y = batch
    for part, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"in the batches of {name}, {part} must be a tensor, got {type(value).__name__}: "
                            f"convert it with torch.as_tensor({part})")
    if len(X) != len(y):
        raise ValueError(f"a batch of {name} has {len(X)} images but {len(y)} labels: X and y must match")
    return X, y


def labels(y: torch.Tensor, name: str) -> None:
    """Labels are class indices: integers, one per image."""
    if y.dim() == 2 and y.shape[1] > 1:
        raise ValueError(f"the labels of {name} have shape {tuple(y.shape)}, one-hot vectors (or scores): "
                         "train_classifier wants one class index per image, shape (batch,): use y.argmax(dim=1)")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"the labels of {name} are {str(y.dtype).removeprefix('torch.')}; they must be integer "
                        "class indices 0, 1, ..., 9: convert them with y.long()")
    if y.dim() != 1:
        raise ValueError(f"the labels of {name} have shape {tuple(y.shape)}; they must be one class index per "
                         "image, shape (batch,): use y.reshape(-1)")


def images(X: torch.Tensor, net: nn.Module, name: str) -> None:
    """Images are floats of the network's dtype."""
    if not X.is_floating_point():
        raise TypeError(f"the images of {name} are {str(X.dtype).removeprefix('torch.')} (raw pixels?): a network "
                        "takes floats, e.g. X.float() / 255 for pixels in [0, 1] (d2lite.fashion_mnist's are)")
    weight = next((p for p in net.parameters() if p.is_floating_point()), None)
    if weight is not None and weight.dtype != X.dtype:
        raise TypeError(f"the images of {name} are {str(X.dtype).removeprefix('torch.')} but net's weights are "
                        f"{str(weight.dtype).removeprefix('torch.')}: make them the same, e.g. X.to({weight.dtype}) "
                        "(did torch.set_default_dtype change between building the net and the data?)")


def forward(net: nn.Module, X: torch.Tensor, name: str) -> torch.Tensor:
    """net(X) for the first batch; a shape error becomes a message about the image size or channels."""
    try:
        return net(X)
    except RuntimeError as error:
        text = str(error).splitlines()[0]
        if "channels" in text:
            raise ValueError(f"net cannot take the batches of {name}: they have {X.shape[1]} channel(s) per image "
                             f"but its first convolution expects another number ({text}). Fashion-MNIST images "
                             f"have 1 channel: build the first layer with in_channels={X.shape[1]}") from None
        raise ValueError(
            f"net cannot take the batches of {name}, images of shape {tuple(X.shape[1:])} ({text}). Was the network "
            "built for another image size? Load the data at its size with d2lite.fashion_mnist(batch_size, "
            f"resize=...) (LeNet takes 28, the notes' AlexNet, VGG and NiN 224), or build it for "
            f"{X.shape[-2]}x{X.shape[-1]} images") from None


def outputs(y_hat: Any, y: torch.Tensor, name: str) -> None:
    """The network's outputs fit the labels: (batch, classes) scores with a class for every label."""
    if not isinstance(y_hat, torch.Tensor):
        raise TypeError(f"net returned {type(y_hat).__name__}, not a tensor of class scores of shape (batch, classes)")
    shape = tuple(y_hat.shape)
    if y_hat.dim() > 2 and all(s == 1 for s in shape[2:]):
        raise ValueError(f"net outputs shape {shape}, but a classifier outputs (batch, classes): end the "
                         "network with nn.Flatten()")
    if y_hat.dim() != 2:
        raise ValueError(f"net outputs shape {shape}, but a classifier outputs one score per class for each image, "
                         f"shape (batch, classes): the last layer should be e.g. nn.Linear(..., 10)")
    if shape[0] != len(y):
        raise ValueError(f"net returned {shape[0]} rows for a batch of {len(y)} images of {name}: keep the batch "
                         "dimension (flatten with nn.Flatten(), not .reshape(-1))")
    low, high = int(y.min()), int(y.max())               # one host sync, on the first batch only
    if low < 0:
        raise ValueError(f"the labels of {name} include {low}: class indices go from 0 to {shape[1] - 1}")
    if high >= shape[1]:
        raise ValueError(f"net outputs {shape[1]} scores per image, but the labels of {name} go up to {high} "
                         f"(at least {high + 1} classes): the last layer must have one output per class, "
                         f"e.g. nn.Linear(..., {max(high + 1, 10)})")


def first_batch(net: nn.Module, batch: Any, name: str,
                device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Check the first batch end to end; return (X, y, net(X)) on `device`."""
    X, y = pair(batch, name)
    labels(y, name)
    X, y = X.to(device), y.to(device)
    images(X, net, name)
    y_hat = forward(net, X, name)
    outputs(y_hat, y, name)
    return X, y, y_hat


def materialize(net: nn.Module, train_iter: Any, device: torch.device) -> Any:
    """Run one batch through a network with lazy layers (nn.LazyLinear, ...) so that its weights exist before an
    optimizer is made; returns train_iter (rebuilt around the first batch if peeking consumed an iterator)."""
    if not any(isinstance(p, nn.parameter.UninitializedParameter) for p in net.parameters()):
        return train_iter
    iterator = iter(train_iter)
    first = next(iterator, None)
    if first is None:
        raise no_batches("train_iter", 1)
    with torch.no_grad():
        first_batch(net, first, "train_iter", device)
    return itertools.chain([first], iterator) if iterator is train_iter else train_iter


def input_shape(net: nn.Module, shape: Any) -> tuple[int, ...]:
    """A shape for print_shapes/layer_shapes: a convolutional network needs (batch, channels, height, width)."""
    if isinstance(shape, int) or not isinstance(shape, Sequence):
        raise TypeError(f"input_shape must be a tuple such as (1, 1, 28, 28), got {_shown(shape)}")
    shape = tuple(shape)
    if any(isinstance(m, nn.Conv2d) for m in net.modules()) and len(shape) < 4:
        batched = (1,) * (4 - len(shape)) + shape
        raise ValueError(f"input_shape {shape} has no batch dimension: a convolutional network takes (batch, "
                         f"channels, height, width), e.g. {batched}")
    return shape



def image_size(name: str, value: Any) -> tuple[int, int] | None:
    """None, a side length, or a (height, width) pair, as `resize=` takes it."""
    if value is None:
        return None
    example = f" (e.g. {name}=224 for the notes' AlexNet, or {name}=None to keep 28x28)"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be one number or a (height, width) pair, got {_shown(value)}{example}")
        return (whole_number(name, value[0], example=example), whole_number(name, value[1], example=example))
    side = whole_number(name, value, example=example)
    return side, side


def loss_function(loss: Any, name: str = "loss") -> Any:
    """A loss to call: an instance such as nn.CrossEntropyLoss(), not the class itself."""
    if isinstance(loss, type):
        raise TypeError(f"{name}={loss.__name__} is the class; pass an instance: {name}={loss.__name__}()")
    if not callable(loss):
        raise TypeError(f"{name} must be a loss function such as nn.CrossEntropyLoss(), got {_shown(loss)}")
    return loss


def loss_value(value: Any, name: str = "loss") -> torch.Tensor:
    """The loss of a batch must be one number (the batch's mean), else backward() cannot start from it."""
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{name} must return one number per batch (the mean over the examples), got {shape}: "
                         "use reduction='mean' (the default), or call .mean() on the per-example losses")
    return value
