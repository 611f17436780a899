"""symconv: a convolution layer is a matrix multiplication with tied and zero weights, exactly.

Examples
========

>>> from symconv import conv1d, conv_matrix, im2col, symbolic_vector
>>> x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
>>> conv1d(x, w).T
Matrix([[w0*x0 + w1*x1 + w2*x2, w0*x1 + w1*x2 + w2*x3]])
>>> conv_matrix(w, 4)
Matrix([
[w0, w1, w2,  0],
[ 0, w0, w1, w2]])
>>> conv_matrix(w, 4) * x == im2col(x, 3) * w
True
"""

from __future__ import annotations

from symconv import general, summation, testing
from symconv.banded import BandedMatrix, band, conv_matrix
from symconv.channels import (
    conv1d_channel_grads,
    conv2d_channel_grads,
    prove_channel_gradients,
    prove_channels,
)
from symconv.conv2d import (
    ConvSettings2D,
    band2d,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    im2col2d,
    prove_matrix_form2d,
    prove_tied_gradients2d,
    settings2d,
    symbolic_matrix,
    toeplitz_blocks,
)
from symconv.datamatrix import feature_maps, im2col
from symconv.derivation import Derivation, derive
from symconv.gradients import (
    ACTIVATIONS,
    LayerGradients,
    conv1d_grads,
    filter_bank_grads,
    layer_gradients,
)
from symconv.matrix_form import prove_matrix_form
from symconv.proof import Proof, Step
from symconv.report import (
    CompileError,
    Report,
    compile_pdf,
    derivation_report,
    derivations_document,
    layer_report,
)
from symconv.settings import ConvSettings, conv_settings
from symconv.sliding import conv1d, windows
from symconv.tied import prove_tied_gradients
from symconv.transposed import (
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_matrix,
    prove_transposed,
    prove_transposed2d,
)
from symconv.vectors import as_vector, symbolic_vector

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "as_vector",
    "band",
    "band2d",
    "BandedMatrix",
    "compile_pdf",
    "CompileError",
    "conv1d",
    "conv1d_channel_grads",
    "conv1d_grads",
    "conv2d",
    "conv2d_channel_grads",
    "conv2d_grads",
    "conv2d_matrix",
    "conv_matrix",
    "conv_settings",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose_matrix",
    "ConvSettings",
    "ConvSettings2D",
    "Derivation",
    "derivation_report",
    "derivations_document",
    "derive",
    "feature_maps",
    "filter_bank_grads",
    "general",
    "im2col",
    "im2col2d",
    "layer_gradients",
    "layer_report",
    "LayerGradients",
    "Proof",
    "prove_channel_gradients",
    "prove_channels",
    "prove_matrix_form",
    "prove_matrix_form2d",
    "prove_tied_gradients",
    "prove_tied_gradients2d",
    "prove_transposed",
    "prove_transposed2d",
    "Report",
    "settings2d",
    "Step",
    "summation",
    "symbolic_matrix",
    "symbolic_vector",
    "testing",
    "toeplitz_blocks",
    "windows",
]
