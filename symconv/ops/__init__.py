"""Operations on a resolved layout: forward outputs, banded and data matrices, gradients.

The public forward layers ``conv1d`` and ``conv2d`` live in :mod:`symconv.ops.forward`,
above both the single-channel code and the channel code they hand a call to.
"""
