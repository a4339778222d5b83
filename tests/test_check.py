"""d2lite.check: reference solutions pass; plausible wrong answers fail with a specific hint; nothing ever raises."""
from __future__ import annotations

import itertools
import math
import random
import sys

import pytest
import torch
from torch import nn

from d2lite import check


# --- Reference solutions, written as a student would (independent of d2lite's own implementations) -----------------

def dropout_layer(X, p):
    if p == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > p).float()
    return mask * X / (1 - p)


def l2_penalty(w):
    return (w ** 2).sum() / 2



def _lstsq_mse(powers, returns="mse"):
    """A least-squares fit by the given powers of x (range(degree + 1) is right); what it returns can be wrong."""
    def min_training_mse(x, y, degree):
        X = torch.stack([x ** i for i in powers(degree)], dim=1).double()
        w = torch.linalg.lstsq(X, y.double().unsqueeze(1)).solution
        errors = (X @ w).squeeze(1) - y.double()
        return {"mse": (errors ** 2).mean(), "sum": (errors ** 2).sum(), "half": (errors ** 2).mean() / 2,
                "rmse": (errors ** 2).mean().sqrt(), "weights": w.squeeze(1)}[returns]
    return min_training_mse


min_training_mse = _lstsq_mse(lambda d: range(d + 1))


def k_fold(n, k):
    bounds = [i * n // k for i in range(k + 1)]            # the last blocks take the leftover examples
    for i in range(k):
        val = list(range(bounds[i], bounds[i + 1]))
        yield [j for j in range(n) if not bounds[i] <= j < bounds[i + 1]], val


def k_fold_tensors(n, k):                                  # the same, as a list of tensor pairs with shuffled order
    order = torch.randperm(n)
    blocks = torch.tensor_split(order, k)
    return [(torch.cat([b for j, b in enumerate(blocks) if j != i]), blocks[i]) for i in range(k)]


def xavier_std(n_in, n_out):
    return math.sqrt(2 / (n_in + n_out))


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    return nn.Sequential(*layers, nn.MaxPool2d(kernel_size=2, stride=2))


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def alexnet(last_relu=False):
    layers = [
        nn.Conv2d(1, 96, kernel_size=11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(), nn.Linear(6 * 6 * 256, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(4096, 10)]
    return nn.Sequential(*layers, *([nn.ReLU()] if last_relu else []))


def vgg_any_size(conv_arch, hidden, final_pool=None):
    blocks, channels = [], 1
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, channels, out_channels))
        channels = out_channels
    return nn.Sequential(
        *blocks, nn.Conv2d(channels, hidden, kernel_size=7), nn.ReLU(), nn.Dropout(0.5),
        nn.Conv2d(hidden, hidden, kernel_size=1), nn.ReLU(), nn.Dropout(0.5),
        nn.Conv2d(hidden, 10, kernel_size=1), final_pool or nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())


def nin_one_1x1(final_relu=False, ones=1):
    def block(c_in, c_out, k, s, p):
        layers = [nn.Conv2d(c_in, c_out, k, s, p), nn.ReLU()]
        for _ in range(ones):
            layers += [nn.Conv2d(c_out, c_out, kernel_size=1), nn.ReLU()]
        return nn.Sequential(*layers)
    last = block(384, 10, 3, 1, 1)
    return nn.Sequential(
        block(1, 96, 11, 4, 0), nn.MaxPool2d(3, stride=2), block(96, 256, 5, 1, 2), nn.MaxPool2d(3, stride=2),
        block(256, 384, 3, 1, 1), nn.MaxPool2d(3, stride=2), nn.Dropout(0.5),
        last if final_relu else last[:-1], nn.AdaptiveAvgPool2d(1), nn.Flatten())

REFERENCE = {"dropout_layer": dropout_layer, "l2_penalty": l2_penalty, "k_fold": k_fold, "xavier_std": xavier_std,
             "vgg_block": vgg_block, "nin_block": nin_block, "lenet": lenet, "alexnet": alexnet,
             "vgg_any_size": vgg_any_size, "nin_one_1x1": nin_one_1x1,
             "min_training_mse": min_training_mse}


def run(capsys, name, fn):
    """Run check.NAME(fn); return (result, the printed text). The call itself must not raise."""
    result = getattr(check, name)(fn)
    return result, capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_solution_passes(capsys, name):
    result, out = run(capsys, name, REFERENCE[name])
    assert result is True, out
    assert out.startswith("✔ Correct") and out.count("\n") == 1


@pytest.mark.parametrize("name", ["k_fold", "dropout_layer"])
def test_other_correct_forms_pass(capsys, name):
    """Tensor indices in shuffled blocks; d2lite's own dropout (p = 0 returns X itself)."""
    import d2lite.regularization
    fn = {"k_fold": k_fold_tensors, "dropout_layer": d2lite.regularization.dropout_layer}[name]
    result, out = run(capsys, name, fn)
    assert result is True, out


# --- Plausible wrong answers: False, with one hint naming the concrete mistake ---------------------------------------

def _sequential_vgg(padding=1, pool=True, kernel=3):
    def vgg_block(num_convs, c_in, c_out):
        layers = []
        for i in range(num_convs):
            layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, kernel, padding=padding), nn.ReLU()]
        return nn.Sequential(*layers, *([nn.MaxPool2d(2, 2)] if pool else []))
    return vgg_block


