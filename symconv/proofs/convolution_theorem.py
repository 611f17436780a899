"""The convolution theorem for one size ``n``, proved: the DFT diagonalises C(w).

Circular cross-correlation with ``w`` (PyTorch's ``padding_mode="circular"``, "same",
stride 1; :mod:`symconv.ops.circulant`) is ``z = C x`` with ``C = circ(w~)`` circulant,
and with ``F[m, j] = omega^(m j)``, ``omega = exp(-2 pi i / n)`` (``numpy.fft.fft``):

    ``C = F^-1 diag(F w~) F``: the eigenvalues of C are the DFT of ``w~``.

The roots of unity are exact. Every power of ``omega`` is kept as a polynomial in a
symbol standing for ``omega``, its exponent reduced mod ``n`` (``omega^n = 1``), and a
polynomial is zero exactly when the cyclotomic polynomial ``Phi_n`` (``omega``'s minimal
polynomial, checked with ``sympy.minimal_polynomial``) divides it. A dense product
``F^-1 diag(F w~) F`` costs ``n^3`` sums of roots of unity that SymPy must simplify
(about 28 s at ``n = 16``); instead each entry is reduced to the geometric sums
``sum_m omega^(m t)``, which are ``n`` or ``0``, proved once for each ``t mod n``.

Examples
========

>>> from symconv import symbolic_vector
>>> from symconv.proofs.convolution_theorem import prove_convolution_theorem
>>> proof = prove_convolution_theorem(symbolic_vector("w", 3), 4)
>>> proof.holds
True
>>> [str(step.name) for step in proof.steps][:2]
['omega is a primitive n-th root of unity', 'geometric sums of the roots of unity']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sympy
from sympy import Dummy, Expr, Matrix, S, Symbol

from symconv.core.engine import dot
from symconv.core.numbers import as_int
from symconv.core.vectors import as_vector, symbolic_vector
from symconv.ops.circulant import circulant_kernel, circulant_matrix, circular_offset
from symconv.proofs.proof import Proof, Step, check, observe


def omega(n: int) -> Expr:
    """``exp(-2 pi i / n)``, the DFT's root of unity (``numpy.fft.fft``'s sign).

    >>> omega(4)
    -I
    """
    return sympy.exp(-2 * sympy.pi * sympy.I / n)


def powers(terms: Iterable[tuple[Expr, int]], root: Symbol, n: int) -> Expr:
    """``sum c * root^e`` with every exponent reduced mod ``n`` (``root^n = 1``) and the
    coefficients of each power collected and expanded: one canonical form per value."""
    collected: dict[int, list[Expr]] = {}
    for coefficient, exponent in terms:
        collected.setdefault(exponent % n, []).append(coefficient)
    return sympy.Add(
        *[
            sympy.expand(sympy.Add(*collected[e])) * root**e
            for e in sorted(collected)
            if collected[e]
        ]
    )


def geometric_sum(t: int, root: Symbol, n: int, cyclotomic: sympy.Poly) -> Expr:
    """``sum_{m<n} root^(m t)``, its exponents reduced mod ``n`` and the polynomial reduced
    mod ``Phi_n``: ``n`` when ``n | t``, else ``0`` (a polynomial vanishes at the root
    exactly when its minimal polynomial divides it)."""
    total = sympy.Poly(powers(((S.One, m * t) for m in range(n)), root, n), root)
    return total.rem(cyclotomic).as_expr()


def plain_circular_correlation(x: Sequence[Expr], w: Sequence[Expr]) -> list[Expr]:
    """The reference: ``z_i = sum_k w_k x[(i + k - p) mod n]`` by a plain loop, with
    PyTorch's circular padding restated here (p = (K-1)//2 copies of x's end on the left)."""
    n, size = len(x), len(w)
    p = (size - 1) // 2
    outputs = []
    for i in range(n):
        total: Expr = S.Zero
        for k in range(size):
            total += w[k] * x[(i + k - p) % n]
        outputs.append(sympy.expand(total))
    return outputs


def free_name(taken: set[str], choices: Sequence[str] = ("x", "u", "y", "v")) -> str:
    """A vector name whose symbols ``name0, name1, ...`` are not among ``taken``."""
    for name in choices:
        if not any(symbol.startswith(name) for symbol in taken):
            return name
    return "xi"


def primitive_root_step(n: int, root: Symbol, cyclotomic: sympy.Poly) -> Step:
    found = sympy.minimal_polynomial(omega(n), root)
    return observe(
        r"$\omega$ is a primitive $n$-th root of unity",
        sympy.expand(found - cyclotomic.as_expr()) == 0,
        law=(
            r"$\omega = e^{-2\pi i/n}$ has minimal polynomial $\Phi_n$ (the cyclotomic "
            r"polynomial): a polynomial vanishes at $\omega$ iff $\Phi_n$ divides it, and "
            r"$\Phi_n \mid X^n - 1$, so exponents reduce mod $n$"
        ),
        details={"omega": omega(n), "minimal polynomial": found},
    )


def geometric_sums_step(n: int, root: Symbol, cyclotomic: sympy.Poly) -> Step:
    residues = list(range(n))
    return check(
        "geometric sums of the roots of unity",
        [geometric_sum(t, root, n, cyclotomic) for t in residues],
        [S(n) if t == 0 else S.Zero for t in residues],
        law=(
            r"$\sum_{m=0}^{n-1} \omega^{m t} = n\,[n \mid t]$: $n$ ones when $n \mid t$, "
            r"else $(\omega^{n t} - 1)/(\omega^t - 1) = 0$ (reduced modulo $\Phi_n$)"
        ),
        labels=[f"t = {t}" for t in residues],
    )


def prove_convolution_theorem(
    w: object, n: int, *, kernel_vector: object = None, input_name: str | None = None
) -> Proof:
    """Prove, for ``n`` inputs, that circular cross-correlation with ``w`` is ``C x`` with
    ``C`` circulant, ``C = circ(w~)``, and ``C = F^-1 diag(F w~) F``.

    ``kernel_vector`` is the claimed placement ``w~`` of the kernel in a length-``n``
    vector (default :func:`~symconv.ops.circulant.circulant_kernel`); a wrong one fails at
    the step "C is the circulant of the placed kernel w~", whose mismatch names the first
    entry of C it gets wrong. The input is symbolic (``x0, x1, ...``, or ``input_name``).

    >>> from symconv import symbolic_vector
    >>> proof = prove_convolution_theorem(symbolic_vector("w", 3), 5)
    >>> proof.holds, len(proof.steps)
    (True, 7)
    >>> wrong = prove_convolution_theorem([1, 2, 3], 5, kernel_vector=[1, 2, 3, 0, 0])
    >>> wrong.holds, str(wrong.first_failure.name), wrong.first_failure.mismatch
    (False, 'C is the circulant of the placed kernel w~', ((0, 0), 2, 1))
    """
    ws = list(as_vector(w, "kernel w"))
    size = as_int(n, "circulant size n", 1)
    placed = list(
        circulant_kernel(ws, size)
        if kernel_vector is None
        else as_vector(kernel_vector, "kernel_vector w~")
    )
    if len(placed) != size:
        raise ValueError(
            f"kernel_vector has {len(placed)} entries; the kernel is placed in a vector of "
            f"length n = {size}"
        )
    taken = {str(s) for e in ws + placed for s in e.free_symbols}
    name = input_name if input_name is not None else free_name(taken)
    x = list(symbolic_vector(name, size))
    root = Dummy("omega")
    cyclotomic = sympy.Poly(sympy.cyclotomic_poly(size, root), root)
    C = circulant_matrix(ws, size)
    pairs = [(i, j) for i in range(size) for j in range(size)]
    steps = [primitive_root_step(size, root, cyclotomic)]
    sums = geometric_sums_step(size, root, cyclotomic)
    steps.append(sums)
    geometric = list(sums.lhs)  # the sums as proved: a failure above carries through

    steps.append(
        check(
            r"circular cross-correlation is $C x$",
            [dot((C[i, j], x[j]) for j in range(size) if C[i, j] != 0) for i in range(size)],
            plain_circular_correlation(x, ws),
            law=(
                r"PyTorch's circular padding: output $i$ reads "
                r"$x_{(i + k - p) \bmod n}$, $p = \lfloor (K-1)/2 \rfloor$"
            ),
            labels=[(i,) for i in range(size)],
        )
    )
    steps.append(
        check(
            r"$C$ is circulant",
            [C[i, j] for i, j in pairs],
            [C[(i + 1) % size, (j + 1) % size] for i, j in pairs],
            law=r"$C_{i+1,\,j+1} = C_{ij}$, indices mod $n$: each row is the one above shifted right, cyclically",
            labels=pairs,
        )
    )
    steps.append(
        check(
            r"$C$ is the circulant of the placed kernel $\tilde w$",
            [C[i, j] for i, j in pairs],
            [placed[(i - j) % size] for i, j in pairs],
            law=(
                r"$C_{ij} = \tilde w_{(i-j) \bmod n}$ with "
                r"$\tilde w_r = \sum_k w_k\,[r \equiv p - k \pmod n]$: the kernel reversed, "
                r"its tap $p$ at index $0$, the taps after it wrapped to the end"
            ),
            labels=pairs,
            details={"w~": Matrix(placed), "p": circular_offset(len(ws))},
        )
    )
    # C v_m = lambda_m v_m with v_m[j] = omega^(-j m) (column m of n F^-1) and
    # lambda_m = sum_r w~_r omega^(r m) = (F w~)_m.
    eigen_labels = [(m, i) for m in range(size) for i in range(size)]
    steps.append(
        check(
            r"the eigenvalues are the DFT of $\tilde w$",
            [powers(((C[i, j], -j * m) for j in range(size)), root, size) for m, i in eigen_labels],
            [
                powers(((placed[r], r * m - i * m) for r in range(size)), root, size)
                for m, i in eigen_labels
            ],
            law=(
                r"$(C v_m)_i = \lambda_m (v_m)_i$ for $v_m = (\omega^{-j m})_j$ and "
                r"$\lambda_m = \sum_r \tilde w_r \omega^{r m} = (F \tilde w)_m$"
            ),
            labels=eigen_labels,
            details={
                "eigenvalues": [
                    sum((placed[r] * omega(size) ** (r * m) for r in range(size)), S.Zero)
                    for m in range(size)
                ]
            },
        )
    )
    steps.append(
        check(
            r"$C = F^{-1} \operatorname{diag}(F \tilde w) F$",
            [
                sympy.expand(
                    sum(
                        (placed[r] * geometric[(r + j - i) % size] for r in range(size)),
                        S.Zero,
                    )
                    / size
                )
                for i, j in pairs
            ],
            [sympy.expand(C[i, j]) for i, j in pairs],
            law=(
                r"$(F^{-1} \operatorname{diag}(F \tilde w) F)_{ij} = \frac{1}{n} \sum_r "
                r"\tilde w_r \sum_m \omega^{m (r + j - i)}$, each inner sum a geometric sum "
                r"above"
            ),
            labels=pairs,
        )
    )
    return Proof(
        title=f"The convolution theorem for circular cross-correlation, n = {size}",
        statement=(
            rf"For $w \in \mathbb{{R}}^{{{len(ws)}}}$ and $n = {size}$: circular "
            r"cross-correlation (PyTorch's padding mode circular, same, stride 1) is "
            r"$z = C x$ with $C = \operatorname{circ}(\tilde w)$ circulant, and "
            r"$C = F^{-1} \operatorname{diag}(F \tilde w) F$ with $F_{mj} = \omega^{m j}$, "
            r"$\omega = e^{-2\pi i/n}$: the eigenvalues of $C$ are the DFT of $\tilde w$"
        ),
        steps=steps,
    )
