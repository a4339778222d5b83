"""Student mistakes, tried one by one: each gets one clear message that names the mistake (issue 13).

Every probe makes one mistake a student makes and asserts that d2lite answers with its own ValueError/TypeError
(not an error from deep inside torch) whose text names the mistake and says what to do. Tiny synthetic batches
and IDX files written here keep the whole file to seconds.
"""
from __future__ import annotations

import math
import time
import warnings

import pytest
import torch
from torch import nn

import d2lite
from d2lite import check
from d2lite.data import Batches
from tools.idx import write_fashion_mnist, write_idx


def batches(n=32, side=8, batch_size=8, resize=None, classes=10, seed=0) -> Batches:
    """n random uint8 images side x side whose labels cover 0..classes-1 in every batch."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 256, (n, side, side), generator=g, dtype=torch.uint8)
    y = torch.arange(n) % classes
    return Batches(X, y, batch_size, shuffle=False, resize=resize)


def mlp(side=8, classes=10) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(side * side, classes))


def tensor_batches(X_dtype=torch.float32, y=None, n=8, side=8):
    """A list with one (X, y) batch, for mistakes that d2lite's own Batches cannot make."""
    X = torch.rand(n, 1, side, side).to(X_dtype)
    return [(X, torch.arange(n) % 10 if y is None else y)]


def train(**change):
    """train_classifier on good arguments, with one of them changed."""
    args = dict(net=mlp(), train_iter=batches(), test_iter=batches(16), num_epochs=1, lr=0.1, plot=False,
                verbose=False)
    args.update(change)
    return d2lite.train_classifier(**args)


def message(action) -> str:
    """The text of the ValueError/TypeError that `action` raises (any other outcome fails the probe)."""
    with pytest.raises((ValueError, TypeError)) as info:
        action()
    return str(info.value)