def _nin(extra_kernel=1, extra_padding=0, relus=True):
    def nin_block(c_in, c_out, k, s, p):
        act = nn.ReLU if relus else nn.Identity
        return nn.Sequential(nn.Conv2d(c_in, c_out, k, s, p), act(),
                             nn.Conv2d(c_out, c_out, extra_kernel, padding=extra_padding), act(),
                             nn.Conv2d(c_out, c_out, extra_kernel, padding=extra_padding), act())
    return nin_block


def _without(layer_kind):
    return lambda: nn.Sequential(*[m for m in lenet() if not isinstance(m, layer_kind)])


WRONG = {
    "dropout_layer": [
        ("no 1/(1 − p) rescale", lambda X, p: (torch.rand(X.shape) > p) * X, "without rescaling by 1/(1 − p)"),
        ("keeps with probability p", lambda X, p: (torch.rand(X.shape) < p) * X / (1 - p), "probability p instead"),
        ("p = 1 gives nan", lambda X, p: (torch.rand(X.shape) > p) * X / (1 - p), "handle p = 1 separately"),
        ("same mask every call", lambda X, p: X if p == 0 else torch.zeros_like(X) if p == 1 else
         (torch.rand(X.shape, generator=torch.Generator().manual_seed(0)) > p) * X / (1 - p), "new random mask"),
        ("in place", lambda X, p: X.mul_((torch.rand(X.shape) > p) / (1 - p)) if 0 < p < 1 else X * (1 - p),
         "in place"),
        ("returns a list", lambda X, p: X.tolist(), "should return a tensor like X"),
        ("wrong shape", lambda X, p: X.flatten(), "of X's shape"),
        ("scaled by (1 − p)", lambda X, p: (torch.rand(X.shape) > p) * X * (1 - p), "x/(1 − p)"),
    ],
    "l2_penalty": [
        ("without the ½", lambda w: (w ** 2).sum(), "forgot the ½"),
        ("L1", lambda w: w.abs().sum(), "L1 norm"),
        ("the norm, not squared", lambda w: w.norm() / 2, "square of the norm"),
        ("a Python float", lambda w: (w ** 2).sum().item() / 2, "autograd cannot differentiate"),
        ("a dot product, vectors only", lambda w: torch.dot(w, w) / 2, "l2_penalty(W) raised RuntimeError"),
        ("one value per column", lambda w: (w ** 2).sum(dim=0) / 2, "single number"),
    ],
    "k_fold": [
        ("overlapping folds", lambda n, k: ((list(range(n)), list(range(i, i + n // k))) for i in range(k)),
         "in both train_idx and val_idx"),
        ("missing indices", lambda n, k: ((list(range((i + 1) * (n // k), n)),
                                           list(range(i * (n // k), (i + 1) * (n // k)))) for i in range(k)),
         "in neither train_idx nor val_idx"),
        ("never validates the remainder", lambda n, k: (([j for j in range(n) if j // (n // k) != i],
                                                         list(range(i * (n // k), (i + 1) * (n // k))))
                                                        for i in range(k)), "the last block takes the leftover"),
        ("drops the remainder", lambda n, k: (([j for j in range(k * (n // k)) if j // (n // k) != i],
                                               list(range(i * (n // k), (i + 1) * (n // k)))) for i in range(k)),
         "index 6 is in neither train_idx nor val_idx"),
        ("endless generator", lambda n, k: itertools.repeat((list(range(1, n)), [0])), "6 or more"),
        ("k − 1 folds", lambda n, k: itertools.islice(k_fold(n, k), k - 1), "it yielded 4"),
        ("same block every fold", lambda n, k: ((list(range(n // k, n)), list(range(n // k))) for _ in range(k)),
         "validated 5 times"),
        ("not pairs", lambda n, k: iter(range(k)), "should be a pair"),
    ],
    "min_training_mse": [
        ("sum of squares", _lstsq_mse(lambda d: range(d + 1), "sum"), "take their mean"),
        ("half the MSE", _lstsq_mse(lambda d: range(d + 1), "half"), "drop the ½"),
        ("root of the MSE", _lstsq_mse(lambda d: range(d + 1), "rmse"), "square root"),
        ("the weights", _lstsq_mse(lambda d: range(d + 1), "weights"), "the weights it seems"),
        ("no constant feature", _lstsq_mse(lambda d: range(1, d + 1)), "include x⁰ = 1"),
        ("degree weights, not degree + 1", _lstsq_mse(lambda d: range(d)), "has 3 weights"),
        ("gradient descent, unfinished", lambda x, y, d: ((y - y.mean()) ** 2).mean(), "smallest training MSE"),
    ],
    "xavier_std": [
        ("n_in only", lambda n_in, n_out: math.sqrt(2 / n_in), "n_in only"),
        ("the variance", lambda n_in, n_out: 2 / (n_in + n_out), "variance"),
        ("uniform bound", lambda n_in, n_out: math.sqrt(6 / (n_in + n_out)), "uniform"),
        ("NaN", lambda n_in, n_out: float("nan"), "got nan"),
        ("a string", lambda n_in, n_out: "0.07", "single number"),
    ],
    "vgg_block": [
        ("no padding", _sequential_vgg(padding=0), "padding=1); yours has padding=0"),
        ("no pooling", _sequential_vgg(pool=False), "layer 4 should be MaxPool2d(kernel_size=2, stride=2)"),
        ("5×5 kernels, padding 2", _sequential_vgg(padding=2, kernel=5), "yours has kernel_size=5"),
        ("average pooling", lambda *a: nn.Sequential(*list(vgg_block(*a))[:-1], nn.AvgPool2d(2, 2)),
         "should be MaxPool2d"),
        ("sigmoid", lambda *a: nn.Sequential(*[nn.Sigmoid() if isinstance(m, nn.ReLU) else m for m in vgg_block(*a)]),
         "should be ReLU()"),
        ("a list, not a module", lambda *a: list(vgg_block(*a)), "should return an nn.Sequential"),
    ],
    "nin_block": [
        ("3×3 extra convolutions", _nin(extra_kernel=3, extra_padding=1), "kernel_size=1, stride=1, padding=0); "
         "yours has kernel_size=3"),
        ("3×3 extra convolutions, no padding", _nin(extra_kernel=3), "yours has kernel_size=3"),
        ("1×1 with padding 1", _nin(extra_padding=1), "layer 2 of nin_block(3, 8, 5, 2, 1) should be Conv2d("
         "in_channels=8, out_channels=8, kernel_size=1, stride=1, padding=0); yours has padding=1"),
        ("no ReLUs", _nin(relus=False), "should be ReLU()"),
        ("ignores the stride", lambda i, o, k, s, p: nin_block(i, o, k, 1, p), "yours has stride=1"),
        ("no ReLU at the end", lambda *a: nin_block(*a)[:-1], "layer 5 should be ReLU()"),
    ],
    "vgg_any_size": [
        ("the fully connected head kept", lambda arch, hidden: nn.Sequential(
            *list(vgg_any_size(arch, hidden))[:-9], nn.Flatten(), nn.Linear(49 * arch[-1][1], hidden)),
         "should be Conv2d("),
        ("3×3 instead of 7×7", lambda arch, hidden: nn.Sequential(*[
            nn.Conv2d(m.in_channels, m.out_channels, 3) if isinstance(m, nn.Conv2d) and m.kernel_size == (7, 7)
            else m for m in vgg_any_size(arch, hidden)]), "kernel_size=3"),
        ("max instead of average", lambda arch, hidden: vgg_any_size(arch, hidden, nn.AdaptiveMaxPool2d(1)),
         "should be AdaptiveAvgPool2d()"),
        ("pooled to 2×2", lambda arch, hidden: vgg_any_size(arch, hidden, nn.AdaptiveAvgPool2d(2)),
         "should output (2, 10)"),
    ],
    "nin_one_1x1": [
        ("the classic final ReLU", lambda: nin_one_1x1(final_relu=True), "layer 19 of nin_one_1x1() is a ReLU"),
        ("two 1×1 convolutions, as NiN", lambda: nin_one_1x1(ones=2), "should be MaxPool2d"),
    ],
    "lenet": [
        ("ReLU instead of sigmoid", lambda: nn.Sequential(*[nn.ReLU() if isinstance(m, nn.Sigmoid) else m
                                                            for m in lenet()]), "should be Sigmoid()"),
        ("no padding on conv1", lambda: nn.Sequential(nn.Conv2d(1, 6, 5), *list(lenet())[1:]), "padding=0"),
        ("no Flatten", _without(nn.Flatten), "should be Flatten()"),
        ("a final sigmoid", lambda: nn.Sequential(*lenet(), nn.Sigmoid()), "remove layer 12"),
        ("a number", lambda: 5, "should return an nn.Sequential"),
    ],
    "alexnet": [
        ("the notes' final ReLU", lambda: alexnet(last_relu=True), "remove layer 21"),
        ("ImageNet's 1000 classes", lambda: nn.Sequential(*list(alexnet())[:-1], nn.Linear(4096, 1000)),
         "out_features=10); yours has out_features=1000"),
        ("no dropout", lambda: nn.Sequential(*[m for m in alexnet() if not isinstance(m, nn.Dropout)]),
         "layer 16 of alexnet() should be Dropout(p=0.5)"),
    ],
}


@pytest.mark.parametrize("name,label,fn,hint", [(name, label, fn, hint) for name, cases in WRONG.items()
                                                 for label, fn, hint in cases],
                         ids=[f"{name}-{label}" for name, cases in WRONG.items() for label, _, _ in cases])
def test_wrong_answer_fails_with_a_specific_hint(capsys, name, label, fn, hint):
    result, out = run(capsys, name, fn)
    assert result is False, out
    assert out.startswith("✘ Not quite: ") and out.count("\n") == 1, out
    assert hint in out, out


# --- Garbage, exceptions, the unsolved stub: False, never an exception ---------------------------------------------

def _raises(*args):
    raise RuntimeError("student bug")


def _exits(*args):
    sys.exit(3)


def _garbage(*args):
    return {"not": "an answer"}


def _nan_tensor(*args):
    if len(args) == 2 and torch.is_tensor(args[0]):
        return torch.full((10, 100), math.nan)
    return torch.tensor(math.nan)


def _stub(*args):
    return None  # your code here


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("fn", [_raises, _exits, _garbage, _nan_tensor, 42, "lenet", None],
                         ids=["raises", "sys.exit", "garbage", "nan", "an int", "a string", "None"])
def test_misbehaving_code_is_judged_false_without_raising(capsys, name, fn):
    result, out = run(capsys, name, fn)
    assert result is False
    assert out.startswith("✘ Not quite: ") and out.count("\n") == 1, out
    if fn is _raises:
        assert "RuntimeError: student bug" in out


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_unsolved_stub_says_not_solved_yet(capsys, name):
    result, out = run(capsys, name, _stub)
    assert result is False
    assert out.startswith("Not solved yet: ") and "returned None" in out, out


def test_hints_name_the_students_function(capsys):
    def my_lenet():
        return None  # your code here

    assert run(capsys, "lenet", my_lenet)[1].startswith("Not solved yet: my_lenet() returned None")
    assert "raised RuntimeError" in run(capsys, "xavier_std", _raises)[1]


def test_none_in_a_later_case_is_a_missing_return_not_the_stub(capsys):
    result, out = run(capsys, "dropout_layer", lambda X, p: None if p == 1 else dropout_layer(X, p))
    assert result is False and "does every branch" in out, out


def test_endless_index_iterables_are_bounded(capsys):
    result, out = run(capsys, "k_fold", lambda n, k: ((itertools.count(), [i]) for i in range(k)))
    assert result is False and "more than n = 10 indices" in out, out


def test_a_network_passed_instead_of_its_function_is_accepted(capsys):
    assert run(capsys, "lenet", lenet())[0] is True


def test_checking_leaves_the_random_generators_as_they_were(capsys):
    torch.manual_seed(0)
    random.seed(0)
    expected = (torch.rand(3), random.random())
    torch.manual_seed(0)
    random.seed(0)
    check.dropout_layer(dropout_layer)
    check.k_fold(k_fold_tensors)
    assert torch.equal(torch.rand(3), expected[0]) and random.random() == expected[1]
    capsys.readouterr()


def test_an_endless_loop_is_stopped_with_a_hint(capsys, monkeypatch):
    monkeypatch.setattr(check.harness, "TIME_LIMIT", 1.0)

    def xavier_std(n_in, n_out):
        while True:
            n_in += 1

    result, out = run(capsys, "xavier_std", xavier_std)
    assert result is False and "endless loop" in out, out


def test_checking_leaves_all_global_state_as_found(capsys):
    """A student's function that changes torch's global settings: the checker puts every one of them back."""
    def xavier_std(n_in, n_out):
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        torch.manual_seed(123)
        random.seed(123)
        torch.set_num_threads(1)
        torch.set_printoptions(precision=1)
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = True
        return math.sqrt(2 / (n_in + n_out))

    before = (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads(),
              torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark, repr(torch.tensor(0.123)))
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    assert run(capsys, "xavier_std", xavier_std)[0] is True
    after = (torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads(),
             torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark, repr(torch.tensor(0.123)))
    assert after == before and torch.equal(torch.rand(2), expected)


def test_the_time_limit_is_a_few_seconds():
    assert 2 <= check.harness.TIME_LIMIT <= 10
