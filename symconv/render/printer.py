"""symconv's LaTeX printer: SymPy's ``LatexPrinter`` with a ``_print_X`` method per object.

:class:`SymconvPrinter` follows ``sympy.printing.latex.LatexPrinter``: options are
declared once in ``_default_settings`` (the index base, how many entries a step shows,
the heading level, display mode for Jupyter), and ``Printer._print`` picks the method
for an object's class along its MRO, so a :class:`~symconv.general.GeneralProof` is
printed by its own method and a plain SymPy expression by SymPy's. ``Proof.to_latex()``,
every ``_repr_latex_`` and the reports go through :func:`latex`.

Examples
========

>>> from symconv import prove_matrix_form
>>> from symconv.render.printer import latex
>>> tex = latex(prove_matrix_form([1, 2, 3, 4], [5, 6, 7]), index_base=1)
>>> tex.splitlines()[0]
'\\\\subsection*{Matrix form of a 1-D convolution layer}'
>>> latex(prove_matrix_form([1, 2, 3, 4], [5, 6, 7]), display=True).startswith("$")
True
"""

from __future__ import annotations

from typing import Any

from sympy.printing.latex import LatexPrinter

from symconv.render import latex as parts


class SymconvPrinter(LatexPrinter):
    """Prints proofs, steps, laws, banded matrices and derivations as LaTeX."""

    printmethod = "_symconv_latex"

    _default_settings: dict[str, Any] = {
        **LatexPrinter._default_settings,
        "index_base": 0,
        "max_entries": 4,
        "heading": "subsection*",
        "display": False,
    }

    @property
    def index_base(self) -> int:
        return parts.check_index_base(self._settings["index_base"])

    def _print_Law(self, law: Any) -> str:
        if self._settings["display"]:
            return law.display(self.index_base)
        return law.latex(self.index_base)

    def _print_Step(self, step: Any) -> str:
        if self._settings["display"]:
            return parts.step_display(step, self.index_base)
        return parts.step_latex(step, self.index_base, self._settings["max_entries"])

    def _print_Proof(self, proof: Any) -> str:
        return parts.proof_latex(
            proof,
            index_base=self.index_base,
            max_entries=self._settings["max_entries"],
            display=self._settings["display"],
            heading=self._settings["heading"],
        )

    def _print_GeneralProof(self, proof: Any) -> str:
        from symconv.render.general_latex import general_proof_latex

        if self._settings["display"]:
            return parts.proof_latex(proof, display=True)
        return general_proof_latex(proof, heading=self._settings["heading"])

    def _print_TwoDimensionalProof(self, proof: Any) -> str:
        return self._print_GeneralProof(proof)

    @property
    def width(self) -> float | None:
        """The line a formula must fit on a page (em); a notebook's display has no page
        width, so there the limits on entries alone apply."""
        return None if self._settings["display"] else parts.LINE_BUDGET

    def _print_BandedMatrix(self, matrix: Any) -> str:
        body = parts.matrix_latex(matrix, 8, 8, self.index_base, width=self.width)
        return rf"$\displaystyle {body}$" if self._settings["display"] else body

    def _print_Derivation(self, derivation: Any) -> str:
        # The outputs as one equation; the whole derivation as a document is the
        # report's (symconv.report), which sits above this layer.
        width = None if self.width is None else self.width - 2
        outputs = parts.vector_latex(
            list(derivation.outputs), index_base=self.index_base, width=width
        )
        body = rf"z = {outputs}"
        return rf"$\displaystyle {body}$" if self._settings["display"] else rf"\[ {body} \]"


def latex(obj: Any, **settings: Any) -> str:
    """``obj`` as LaTeX by :class:`SymconvPrinter` (unknown options raise ``TypeError``,
    naming them, as SymPy's printers do)."""
    return SymconvPrinter(settings).doprint(obj)