def names(text: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment.lower() in text.lower(), f"{fragment!r} not in the message:\n{text}"


class Returns(nn.Module):
    """A network whose forward returns whatever `fn(x)` makes of the input."""
    def __init__(self, fn):
        super().__init__()
        self.fn, self.linear = fn, nn.Linear(64, 10)

    def forward(self, x):
        return self.fn(self.linear(x.flatten(1)))


def one_shot():
    class OneShot:                         # re-iterable on the surface, but the second pass is empty
        def __init__(self):
            self.it = iter(list(batches()))

        def __iter__(self):
            return self.it
    return OneShot()


def nothing():
    class Nothing:
        def __iter__(self):
            return iter([])
    return Nothing()


# --- Arguments of train_classifier: checked before any work starts ------------------------------------------------
def own_optimizer_and_weight_decay():
    net = mlp()
    return dict(net=net, optimizer=torch.optim.SGD(net.parameters(), lr=0.1), weight_decay=0.1)


def empty_batches():
    return Batches(torch.zeros(0, 8, 8, dtype=torch.uint8), torch.zeros(0, dtype=torch.long), 8, shuffle=False)


ARGUMENT_PROBES = {     # name: (the mistake, as a function returning the arguments to change; message fragments)
    "num_epochs zero": (lambda: dict(num_epochs=0), ["num_epochs", "at least 1"]),
    "num_epochs negative": (lambda: dict(num_epochs=-2), ["num_epochs", "at least 1"]),
    "num_epochs float": (lambda: dict(num_epochs=2.5), ["num_epochs", "whole number"]),
    "num_epochs string": (lambda: dict(num_epochs="5"), ["num_epochs", "whole number", "not str"]),
    "num_epochs bool": (lambda: dict(num_epochs=True), ["num_epochs", "whole number"]),
    "num_epochs None": (lambda: dict(num_epochs=None), ["num_epochs", "whole number"]),
    "lr zero": (lambda: dict(lr=0), ["lr", "positive", "learning rate"]),
    "lr negative": (lambda: dict(lr=-0.1), ["lr", "positive"]),
    "lr string": (lambda: dict(lr="0.1"), ["lr must be a number", "str"]),
    "lr nan": (lambda: dict(lr=math.nan), ["lr", "finite"]),
    "lr inf": (lambda: dict(lr=math.inf), ["lr", "finite"]),
    "lr None": (lambda: dict(lr=None), ["lr must be a number"]),
    "weight_decay negative": (lambda: dict(weight_decay=-1e-3), ["weight_decay", "non-negative"]),
    "weight_decay string": (lambda: dict(weight_decay="1e-3"), ["weight_decay must be a number"]),
    "momentum 1": (lambda: dict(momentum=1.0), ["momentum", "below 1"]),
    "momentum negative": (lambda: dict(momentum=-0.5), ["momentum", "non-negative"]),
    "clip_grad_norm zero": (lambda: dict(clip_grad_norm=0), ["clip_grad_norm", "positive"]),
    "clip_grad_norm string": (lambda: dict(clip_grad_norm="1"), ["clip_grad_norm must be a number"]),
    "seed float": (lambda: dict(seed=0.5), ["seed", "whole number"]),
    "device typo": (lambda: dict(device="gpu"), ["device='gpu'", "not a device", "d2lite.device()"]),
    "optimizer class": (lambda: dict(optimizer=torch.optim.SGD), ["optimizer is the class SGD", "net.parameters()"]),
    "optimizer string": (lambda: dict(optimizer="sgd"), ["optimizer must be a torch.optim optimizer"]),
    "optimizer with weight_decay": (own_optimizer_and_weight_decay, ["weight_decay", "your own optimizer"]),
    "optimizer of another network": (lambda: dict(optimizer=torch.optim.SGD(mlp().parameters(), lr=0.1)),
                                     ["another network", "net.parameters()"]),
    "net builder not called": (lambda: dict(net=d2lite.models.lenet), ["function lenet", "lenet()"]),
    "net class not instantiated": (lambda: dict(net=nn.Sequential), ["class Sequential", "create one first"]),
    "net a string": (lambda: dict(net="lenet"), ["net must be a network", "nn.Module"]),
    "net without parameters": (lambda: dict(net=nn.Flatten()), ["no parameters", "nothing to train"]),
    "net all frozen": (lambda: dict(net=mlp().requires_grad_(False)), ["requires_grad", "nothing to train"]),
    "train_iter None": (lambda: dict(train_iter=None), ["train_iter is None", "fashion_mnist"]),
    "test set missing": (lambda: dict(test_iter=None), ["test_iter is None", "both of them"]),
    "test set left out (a number)": (lambda: dict(test_iter=10),
                                     ["test_iter is the number 10", "leave out an argument"]),
    "train_iter not iterable": (lambda: dict(train_iter=object()), ["train_iter", "cannot be iterated"]),
    "train_iter a generator, 3 epochs": (lambda: dict(train_iter=(b for b in batches()), num_epochs=3),
                                         ["train_iter is a generator", "only once", "3 epochs"]),
    "test_iter an iterator, 2 epochs": (lambda: dict(test_iter=iter(list(batches(16))), num_epochs=2),
                                        ["test_iter is a generator", "list"]),
    "train_iter an empty list": (lambda: dict(train_iter=[]), ["train_iter is empty"]),
    "test_iter with no images": (lambda: dict(test_iter=empty_batches()), ["test_iter is empty"]),
    "train_iter used up after one epoch": (lambda: dict(train_iter=one_shot(), num_epochs=2),
                                           ["no batches in epoch 2", "used up"]),
    "train_iter yields nothing": (lambda: dict(train_iter=nothing()), ["train_iter yielded no batches", "empty"]),
}


@pytest.mark.parametrize("probe", sorted(ARGUMENT_PROBES))
def test_argument_mistakes(probe):
    make, fragments = ARGUMENT_PROBES[probe]
    change = make()
    names(message(lambda: train(**change)), *fragments)


def test_device_cuda_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    names(message(lambda: train(device="cuda")), "no CUDA device", "d2lite.device()")


# --- The first batch: can the network take it, do its outputs fit the labels ---------------------------------------
def lenet_on(side):
    return dict(net=d2lite.models.lenet(), train_iter=batches(16, side=28, resize=side),
                test_iter=batches(8, side=28))


FIRST_BATCH_PROBES = {
    "LeNet on 56x56 images": (lambda: lenet_on(56), ["cannot take", "(1, 56, 56)", "resize=", "LeNet takes 28"]),
    "AlexNet on 28x28 images": (lambda: dict(net=d2lite.models.alexnet(width_divisor=16, hidden=32),
                                             train_iter=batches(16, side=28), test_iter=batches(8, side=28)),
                                ["cannot take", "resize=", "224"]),
    "3-channel network on 1-channel images": (
        lambda: dict(net=nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 10))),
        ["1 channel", "in_channels=1"]),
    "5 outputs for 10 classes": (lambda: dict(net=mlp(classes=5), train_iter=batches(batch_size=16)),
                                 ["5 scores per image", "up to 9", "nn.Linear(..., 10)"]),
    "output not flattened": (lambda: dict(net=Returns(lambda z: z[:, :, None, None])),
                             ["(8, 10, 1, 1)", "nn.Flatten()"]),
    "one number per image": (lambda: dict(net=Returns(lambda z: z[:, 0])), ["(8,)", "one score per class"]),
    "a tuple returned": (lambda: dict(net=Returns(lambda z: (z, z))), ["returned tuple", "class scores"]),
    "batch dimension flattened away": (lambda: dict(net=Returns(lambda z: z.reshape(1, -1))),
                                       ["1 rows for a batch of 8", "nn.Flatten()"]),
    "one-hot labels": (lambda: dict(train_iter=tensor_batches(y=torch.eye(10)[torch.arange(8)])),
                       ["one-hot", "y.argmax(dim=1)"]),
    "float labels": (lambda: dict(train_iter=tensor_batches(y=torch.arange(8).float())), ["float32", "y.long()"]),
    "labels of shape (B, 1)": (lambda: dict(train_iter=tensor_batches(y=torch.arange(8)[:, None])),
                               ["(8, 1)", "reshape(-1)"]),
    "negative labels": (lambda: dict(train_iter=tensor_batches(y=torch.arange(8) - 1)), ["include -1"]),
    "raw uint8 images": (lambda: dict(train_iter=tensor_batches(X_dtype=torch.uint8)), ["uint8", "X.float() / 255"]),
    "float64 images": (lambda: dict(train_iter=tensor_batches(X_dtype=torch.float64)),
                       ["float64", "weights are float32"]),
    "batches of images only": (lambda: dict(train_iter=[torch.rand(8, 1, 8, 8)]), ["pair (X, y)", "tensor of shape"]),
    "images and labels of different lengths": (lambda: dict(train_iter=tensor_batches(y=torch.arange(4))),
                                               ["8 images but 4 labels"]),
    "labels as a Python list": (lambda: dict(train_iter=[(torch.rand(8, 1, 8, 8), list(range(8)))]),
                                ["y must be a tensor", "torch.as_tensor"]),
    "test batches of another size": (lambda: dict(net=d2lite.models.lenet(), train_iter=batches(16, side=28),
                                                  test_iter=batches(8, side=28, resize=56)),
                                     ["cannot take the batches of test_iter", "resize="]),
}


