"""d2lite: the small shared package behind the d2lite deep-learning course.

Every chapter notebook imports from here. Importing it is cheap: no network, no data, no global
matplotlib or torch settings change. Each helper names the chapter that introduces it.
"""
from . import models, widgets
from . import regression
from . import check  # exercise checkers: d2lite.check.NAME(your_function)
from .config import budget, device, hello, profile, seed
from .data import Batches, DatasetNotFoundError, fashion_mnist, text_labels
from .data import k_fold
from .initialization import LayerStats, init_weights, layer_stats, total_grad_norm, train_quietly, xavier_std
from .plotting import new_figure, show, show_images
from .regularization import dropout_layer, l2_penalty
from .training import History, evaluate_accuracy, train_classifier

__version__ = "0.1.0"

__all__ = [
    "k_fold", "regression",
    "LayerStats", "init_weights", "layer_stats", "total_grad_norm", "train_quietly", "xavier_std",
    "Batches", "DatasetNotFoundError", "History", "budget", "device", "evaluate_accuracy", "fashion_mnist",
    "dropout_layer", "hello", "l2_penalty", "models", "new_figure", "profile", "seed", "show", "show_images", "text_labels", "train_classifier",
]
