"""d2lite.training: the loop learns, never re-initialises, stops on divergence, and reports its history."""
import copy
import warnings

import pytest
import torch
from torch import nn

import d2lite
from d2lite.data import Batches


def toy_problem(n=512, seed=0, batch_size=64, random_labels=False):
    """Two well-separated classes of 'images': bright left half vs bright right half, plus noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    X = torch.randint(0, 60, (n, 8, 8), generator=g, dtype=torch.uint8)
    X[y == 0, :, :4] += 150
    X[y == 1, :, 4:] += 150
    if random_labels:                    # nothing to learn: gradients stay large
        y = torch.randint(0, 2, (n,), generator=g)
    return Batches(X[:384], y[:384], batch_size, shuffle=True), Batches(X[384:], y[384:], batch_size, shuffle=False)


def small_net():
    d2lite.seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))


def test_loss_falls_and_history_is_complete():
    train_iter, test_iter = toy_problem()
    history = d2lite.train_classifier(small_net(), train_iter, test_iter, num_epochs=5, lr=0.5, plot=False)
    assert len(history.train_loss) == len(history.train_acc) == len(history.test_acc) == 5
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.test_acc[-1] > 0.9
    assert history.examples_per_sec > 0 and history.time > 0 and history.diverged_at is None
    assert "test acc" in history.summary()


def test_never_reinitialises_the_students_weights():
    train_iter, test_iter = toy_problem()
    net = small_net()
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(0.0123)
    snapshot = [p.clone() for p in net.parameters()]
    d2lite.train_classifier(net, train_iter, test_iter, 1, lr=1e-9, plot=False)
    for before, after in zip(snapshot, net.parameters()):
        torch.testing.assert_close(before, after, rtol=0, atol=1e-6)


def test_divergence_stops_with_a_warning_and_returns_what_it_has():
    train_iter, test_iter = toy_problem(random_labels=True)
    with pytest.warns(RuntimeWarning, match=r"diverged at epoch \d+.*smaller learning rate"):
        d2lite.seed(0)      # a deep linear net (products of weights) with a far too large learning rate
        net = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.Linear(64, 64), nn.Linear(64, 2))
        history = d2lite.train_classifier(net, train_iter, test_iter, 20, lr=10.0, plot=False)
    assert history.diverged_at is not None and history.diverged_at <= 20
    assert len(history.train_loss) == history.diverged_at - 1
    assert "DIVERGED" in history.summary() or "no epoch completed" in history.summary()


def test_clipping_tames_the_same_learning_rate():
    train_iter, test_iter = toy_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # any divergence warning fails the test
        history = d2lite.train_classifier(small_net(), train_iter, test_iter, 3, lr=5.0, clip_grad_norm=0.5,
                                          plot=False)
    assert history.diverged_at is None


def test_seeded_runs_reproduce():
    runs = []
    for _ in range(2):
        train_iter, test_iter = toy_problem()
        net = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, 2))
        with torch.no_grad():
            net[2].weight.zero_(); net[2].bias.zero_()
        runs.append(d2lite.train_classifier(net, train_iter, test_iter, 2, lr=0.1, plot=False).train_loss)
    assert runs[0] == runs[1]


def test_weight_decay_applies_to_weights_not_biases():
    net = small_net()
    opt = d2lite.training.default_optimizer(net, lr=0.1, weight_decay=0.01, momentum=0.9)
    decayed = {id(p) for g in opt.param_groups if g["weight_decay"] == 0.01 for p in g["params"]}
    assert decayed == {id(net[1].weight), id(net[3].weight)}
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)


def test_momentum_matches_torch_sgd():
    runs = []
    for make_optimizer in (None, lambda net: torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)):
        train_iter, test_iter = toy_problem()
        net = small_net()
        kwargs = {"momentum": 0.9} if make_optimizer is None else {"optimizer": make_optimizer(net)}
        runs.append(d2lite.train_classifier(net, train_iter, test_iter, 2, lr=0.1, plot=False, **kwargs).train_loss)
    assert runs[0] == pytest.approx(runs[1], rel=1e-6)


def test_custom_optimizer_and_clear_errors():
    train_iter, test_iter = toy_problem()
    net = small_net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    history = d2lite.train_classifier(net, train_iter, test_iter, 2, lr=0.01, optimizer=opt, plot=False)
    assert history.train_loss[-1] < history.train_loss[0]
    with pytest.raises(ValueError, match="weight_decay"):
        d2lite.train_classifier(net, train_iter, test_iter, 1, lr=0.1, optimizer=opt, weight_decay=0.1)
    with pytest.raises(ValueError, match="num_epochs"):
        d2lite.train_classifier(net, train_iter, test_iter, 0, lr=0.1)


def test_prints_one_line_per_epoch_outside_a_notebook(capsys):
    train_iter, test_iter = toy_problem()
    d2lite.train_classifier(small_net(), train_iter, test_iter, 3, lr=0.5)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("epoch ")]
    assert [l.split(":")[0] for l in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]


def test_verbose_false_prints_nothing(capsys):
    train_iter, test_iter = toy_problem()
    d2lite.train_classifier(small_net(), train_iter, test_iter, 2, lr=0.5, verbose=False)
    assert capsys.readouterr().out == ""


def test_training_figure_draws_history():
    train_iter, test_iter = toy_problem()
    history = d2lite.train_classifier(small_net(), train_iter, test_iter, 2, lr=0.5, plot=False)
    fig = d2lite.plotting.TrainingPlot(2).draw(history)
    png = d2lite.plotting.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(fig.axes) == 2


def test_live_figure_redraws_only_the_curves_and_matches_a_full_render():
    """TrainingPlot.png pastes cached axes and draws the curves: the picture equals a full render of the figure."""
    import io
    import numpy as np
    from PIL import Image
    plot = d2lite.plotting.TrainingPlot(5, title="toy")
    full = dict(train_loss=[2.3, 1.4, 1.0, 0.8, 0.7], train_acc=[.2, .5, .6, .7, .75], test_acc=[.2, .45, .6, .65, .7])
    pngs = [plot.png(d2lite.History(**{k: v[:n] for k, v in full.items()})) for n in range(1, 6)]
    assert len(set(pngs)) == 5                                      # every epoch's picture is new
    fast = np.asarray(Image.open(io.BytesIO(pngs[-1])).convert("RGB"), dtype=int)
    slow = np.asarray(Image.open(io.BytesIO(d2lite.plotting.figure_png(plot._fig))).convert("RGB"), dtype=int)
    assert fast.shape == slow.shape
    differs = (np.abs(fast - slow).sum(axis=2) > 60).mean()
    assert differs < 0.005, f"{differs:.2%} of the pixels differ from a full render"
    assert plot._lines["train_loss"].axes.get_ylim() == (0, pytest.approx(2.3 * 1.1))   # the loss axis from 0
    diverged = d2lite.History(**full, diverged_at=6)                # a new title: the axes are drawn again
    assert plot.png(diverged) != pngs[-1]
    assert plot._lines["train_loss"].axes.get_title().startswith("diverged at epoch 6")


def test_compare_histories_and_sweep_frames_draw_fixed_axes():
    """The comparison figure marks a diverged run; a slider frame's axes come from all the values."""
    from d2lite.plotting import histories_figure
    good = d2lite.History(train_loss=[2.3, 1.0], train_acc=[0.3, 0.6], test_acc=[0.3, 0.5])
    bad = d2lite.History(train_loss=[2.3], train_acc=[0.1], test_acc=[0.1], diverged_at=2)
    fig = histories_figure({"good": good, "bad": bad}, num_epochs=2)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("diverged in epoch 2" in t for t in texts)
    results = {v: {"loss": [1.0 / (v + 1)] * 3} for v in (0, 1, 10)}
    panels = [d2lite.Panel("loss", {"train": lambda r: r["loss"]}),
              d2lite.Panel("final", {"train": lambda r: r["loss"]}, final=True)]
    frames = [d2lite.sweep_frame(v, results, panels, label="λ") for v in (0, 10)]
    assert frames[0].axes[0].get_ylim() == frames[1].axes[0].get_ylim()
    assert frames[0].axes[0].get_ylim()[1] >= 1.0 and frames[0].axes[0].get_ylim()[0] <= 1 / 11
    assert [t.get_text() for t in frames[1].axes[1].get_xticklabels()] == ["0", "1", "10"]


def test_the_same_seed_repeats_a_run_batch_order_included(tiny_data):
    """Rerunning a training cell (same weights, same seed) gives the same numbers: the batch order restarts too."""
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(16, root=root, device="cpu", verbose=False)
    start = d2lite.models.lenet(nn.ReLU, nn.MaxPool2d)
    histories = []
    for _ in range(2):
        net = copy.deepcopy(start)
        histories.append(d2lite.train_classifier(net, train_iter, test_iter, 2, 0.1, plot=False, verbose=False))
    assert histories[0].train_loss == histories[1].train_loss