@pytest.mark.parametrize("probe", sorted(FIRST_BATCH_PROBES))
def test_first_batch_mistakes(probe):
    make, fragments = FIRST_BATCH_PROBES[probe]
    names(message(lambda: train(**make())), *fragments)


def test_lazy_layers_as_in_d2l_train():
    """d2l's newer networks use nn.LazyLinear/nn.LazyConv2d: their weights appear at the first batch."""
    net = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    history = train(net=net, num_epochs=2, train_iter=batches())
    assert len(history.train_loss) == 2 and all(math.isfinite(x) for x in history.train_loss)
    generator_run = train(net=nn.Sequential(nn.Flatten(), nn.LazyLinear(10)), train_iter=(b for b in batches()))
    assert len(generator_run.train_loss) == 1


# --- evaluate_accuracy ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("probe, call, fragments", [
    ("empty", lambda: d2lite.evaluate_accuracy(mlp(), []), ["data_iter is empty"]),
    ("builder", lambda: d2lite.evaluate_accuracy(d2lite.models.lenet, batches()), ["function lenet", "lenet()"]),
    ("device", lambda: d2lite.evaluate_accuracy(mlp(), batches(), device="gpu"), ["not a device"]),
    ("None", lambda: d2lite.evaluate_accuracy(mlp(), None), ["data_iter is None"]),
    ("size", lambda: d2lite.evaluate_accuracy(d2lite.models.lenet(), batches(8, side=28, resize=32)),
     ["cannot take the batches of data_iter", "resize="]),
])
def test_evaluate_accuracy_mistakes(probe, call, fragments):
    names(message(call), *fragments)


