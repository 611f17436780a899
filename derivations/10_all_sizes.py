"""For all sizes at once: the convolution identities with symbolic lengths, stride,
dilation and padding, each proved step by step by SymPy and checked against the concrete
layers; and the rewriting rules symconv adds where SymPy falls short.

Every proof is rebuilt when the report is built; a step that does not hold stops the build.
"""

from __future__ import annotations

import sympy
from sympy import IndexedBase, KroneckerDelta, Piecewise, Sum, floor, symbols

from symconv import general, summation
from symconv.report import document, itemize, section, table, text, verified

TITLE = "For all sizes: the convolution identities with symbolic m, n, s, d and padding"


def overview(proofs: list[general.GeneralProof]) -> str:
    rows = []
    for number, proof in enumerate(proofs, start=1):
        parts = getattr(proof, "parts", (proof,))
        steps = [step for part in parts for step in part.steps]
        rewritings = [step for step in steps if "rule" in step.details]
        instances = sum(step.details["instances"] for step in rewritings)
        compared = sum(
            len(step.lhs) for step in steps if "rule" not in step.details and "agrees" in step.name
        )
        rows.append(
            [
                str(number),
                text(proof.title),
                str(len(rewritings)),
                str(instances),
                str(compared),
                verified(proof.holds, "holds"),
            ]
        )
    return section(
        "What is proved, and how",
        r"Each proof so far in this catalogue checked one concrete layer; here the lengths "
        r"$m$ (input) and $n$ (kernel), the stride $s$, the dilation $d$ and the padding "
        r"($p_l$ zeros before the input, $p_r$ after it) are symbols, so every statement holds for every size at once. Sums are SymPy "
        r"\texttt{Sum} objects with symbolic limits, the entries of the banded matrix are "
        r"\texttt{KroneckerDelta}s, and a bracket $[c]$ is $1$ where the condition $c$ "
        r"holds and $0$ elsewhere (taps that read the zero padding).",
        r"Every step of a proof is one law applied by a rewriting that SymPy (or one of "
        r"symconv's rules, below) carries out on the step's left side; the step holds only "
        r"if the result equals the stated right side, and if both sides, with the sizes and "
        r"free indices set to small numbers and every sum carried out term by term, agree. "
        r"Each theorem then compares its statement, instantiated, with the concrete "
        r"machinery: \texttt{conv1d}, \texttt{conv2d}, their gradients, the bands and their "
        r"tie sets, the transposed convolution and \texttt{conv\_settings}.",
        table(
            r"rp{0.34\linewidth}rrrl",
            ["", "Theorem", "Steps", "Instances", "Compared", "Verdict"],
            rows,
        ),
        r"\emph{Steps}: rewriting steps; \emph{Instances}: concrete instances at which both "
        r"sides of those steps were evaluated; \emph{Compared}: entries compared with the "
        r"concrete machinery.",
    )


