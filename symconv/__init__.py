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

from typing import TYPE_CHECKING, Any

from symconv.core.images import symbolic_matrix
from symconv.core.vectors import as_vector, symbolic_vector

if TYPE_CHECKING:  # the lazy names, as a type checker should see them
    from symconv import checking, figures, general, summation, testing
    from symconv.checking import check_conv, check_conv_backward
    from symconv.derivation import Derivation, derive
    from symconv.layout.axis import ConvSettings, conv_settings, padding_word
    from symconv.layout.grid import ConvSettings2D, ConvSettingsND, settings2d, settings_nd
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
        conv2d_grads,
        conv2d_matrix,
        im2col2d,
        toeplitz_blocks,
    )
    from symconv.ops.convnd import (
        conv3d,
        convnd,
        convnd_band,
        convnd_grads,
        convnd_matrix,
        im2colnd,
    )
    from symconv.ops.datamatrix import feature_maps, im2col
    from symconv.ops.forward import conv1d, conv2d
    from symconv.ops.gradients import (
        ACTIVATIONS,
        LayerGradients,
        conv1d_grads,
        filter_bank_grads,
        layer_gradients,
    )
    from symconv.ops.sliding import windows
    from symconv.ops.transposed import (
        conv_transpose1d,
        conv_transpose2d,
        conv_transpose3d,
        conv_transpose_matrix,
        conv_transposend,
    )
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
    from symconv.proofs.batches import prove_batch_gradients
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
    from symconv.report import (
        CompileError,
        Report,
        compile_pdf,
        derivation_report,
        derivations_document,
        layer_report,
    )

__version__ = "0.1.0"

#: Loaded on first use, so that ``import symconv`` costs little more than ``import sympy``
#: (symconv has some fifty modules, and an install that cannot write bytecode compiles
#: each one it imports): every operation, layout and proof, ``derive`` (with the LaTeX
#: printer it loads), the theorems for all sizes, the rewriting rules, the test helpers
#: and the reports (with latexify) are loaded by the first name that needs them (the
#: PEP 562 module ``__getattr__``); ``from symconv import *`` loads them all.
LAZY = {
    "ConvSettings": "symconv.layout.axis",
    "conv_settings": "symconv.layout.axis",
    "padding_word": "symconv.layout.axis",
    "PADDING_MODES": "symconv.layout.padding",
    "BandedMatrix": "symconv.ops.banded",
    "band": "symconv.ops.banded",
    "conv_matrix": "symconv.ops.banded",
    "feature_maps": "symconv.ops.datamatrix",
    "im2col": "symconv.ops.datamatrix",
    "ACTIVATIONS": "symconv.ops.gradients",
    "LayerGradients": "symconv.ops.gradients",
    "conv1d_grads": "symconv.ops.gradients",
    "filter_bank_grads": "symconv.ops.gradients",
    "layer_gradients": "symconv.ops.gradients",
    "conv1d": "symconv.ops.forward",
    "windows": "symconv.ops.sliding",
    "Derivation": "symconv.derivation",
    "derive": "symconv.derivation",
    "prove_matrix_form": "symconv.proofs.matrix_form",
    "Proof": "symconv.proofs.proof",
    "Step": "symconv.proofs.proof",
    "prove_tied_gradients": "symconv.proofs.tied",
    "ConvSettings2D": "symconv.layout.grid",
    "ConvSettingsND": "symconv.layout.grid",
    "settings2d": "symconv.layout.grid",
    "settings_nd": "symconv.layout.grid",
    "conv1d_channel_grads": "symconv.ops.channels",
    "conv2d_channel_grads": "symconv.ops.channels",
    "circulant": "symconv.ops.circulant",
    "circulant_kernel": "symconv.ops.circulant",
    "circulant_matrix": "symconv.ops.circulant",
    "circular_correlation": "symconv.ops.circulant",
    "band2d": "symconv.ops.conv2d",
    "conv2d": "symconv.ops.forward",
    "conv2d_grads": "symconv.ops.conv2d",
    "conv2d_matrix": "symconv.ops.conv2d",
    "im2col2d": "symconv.ops.conv2d",
    "toeplitz_blocks": "symconv.ops.conv2d",
    "conv3d": "symconv.ops.convnd",
    "convnd": "symconv.ops.convnd",
    "convnd_band": "symconv.ops.convnd",
    "convnd_grads": "symconv.ops.convnd",
    "convnd_matrix": "symconv.ops.convnd",
    "im2colnd": "symconv.ops.convnd",
    "conv_transpose1d": "symconv.ops.transposed",
    "conv_transpose2d": "symconv.ops.transposed",
    "conv_transpose3d": "symconv.ops.transposed",
    "conv_transpose_matrix": "symconv.ops.transposed",
    "conv_transposend": "symconv.ops.transposed",
    "UnsharedLayer": "symconv.ops.unshared",
    "locally_connected1d": "symconv.ops.unshared",
    "locally_connected2d": "symconv.ops.unshared",
    "locally_connected_layer": "symconv.ops.unshared",
    "tiled_conv1d": "symconv.ops.unshared",
    "tiled_conv2d": "symconv.ops.unshared",
    "tiled_layer": "symconv.ops.unshared",
    "unshared_band": "symconv.ops.unshared",
    "unshared_grads": "symconv.ops.unshared",
    "unshared_im2col": "symconv.ops.unshared",
    "unshared_outputs": "symconv.ops.unshared",
    "prove_batch_gradients": "symconv.proofs.batches",
    "prove_channel_gradients": "symconv.proofs.channels",
    "prove_channels": "symconv.proofs.channels",
    "prove_convolution_theorem": "symconv.proofs.convolution_theorem",
    "prove_dilated_is_zero_inserted": "symconv.proofs.equivariance",
    "prove_strided_is_subsampled": "symconv.proofs.equivariance",
    "prove_tied_is_convolution": "symconv.proofs.equivariance",
    "prove_translation_equivariance": "symconv.proofs.equivariance",
    "prove_matrix_form2d": "symconv.proofs.matrix_form2d",
    "prove_tied_gradients2d": "symconv.proofs.tied2d",
    "prove_transposed": "symconv.proofs.transposed",
    "prove_transposed2d": "symconv.proofs.transposed",
    "LayerComparison": "symconv.proofs.unshared",
    "compare_layers": "symconv.proofs.unshared",
    "prove_locally_connected": "symconv.proofs.unshared",
    "prove_tiled": "symconv.proofs.unshared",
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
    "ConvSettingsND",
    "settings_nd",
    "conv3d",
    "convnd",
    "convnd_band",
    "convnd_grads",
    "convnd_matrix",
    "im2colnd",
    "conv_transpose3d",
    "conv_transposend",
    "prove_batch_gradients",
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