# --- Interrupting keeps what was learned; a loss that explodes without inf/NaN names the learning rate -------------
class StopAt(nn.Module):
    """An MLP that raises KeyboardInterrupt (as the stop button does) at its `at`-th training forward pass."""
    def __init__(self, at):
        super().__init__()
        self.net, self.at, self.calls, self.snapshot = mlp(), at, 0, None

    def forward(self, x):
        if self.training:
            self.calls += 1
            if self.calls == self.at:
                self.snapshot = [p.detach().clone() for p in self.parameters()]
                raise KeyboardInterrupt
        return self.net(x)


def test_interrupt_returns_the_finished_epochs_and_keeps_the_weights():
    net = StopAt(at=4 + 2)                            # 4 batches per epoch: stop in the second batch of epoch 2
    start = [p.detach().clone() for p in net.parameters()]
    with pytest.warns(RuntimeWarning, match=r"Interrupted in epoch 2.*1 finished epoch.*keeps the weights"):
        history = train(net=net, num_epochs=3)
    assert history.interrupted_at == 2 and len(history.train_loss) == len(history.test_acc) == 1
    assert "INTERRUPTED in epoch 2" in history.summary()
    for before, learned, now in zip(start, net.snapshot, net.parameters()):
        assert torch.equal(learned, now) and not torch.equal(before, now)
    assert net.training                              # not left in evaluation mode


def test_interrupt_in_the_first_epoch_says_nothing_finished():
    with pytest.warns(RuntimeWarning, match="Interrupted in epoch 1: returned the History of the 0 finished"):
        history = train(net=StopAt(at=2))
    assert history.train_loss == [] and "no epoch completed (interrupted in epoch 1)" in history.summary()


def random_label_batches(n=256):
    g = torch.Generator().manual_seed(0)
    return Batches(torch.randint(0, 256, (n, 8, 8), generator=g, dtype=torch.uint8),
                   torch.randint(0, 2, (n,), generator=g), 32, shuffle=True)


def test_an_exploding_but_finite_loss_warns_naming_the_learning_rate():
    with pytest.warns(RuntimeWarning, match=r"loss exploded to .* lr=10000000.0 is probably far too large"):
        history = train(net=mlp(classes=2), train_iter=random_label_batches(), test_iter=random_label_batches(64),
                        num_epochs=2, lr=1e7)
    assert history.diverged_at is None and all(math.isfinite(x) and x > 100 for x in history.train_loss)


def test_a_sane_run_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(num_epochs=2, lr=0.05)