def shortcomings() -> str:
    i, j, k = symbols("i j k", integer=True)
    m, n, s = symbols("m n s", integer=True, positive=True)
    a = symbols("a", integer=True)
    g, w, x = IndexedBase("g"), IndexedBase("w"), IndexedBase("x")

    strided = Sum(KroneckerDelta(j, 2 * i) * g[i], (i, 0, 5))
    sympys = strided.doit().subs(j, 3)
    ours = summation.sum_kronecker(strided).subs(j, 3)

    folded = Sum(
        g[i] * Sum(w[k] * Piecewise((x[i + k], i + k <= m), (0, True)), (k, 0, n - 1)),
        (i, 0, 3),
    )
    bracketed = Sum(g[i] * Sum(w[k] * summation.Iverson(i + k <= m), (k, 0, n - 1)), (i, 0, 3))

    bound = sympy.Le(s * floor(a / s), a)
    try:
        sympy.solve_univariate_inequality(i * s <= a, i, domain=sympy.S.Integers)
        integer_solve = False
    except NotImplementedError:
        integer_solve = True
    isolated = summation.isolate_index(i * s <= a, i)

    rows = [
        [
            r"\texttt{sum\_kronecker}",
            verified(
                sympys == g[sympy.Rational(3, 2)] and ours == 0,
                r"$\sum_{i=0}^{5} \delta_{j,2i}\, g_i$ at $j = 3$: SymPy's "
                r"\texttt{deltasummation} gives $g_{3/2}$ (the integrality condition is "
                r"dropped); the rule keeps $[2 \mid j]$ and gives $0$.",
            ),
            "no tracker issue found",
        ],
        [
            r"\texttt{Iverson}",
            verified(
                k in folded.function.free_symbols and k not in bracketed.free_symbols,
                r"A \texttt{Piecewise} inside an inner sum is folded out of it when the "
                r"outer \texttt{Sum} is built, and the inner index escapes; a bracket "
                r"factor stays put.",
            ),
            r"sympy \#12631, \#17919, \#27359",
        ],
        [
            r"\texttt{decide},\newline \texttt{refine\_brackets}",
            verified(
                bound not in (sympy.S.true, True) and summation.decide(bound, {}) is True,
                r"SymPy leaves $s\lfloor a/s\rfloor \le a$ undecided and \texttt{refine} "
                r"cannot use inequality assumptions; the rules bound $\lfloor a/s \rfloor$ "
                r"by its remainder and decide it.",
            ),
            r"sympy \#9384, \#24183, \#25522, \#21429",
        ],
        [
            r"\texttt{isolate\_index}",
            verified(
                integer_solve and isolated == sympy.Le(i, floor(a / s)),
                r"\texttt{solve\_univariate\_inequality} over the integers raises "
                r"\texttt{NotImplementedError} for $i s \le a$; the rule gives "
                r"$i \le \lfloor a/s \rfloor$.",
            ),
            r"sympy PR \#21156",
        ],
    ]
    return section(
        "Where SymPy falls short",
        r"SymPy differentiates through a \texttt{Sum}, changes and reorders summation "
        r"indices; symconv's module \texttt{symconv.summation} adds the rules below, each a "
        r"small general function with its own tests, including the cases where it must "
        r"refuse (a bracket stays when the bounds do not contain the index, a sum is not "
        r"interchanged when its range depends on the other index). Each line here is "
        r"computed when the report is built.",
        table(
            r"p{0.24\linewidth}p{0.44\linewidth}p{0.18\linewidth}",
            ["Rule", "What happens", "Works around"],
            rows,
        ),
        itemize(
            [
                r"\texttt{swap\_sums}, \texttt{absorb\_factors}, \texttt{reindex}: move "
                r"factors into sums, interchange independent finite sums (SymPy's "
                r"\texttt{reorder\_limit} rules on the legality), and substitute "
                r"$k \to n - 1 - k$ in a sum wherever it sits (\texttt{Sum.change\_index}).",
                r"\texttt{forall\_bracket}, \texttt{restrict\_sum}: a product of brackets over "
                r"a range is the bracket at its worst end; a bracket on the summation index "
                r"cuts the range of the sum.",
            ]
        ),
    )


def build() -> str:
    proofs = [theorem() for theorem in general.THEOREMS]
    plane = general.prove_2d()
    layers = [
        general.prove_channel_groups(),
        general.prove_transposed_length(),
        general.prove_transposed_is_input_gradient(),
    ]
    sections = [overview([*proofs, plane, *layers]), shortcomings()]
    sections += [
        verified(proof.holds, general.general_proof_latex(proof, heading="section"))
        for proof in proofs
    ]
    sections.append(
        verified(
            plane.holds,
            section(
                "The same identities in 2-D",
                r"Every index becomes a pair, one per axis; every delta and every bracket a "
                r"product over the axes. Each 2-D proof below runs the same steps, per axis, "
                r"and is compared with \texttt{conv2d}, \texttt{conv2d\_grads}, "
                r"\texttt{band2d} and \texttt{conv\_transpose2d}.",
                *[general.general_proof_latex(part, heading="subsection") for part in plane.parts],
            ),
        )
    )
    sections.append(
        verified(
            all(proof.holds for proof in layers),
            section(
                "Channels, groups and the transposed convolution",
                r"A grouped layer is a block-diagonal matrix of single-channel bands, and a "
                r"transposed convolution is the forward layer read backwards: its length is "
                r"the scatter's reach, and its output is the forward layer's input gradient. "
                r"Each proof below is compared with \texttt{conv1d} with channels and groups, "
                r"\texttt{conv1d\_channel\_grads}, \texttt{conv\_transpose1d} and "
                r"\texttt{conv1d\_grads}.",
                *[general.general_proof_latex(proof, heading="subsection") for proof in layers],
            ),
        )
    )
    return document(TITLE, sections)


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
