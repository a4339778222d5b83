"""d2lite: the small shared package behind the d2lite deep-learning course.

Every chapter notebook imports from here. Importing it is cheap: no network, no data, no global
matplotlib or torch settings change. Each helper names the chapter that introduces it.
"""
from . import check, models, plotting, regression, widgets  # noqa: F401  (submodules: d2lite.check.lenet(...), ...)
from .claims import ClaimFailed, claim
from .config import budget, device, hello, profile, seed
from .data import Batches, DatasetNotFoundError, fashion_mnist, k_fold, text_labels
from .initialization import LayerStats, init_weights, layer_stats, total_grad_norm, train_quietly, xavier_std
from .plotting import Panel, compare_histories, new_figure, show, show_images, sweep_frame
from .precision import amp_dtype
from .regularization import dropout_layer, l2_penalty
from .training import History, evaluate_accuracy, train_classifier

__version__ = "0.1.0"

__all__ = [
    # submodules
    "check", "models", "plotting", "regression", "widgets",
    # where it runs (all chapters)
    "amp_dtype", "budget", "device", "hello", "profile", "seed",
    # the results a chapter's text relies on (all chapters)
    "ClaimFailed", "claim",
    # data and training (LeNet chapter onward; k_fold: model selection)
    "Batches", "DatasetNotFoundError", "History", "evaluate_accuracy", "fashion_mnist", "k_fold", "text_labels",
    "train_classifier",
    # figures
    "Panel", "compare_histories", "new_figure", "show", "show_images", "sweep_frame",
    # regularization (weight decay, dropout) and initialization (numerical stability)
    "dropout_layer", "l2_penalty",
    "LayerStats", "init_weights", "layer_stats", "total_grad_norm", "train_quietly", "xavier_std",
]
