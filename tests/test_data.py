"""d2lite.data: the in-memory Fashion-MNIST loader against torchvision itself, on IDX files written here."""
import socket
import time

import pytest
import torch
import torchvision

import d2lite
from d2lite.data import Batches, DatasetNotFoundError, data_root


def test_loader_returns_exactly_what_torchvision_reads(tiny_data):
    root, written = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(16, root=root, device="cpu", verbose=False)
    for split_iter, train in ((train_iter, True), (test_iter, False)):
        ref = torchvision.datasets.FashionMNIST(str(root), train=train, download=False)
        batches = list(split_iter)                                  # one epoch
        X, y = torch.cat([X for X, _ in batches]), torch.cat([y for _, y in batches])
        assert X.dtype == torch.float32 and X.shape == (len(ref.targets), 1, 28, 28)
        assert 0.0 <= X.min() and X.max() <= 1.0
        ref_X, ref_y = ref.data.unsqueeze(1).float() / 255, ref.targets
        if train:                                                   # shuffled: put both in one canonical order
            key = lambda images, labels: (images.flatten(1) * 255).round().long().sum(1) * 10 + labels
            X, y = X[key(X, y).argsort()], y[key(X, y).argsort()]
            ref_X, ref_y = ref_X[key(ref_X, ref_y).argsort()], ref_y[key(ref_X, ref_y).argsort()]
        torch.testing.assert_close(X, ref_X, rtol=0, atol=0)
        assert torch.equal(y, ref_y)
    # ... and what torchvision reads is what the test wrote
    assert torch.equal(torchvision.datasets.FashionMNIST(str(root), train=False).data, written["t10k"][0])


def test_test_split_in_file_order_and_len(tiny_data):
    root, written = tiny_data
    _, test_iter = d2lite.fashion_mnist(16, root=root, device="cpu", verbose=False)
    assert len(test_iter) == 3                                     # 40 images / 16 per batch, last one partial
    assert [len(y) for _, y in test_iter] == [16, 16, 8]
    first_X, first_y = next(iter(test_iter))
    assert torch.equal((first_X[:, 0] * 255).round().to(torch.uint8), written["t10k"][0][:16])


def test_training_split_is_reshuffled_every_epoch_and_reproducible(tiny_data):
    root, _ = tiny_data
    train_iter, _ = d2lite.fashion_mnist(96, root=root, device="cpu", verbose=False)
    (X1, y1), = list(train_iter)
    (X2, y2), = list(train_iter)
    assert not torch.equal(X1, X2)                                 # a new order each epoch
    assert torch.equal(y1.sort().values, y2.sort().values)         # ... of the same examples
    again, _ = d2lite.fashion_mnist(96, root=root, device="cpu", verbose=False)
    assert torch.equal(next(iter(again))[0], X1)                   # seeded: a rerun gives the same order


@pytest.mark.parametrize("resize, expected", [(None, (28, 28)), (32, (32, 32)), (224, (224, 224)),
                                              ((20, 24), (20, 24)), (14, (14, 14))])
def test_resize_shapes(tiny_data, resize, expected):
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(8, resize=resize, root=root, device="cpu", verbose=False)
    X, y = next(iter(train_iter))
    assert X.shape == (8, 1, *expected) and X.dtype == torch.float32 and y.shape == (8,)
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_subsets_and_description(tiny_data, capsys):
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(10, root=root, device="cpu", n_train=30, n_test=20)
    assert (train_iter.num_examples, test_iter.num_examples, len(train_iter)) == (30, 20, 3)
    out = capsys.readouterr().out
    assert "MINI SUBSET" in out and "30 of 96" in out and str(root) in out


def test_offline_error_is_clear_and_fast(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")
    monkeypatch.setattr(socket, "create_connection", no_network)
    start = time.perf_counter()
    with pytest.raises(DatasetNotFoundError) as info:
        d2lite.fashion_mnist(32, root=tmp_path / "empty")
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert str(tmp_path / "empty") in message and "D2LITE_DATA" in message and "internet" in message


def test_data_root_prefers_argument_then_env_then_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LITE_DATA", str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root() == tmp_path / "env"
    monkeypatch.delenv("D2LITE_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_root() == tmp_path / "cache" / "d2lite" / "data"
    assert data_root().is_absolute()


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="batch_size"):
        Batches(torch.zeros(4, 28, 28, dtype=torch.uint8), torch.zeros(4, dtype=torch.long), 0, shuffle=False)
    with pytest.raises(ValueError, match="uint8"):
        Batches(torch.zeros(4, 28, 28), torch.zeros(4, dtype=torch.long), 2, shuffle=False)


def test_real_mini_dataset_loads(data_dir):
    train_iter, test_iter = d2lite.fashion_mnist(256, verbose=False)
    assert train_iter.num_examples >= 6000 and test_iter.num_examples >= 2000
    X, y = next(iter(test_iter))
    assert X.shape == (256, 1, 28, 28) and int(y.max()) <= 9
    assert d2lite.text_labels([0, 9]) == ["t-shirt", "ankle boot"]


def test_resize_gives_the_classic_pipelines_pixels(tiny_data):
    """Resizing on the device matches torchvision's Resize + ToTensor on PIL images (to 1/255)."""
    from torchvision import transforms
    root, _ = tiny_data
    _, test_iter = d2lite.fashion_mnist(8, resize=64, root=root, device="cpu", verbose=False)
    classic = torchvision.datasets.FashionMNIST(str(root), train=False, transform=transforms.Compose(
        [transforms.Resize(64), transforms.ToTensor()]))
    X, _ = next(iter(test_iter))
    expected = torch.stack([classic[i][0] for i in range(8)])
    assert (X - expected).abs().max() <= 1 / 255 + 1e-6


def test_sample_gives_the_first_images_as_the_batches_show_them(tiny_data):
    """Batches.sample(n): the first n training images, float, resized, on the device; labels are labels[:n]."""
    root, written = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(16, resize=32, root=root, device="cpu", verbose=False)
    X = train_iter.sample(8)
    assert X.shape == (8, 1, 32, 32) and X.dtype == torch.float32 and X.device == train_iter.device
    assert torch.equal(X, train_iter.to_float(train_iter.images[:8]))
    assert torch.equal(train_iter.labels[:8], written["train"][1][:8])
    first_test, _ = next(iter(test_iter))                          # the unshuffled split: the same pixels
    assert torch.equal(test_iter.sample(16), first_test)
    assert train_iter.sample(1000).shape[0] == 96                  # at most the images there are
    with pytest.raises(TypeError, match="whole number"):
        train_iter.sample(2.5)
