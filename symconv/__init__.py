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

from typing import Any

from symconv.core.images import symbolic_matrix
from symconv.core.vectors import as_vector, symbolic_vector
from symconv.derivation import Derivation, derive
from symconv.layout.axis import ConvSettings, conv_settings, padding_word
from symconv.layout.grid import ConvSettings2D, settings2d
from symconv.layout.padding import PADDING_MODES
from symconv.ops.banded import BandedMatrix, band, conv_matrix
from symconv.ops.channels import conv1d_channel_grads, conv2d_channel_grads
from symconv.ops.circulant import (
    circulant,
    circulant_kernel,
    circulant_matrix,
    circular_correlation,
)
from symconv.ops.conv2d import (
    band2d,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    im2col2d,
    toeplitz_blocks,
)
from symconv.ops.datamatrix import feature_maps, im2col
from symconv.ops.gradients import (
    ACTIVATIONS,
    LayerGradients,
    conv1d_grads,
    filter_bank_grads,
    layer_gradients,
)
from symconv.ops.sliding import conv1d, windows
from symconv.ops.transposed import conv_transpose1d, conv_transpose2d, conv_transpose_matrix
from symconv.ops.unshared import (
    UnsharedLayer,
    locally_connected1d,
    locally_connected2d,
    locally_connected_layer,
    tiled_conv1d,
    tiled_conv2d,
    tiled_layer,
    unshared_band,
    unshared_grads,
    unshared_im2col,
    unshared_outputs,
)
from symconv.proofs.channels import prove_channel_gradients, prove_channels
from symconv.proofs.convolution_theorem import prove_convolution_theorem
from symconv.proofs.equivariance import (
    prove_dilated_is_zero_inserted,
    prove_strided_is_subsampled,
    prove_tied_is_convolution,
    prove_translation_equivariance,
)
from symconv.proofs.matrix_form import prove_matrix_form
from symconv.proofs.matrix_form2d import prove_matrix_form2d
from symconv.proofs.proof import Proof, Step
from symconv.proofs.tied import prove_tied_gradients
from symconv.proofs.tied2d import prove_tied_gradients2d
from symconv.proofs.transposed import prove_transposed, prove_transposed2d
from symconv.proofs.unshared import (
    LayerComparison,
    compare_layers,
    prove_locally_connected,
    prove_tiled,
)

__version__ = "0.1.0"

#: Loaded on first use, so that ``import symconv`` costs what a derivation needs: the
#: theorems for all sizes, the rewriting rules, the test helpers and the reports (with
#: latexify) are each a module of their own (the PEP 562 module ``__getattr__``).
LAZY = {
    "general": "symconv.general",
    "summation": "symconv.summation",
    "testing": "symconv.testing",
    "CompileError": "symconv.report",
    "Report": "symconv.report",
    "compile_pdf": "symconv.report",
    "derivation_report": "symconv.report",
    "derivations_document": "symconv.report",
    "layer_report": "symconv.report",
    "figures": "symconv.figures",
    "checking": "symconv.checking",
    "check_conv": "symconv.checking",
    "check_conv_backward": "symconv.checking",
}


def __getattr__(name: str) -> Any:
    if name not in LAZY:
        raise AttributeError(f"module 'symconv' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(LAZY[name])
    value = module if module.__name__ == f"symconv.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(LAZY))


__all__ = [
    "UnsharedLayer",
    "locally_connected1d",
    "locally_connected2d",
    "locally_connected_layer",
    "tiled_conv1d",
    "tiled_conv2d",
    "tiled_layer",
    "unshared_band",
    "unshared_grads",
    "unshared_im2col",
    "unshared_outputs",
    "prove_dilated_is_zero_inserted",
    "prove_strided_is_subsampled",
    "prove_tied_is_convolution",
    "prove_translation_equivariance",
    "LayerComparison",
    "compare_layers",
    "prove_locally_connected",
    "prove_tiled",
    "circulant",
    "circulant_kernel",
    "circulant_matrix",
    "circular_correlation",
    "padding_word",
    "PADDING_MODES",
    "prove_convolution_theorem",
    "check_conv",
    "check_conv_backward",
    "checking",
    "figures",
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
