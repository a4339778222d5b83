"""ResNet: the residual block and ResNet-18 (ResNet chapter). Re-exported as d2lite.models.Residual and resnet18."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    """A residual block: two 3x3 convolutions with batch norm, whose output is added to the input (ResNet chapter).

    Y = ReLU(BN(conv(ReLU(BN(conv(X))))) + X). `stride` 2 halves height and width in the first convolution; when
    the channels or the size change, `use_1x1conv=True` maps X through a 1x1 convolution (same stride) so that
    the two can be added.
    """

    def __init__(self, in_channels: int, out_channels: int, *, use_1x1conv: bool = False, stride: int = 1) -> None:
        super().__init__()
        if not use_1x1conv and (in_channels != out_channels or stride != 1):
            raise ValueError(f"Residual({in_channels}, {out_channels}, stride={stride}) changes the shape, so X "
                             "cannot be added to the output as it is: pass use_1x1conv=True to map X with a 1x1 "
                             "convolution.")
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv3 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride) if use_1x1conv else None

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))                    # (B, C_out, H/s, W/s)
        Y = self.bn2(self.conv2(Y))                            # same shape
        if self.conv3 is not None:
            X = self.conv3(X)                                  # (B, C_in, H, W) -> (B, C_out, H/s, W/s)
        return F.relu(Y + X)                                   # the skip connection: add the input


def resnet_block(in_channels: int, out_channels: int, num_residuals: int, *,
                 first_block: bool = False) -> nn.Sequential:
    """`num_residuals` residual blocks; the first halves height and width and changes the channels, unless
    `first_block` (the stage right after the stem's max pooling keeps them) (ResNet chapter)."""
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, out_channels, use_1x1conv=True, stride=2))
        else:
            blocks.append(Residual(out_channels, out_channels))
    return nn.Sequential(*blocks)


def resnet18(num_classes: int = 10, in_channels: int = 1, *, width_divisor: int = 1) -> nn.Sequential:
    """ResNet-18: a 7x7 stem, four stages of two residual blocks each, global average pooling and one Linear layer
    (ResNet chapter). `width_divisor` divides every channel count (64, 128, 256, 512), for small budgets."""
    if isinstance(width_divisor, bool) or not isinstance(width_divisor, int) or not 1 <= width_divisor <= 64:
        raise ValueError(f"resnet18: width_divisor must be a whole number from 1 (full width) to 64, "
                         f"got {width_divisor!r}.")
    c1, c2, c3, c4 = (c // width_divisor for c in (64, 128, 256, 512))
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(in_channels, c1, kernel_size=7, stride=2, padding=3),   # (B, 64, 48, 48)
                      nn.BatchNorm2d(c1), nn.ReLU(),
                      nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),                # (B, 64, 24, 24)
        resnet_block(c1, c1, 2, first_block=True),                                      # (B, 64, 24, 24)
        resnet_block(c1, c2, 2),                                                        # (B, 128, 12, 12)
        resnet_block(c2, c3, 2),                                                        # (B, 256, 6, 6)
        resnet_block(c3, c4, 2),                                                        # (B, 512, 3, 3)
        nn.AdaptiveAvgPool2d(1),                                                        # (B, 512, 1, 1)
        nn.Flatten(),                                                                   # (B, 512)
        nn.Linear(c4, num_classes),                                                     # (B, 10): logits
    )