# --- fashion_mnist's arguments and damaged files -------------------------------------------------------------------
@pytest.mark.parametrize("change, fragments", [
    (dict(batch_size=0), ["batch_size", "at least 1"]),
    (dict(batch_size=2.5), ["batch_size", "whole number"]),
    (dict(batch_size="256"), ["batch_size", "whole number"]),
    (dict(resize=0), ["resize", "at least 1"]),
    (dict(resize=22.4), ["resize", "whole number"]),
    (dict(resize="224"), ["resize", "whole number", "resize=224"]),
    (dict(resize=(224,)), ["resize", "(height, width) pair"]),
    (dict(n_train=0), ["n_train", "at least 1", "n_train=None keeps them all"]),
    (dict(n_train=-5), ["n_train", "at least 1"]),
    (dict(n_train=1.5e3), ["n_train", "whole number"]),
    (dict(n_test=0), ["n_test", "at least 1"]),
    (dict(device="gpu"), ["device='gpu'", "not a device"]),
], ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_fashion_mnist_argument_mistakes(tiny_data, change, fragments):
    root, _ = tiny_data
    args = dict(batch_size=16, root=root, download=False, verbose=False)
    args.update(change)
    names(message(lambda: d2lite.fashion_mnist(**args)), *fragments)


def _damage(raw, kind):
    images, labels = raw / "train-images-idx3-ubyte", raw / "t10k-labels-idx1-ubyte"
    if kind == "truncated":
        images.write_bytes(images.read_bytes()[:1000])
    elif kind == "a web page":
        images.write_bytes(b"<!DOCTYPE html><html>Too many requests</html>")
    elif kind == "empty":
        labels.write_bytes(b"")
    elif kind == "counts differ":
        write_idx(raw / "train-labels-idx1-ubyte", torch.zeros(90, dtype=torch.uint8))


@pytest.mark.parametrize("kind, fragments", [
    ("truncated", ["train-images-idx3-ubyte is damaged", "cut off", "Delete it and run this again"]),
    ("a web page", ["train-images-idx3-ubyte is damaged", "does not start like an IDX file"]),
    ("empty", ["t10k-labels-idx1-ubyte is damaged", "0 bytes", "Delete it"]),
    ("counts differ", ["do not match", "96 images", "90 labels", "Delete both"]),
])
def test_a_damaged_dataset_file_is_named(tmp_path, kind, fragments):
    write_fashion_mnist(tmp_path)
    _damage(tmp_path / "FashionMNIST" / "raw", kind)
    with pytest.raises(d2lite.DatasetDamagedError) as info:
        d2lite.fashion_mnist(16, root=tmp_path, download=False, verbose=False)
    names(str(info.value), *fragments)


# --- Checkers leave global state as found and give up quickly on hangs ---------------------------------------------
def test_a_checker_restores_the_default_dtype_and_grad_mode(capsys):
    def xavier_std(n_in, n_out):
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        return None
    assert check.xavier_std(xavier_std) is False
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()
    assert capsys.readouterr().out.startswith("Not solved yet")


@pytest.mark.parametrize("swallow", [False, True])
def test_a_hanging_function_is_given_up_within_seconds(capsys, monkeypatch, swallow):
    monkeypatch.setattr(check.harness, "TIME_LIMIT", 1.0)

    def l2_penalty(w):
        while True:
            try:
                w = w + 0
            except Exception:            # a student's catch-all that would swallow a single timeout
                if not swallow:
                    raise
    t0 = time.perf_counter()
    assert check.l2_penalty(l2_penalty) is False
    assert time.perf_counter() - t0 < 5
    names(capsys.readouterr().out, "took more than 1 s", "endless loop")


# --- init_weights the d2l way, print_shapes without the batch dimension --------------------------------------------
def test_init_weights_through_apply_says_what_to_call():
    names(message(lambda: d2lite.models.lenet().apply(d2lite.init_weights)),
          "d2lite.init_weights(net)", "instead of net.apply(d2lite.init_weights)")


def test_init_weights_on_a_builder_says_what_to_pass():
    names(message(lambda: d2lite.init_weights(d2lite.models.lenet)), "needs a network", "init_weights(net)")


@pytest.mark.parametrize("shape, fragments", [
    ((1, 28, 28), ["no batch dimension", "(1, 1, 28, 28)"]),
    ((28, 28), ["no batch dimension", "(1, 1, 28, 28)"]),
    (28, ["input_shape must be a tuple", "(1, 1, 28, 28)"]),
])
def test_print_shapes_without_the_batch_dimension(shape, fragments):
    names(message(lambda: d2lite.models.print_shapes(d2lite.models.lenet(), shape)), *fragments)



# --- A loss given to layer_stats: the class instead of an instance, or one that is not one number per batch ----------

def test_a_loss_class_instead_of_an_instance_says_to_call_it():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    X, y = torch.rand(5, 4), torch.randint(0, 3, (5,))
    with pytest.raises(TypeError, match=r"loss=CrossEntropyLoss is the class; pass an instance: loss=CrossEntropyLoss\(\)"):
        d2lite.layer_stats(net, X, y, loss=nn.CrossEntropyLoss)


def test_a_loss_that_is_not_one_number_per_batch_says_reduction():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    X, y = torch.rand(5, 4), torch.randint(0, 3, (5,))
    with pytest.raises(ValueError, match=r"one number per batch .* got \(5,\): use reduction='mean'"):
        d2lite.layer_stats(net, X, y, loss=nn.CrossEntropyLoss(reduction="none"))
