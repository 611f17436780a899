"""Operations on a resolved layout: forward outputs, banded and data matrices, gradients."""
