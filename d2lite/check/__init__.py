"""Checkers for the coding exercises: `d2lite.check.NAME(your_function)` (every chapter's Exercises section).

Each checker runs your function on a few concrete inputs and prints one line:
  "✔ Correct: ..."           when every test passes (it returns True);
  "✘ Not quite: ..."         with one hint, what was expected and what came back, on a concrete input (False);
  "Not solved yet: ..."      when your function still returns None, as the stub does (False).
A checker never raises, whatever your code does; it leaves all global state as it found it (random generators,
torch's default dtype, ...) and gives up on a function that runs longer than a few seconds (an endless loop).
The expected answers are written out here, independent of the rest of d2lite.

Layout: `harness` (running the student's code safely), `layers` (comparing networks layer by layer), and one
module per chapter group: `selection`, `regularization`, `stability`, `cnn`, `cnn_sizes`, `deep` (batch
normalization, ResNet).
"""
from .cnn import alexnet, lenet, nin_block, nin_one_1x1, vgg_any_size, vgg_block
from .cnn_sizes import alexnet_128, lenet32
from .deep import batch_norm, residual
from .regularization import dropout_layer, l2_penalty
from .selection import k_fold, min_training_mse
from .stability import xavier_std

__all__ = ["alexnet", "alexnet_128", "batch_norm", "dropout_layer", "k_fold", "l2_penalty", "lenet", "lenet32",
           "min_training_mse", "nin_block", "nin_one_1x1", "residual", "vgg_any_size", "vgg_block", "xavier_std"]
