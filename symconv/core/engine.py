"""The term engine: canonical sums of products built and differentiated term by term.

Every derivation in symconv is a sum of products (a sliding dot product, a loss by
linearity, a gradient). Building them with ``Add(*...)``/``Mul(*...)`` makes SymPy
re-flatten and re-sort what is already flat; here the terms are built once, in SymPy's
own canonical order, so two derivations of the same expression come out structurally
identical and are compared with ``==`` instead of ``expand(a - b) == 0``.

Only products of plain symbols take the fast road; anything else (numbers, compound
expressions, repeated factors) goes through ``Mul``/``Add`` so the result is always
exactly what SymPy itself would build. ``tests/test_engine.py`` checks both roads agree.

Examples
========

>>> from sympy import symbols
>>> from symconv.core.engine import product, total, derivative
>>> a, b, c = symbols("a b c")
>>> total([product((b, a)), product((c, a))])
a*b + a*c
>>> derivative((a, b, a), a)   # exact product rule on the factors a*b*a
2*a*b
"""

from __future__ import annotations

import gc
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableSequence, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from itertools import islice
from operator import eq, itemgetter, lt
from typing import Any, TypeVar

import sympy
from sympy import Add, Expr, Mul, S, Symbol

Factors = Sequence[Expr]


def is_plain_symbol(factor: object) -> bool:
    """A commutative ``Symbol`` (not a subclass): its place in a product is its key's."""
    return type(factor) is Symbol and bool(factor.is_commutative)  # type: ignore[attr-defined]


#: A plain symbol's place in Mul's order: the length of its hashable content, then the
#: content's items, in one flat tuple (see :func:`compute_symbol_key`).
SymbolKey = tuple[Any, ...]


#: The (assumption, value) pairs of symbols' contents, one tuple each, shared by every key
#: that holds it (a symbol's content makes them afresh on every call).
ASSUMPTION_PAIRS: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def compute_symbol_key(symbol: Symbol) -> SymbolKey | None:
    """Basic.compare's order for a plain symbol as a sort key; None if not commutative.

    Basic.compare orders by the content's length, then its items: a flat
    ``(len, *content)`` sorts as ``(len, content)`` does (items are compared only between
    contents of one length), in one tuple instead of two, and its assumption pairs are
    shared: 64 bytes a key where it was 168, 3 MB less for the 33k symbols of a
    (16384, 9) layer's backward.

    >>> from sympy import Symbol
    >>> compute_symbol_key(Symbol("x"))
    (2, 'x', ('commutative', True))
    """
    if not symbol.is_commutative:
        return None
    content = symbol._hashable_content()
    return (
        len(content),
        *(
            ASSUMPTION_PAIRS.setdefault(item, item) if type(item) is tuple else item
            for item in content
        ),
    )


class Memo:
    """Products, big sums and symbol keys built during one derivation.

    A derivation builds the same product several times (the outputs, T x, X w, the
    loss terms); remembering them makes the repeats free and keeps equal products
    identical objects, so comparing two sums is a run of identity checks. The memo lives
    only as long as :func:`session`, so nothing grows across derivations.
    """

    def __init__(self) -> None:
        # Keyed by ids folded into one int (see ids_key): hashing ints is several times
        # cheaper than hashing SymPy objects (Basic.__hash__ is Python code), and one int
        # is a third of the memory of a tuple of ints. Every value holds the objects
        # whose ids make its key, so while the memo lives no such id can be reused.
        self.products: dict[int, Expr] = {}
        # Products of two symbols, under their first factor in Mul's order: pairs[id(a)]
        # [id(b)] is a*b (ids, as above: a symbol's hash is Python code; the product
        # holds both factors). Split by factor, so the tables a convolution's rows look
        # up stay small and warm. One orientation only: a second would double the table
        # (150 bytes a product, measured) to save a second lookup for factors given in
        # the other order. A factor with one product so far holds it alone, not in a
        # table: the backward's products g_i*x_j are one per g_i in a block, and a
        # one-entry table each was 5 MB of a weight's block at (16384, 9).
        self.pairs: dict[int, dict[int, Expr] | Expr] = {}
        # One int object per second factor's id, shared as the key of every table that
        # holds it: a fresh id() int per product was 32 of the table's 68 bytes a product.
        self.partner_ids: dict[int, int] = {}
        self.symbols: dict[int, SymbolKey | None] = {}
        # Canonical sums of SUM_MEMO_MIN or more terms, under the sum of their terms' ids
        # (see remembered_sum): a derivation builds the same big sum two or three ways
        # (dL/dw_k, column k of X^T g, tie set k), and sorting it again is m log m.
        self.sums: dict[int, list[Expr]] = {}
        # The symbols whose keys are remembered, kept alive so their ids stay theirs.
        self.kept: list[Symbol] = []


def ids_key(factors: Sequence[Expr]) -> int:
    """The factors' ids, in order, folded into one int (ids are below 2**64)."""
    key = 0
    for factor in factors:
        key = (key << 64) | id(factor)
    return key


ACTIVE: ContextVar[Memo | None] = ContextVar("symconv_memo", default=None)


#: Not in the table (a key may itself be None: a non-commuting symbol has no place).
MISSING: Any = object()


def symbol_key(symbol: Symbol) -> SymbolKey | None:
    """:func:`compute_symbol_key`, remembered for the session."""
    memo = ACTIVE.get()
    if memo is None:
        return compute_symbol_key(symbol)
    known = memo.symbols.get(id(symbol), MISSING)
    if known is MISSING:
        known = memo.symbols[id(symbol)] = compute_symbol_key(symbol)
        memo.kept.append(symbol)
    return known


def peek_symbol_key(symbol: Symbol) -> SymbolKey | None:
    """The session's key of ``symbol`` if it has one, else :func:`compute_symbol_key`'s,
    not remembered (for a caller that keys many symbols once)."""
    memo = ACTIVE.get()
    known = memo.symbols.get(id(symbol), MISSING) if memo is not None else MISSING
    return compute_symbol_key(symbol) if known is MISSING else known


@contextmanager
def session() -> Iterator[Memo]:
    """Share one :class:`Memo` across everything built inside; pause the cyclic garbage
    collector meanwhile.

    SymPy expressions hold no reference cycles, but a derivation allocates millions of
    them and every full collection walks them all again: measured, that is a quarter of
    the time of a big derivation. The collector's previous state is restored on exit
    (see :func:`resume_collector`).
    """
    outer = ACTIVE.get()
    if outer is not None:
        yield outer
        return
    memo = Memo()
    token = ACTIVE.set(memo)
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield memo
    finally:
        ACTIVE.reset(token)
        del memo  # products the result does not hold go now, before the collector resumes
        if collecting:
            resume_collector()


def forget_pairs() -> None:
    """Drop the active session's table of two-symbol products (:attr:`Memo.pairs`), for a
    stage that builds none of them again; the products themselves live on in what holds
    them. Outside a session there is nothing to drop."""
    memo = ACTIVE.get()
    if memo is not None:
        memo.pairs.clear()
        memo.partner_ids.clear()


def forget_built() -> None:
    """Drop everything the active session remembers of what it built (products, the
    two-symbol table, big sums), keeping the symbols' keys: for a caller that checks a
    block of a big claim and lets it go before the next, so the block's expressions are
    not kept alive by the memo. Outside a session there is nothing to drop."""
    memo = ACTIVE.get()
    if memo is not None:
        forget_pairs()
        memo.products.clear()
        memo.sums.clear()


def resume_collector() -> None:
    """Re-enable the cyclic collector without a pass over what the derivation returned.

    While disabled, CPython still counts allocations, so the first allocation after
    ``gc.enable()`` sets off a collection of the youngest generation, which by then holds
    every object the derivation built and returned: measured, 0.5 s of a 10 s derivation
    at (4096, 64), and 14x the time for 4x the terms at n = 9, a cache miss per object
    once they outgrow the caches. ``gc.freeze()`` then ``gc.unfreeze()`` moves every
    tracked object into the oldest generation with the count at zero (as documented:
    unfrozen objects go "back into the oldest generation"), so the result is left to the
    full collections that long-lived objects get anyway. Not done when the program has
    frozen objects of its own: unfreezing would release them.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    gc.enable()


F = TypeVar("F", bound=Callable[..., Any])


def in_session(function: F) -> F:
    """Run ``function`` inside :func:`session`."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with session():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def sorted_product(factors: tuple[Symbol, ...]) -> Expr:
    """The Mul of distinct plain symbols already in Mul's order (no sorting needed)."""
    if len(factors) == 1:
        return factors[0]
    memo = ACTIVE.get()
    if memo is None:
        return Mul._from_args(factors, True)
    if len(factors) == 2:
        a, b = factors
        pairs = memo.pairs
        partners = pairs.get(id(a))
        if partners is None:  # a's first product: held alone, no table of its own
            built = pairs[id(a)] = Mul._from_args(factors, True)
            return built
        if not isinstance(partners, dict):  # a's one product so far
            if partners._args[1] is b:
                return partners
            only = partners._args[1]
            partners = pairs[id(a)] = {memo.partner_ids.setdefault(id(only), id(only)): partners}
        id_b = id(b)
        built = partners.get(id_b)
        if built is None:
            built = Mul._from_args(factors, True)
            partners[memo.partner_ids.setdefault(id_b, id_b)] = built
        return built
    ids = ids_key(factors)
    built = memo.products.get(ids)
    if built is None:
        built = memo.products[ids] = Mul._from_args(factors, True)
    return built


def symbols_product(factors: tuple[Symbol, ...]) -> Expr:
    """The Mul of plain ``Symbol`` factors, sorted as Mul.flatten sorts them."""
    keys = [symbol_key(f) for f in factors]
    if len(set(factors)) != len(factors) or None in keys:
        return Mul(*factors)  # powers or non-commuting factors: let Mul handle them
    ordered = sorted(zip(keys, factors), key=lambda pair: pair[0])  # type: ignore[arg-type,return-value]
    return sorted_product(tuple(f for _, f in ordered))


def product(factors: Factors) -> Expr:
    """The product of ``factors`` exactly as ``Mul(*factors)`` builds it.

    >>> from sympy import symbols
    >>> x, w = symbols("x w")
    >>> product((x, w)) == Mul(x, w)
    True
    """
    if all(type(f) is Symbol for f in factors):
        if len(factors) == 1:
            return factors[0]
        return symbols_product(tuple(factors))  # remembered under its sorted factors
    return Mul(*factors)


def term_key(term: Expr) -> tuple[Any, ...] | None:
    """Basic.compare's order for a Mul of plain symbols, or None for any other term:
    the number of factors, then the factors' keys in order (one flat tuple).

    Built from the factors' keys each time rather than remembered per term: a table of
    every term's key is as large as the derivation, and looking terms up in it at random
    costs more than the few symbol keys (a small table) it saves.
    """
    if type(term) is not Mul:
        return None
    keys: list[Any] = [len(term.args)]
    for factor in term.args:
        key = symbol_key(factor) if type(factor) is Symbol else None
        if key is None:
            return None
        keys.append(key)
    return tuple(keys)


#: Sums of at least this many terms are remembered for the session (Memo.sums).
SUM_MEMO_MIN = 8


def remembered_sum(memo: Memo, terms: Sequence[Expr]) -> tuple[int, Expr | None]:
    """``(fingerprint, sum)``: the canonical sum built before in the session from exactly
    these term objects, in any order, or None; the fingerprint files a new one.

    A match is decided on the terms' ids as sets (the fingerprint only narrows the
    search): the remembered sum holds its terms and the caller holds these, so equal ids
    are the same objects, and a sum of distinct terms is its set of terms. A list that
    repeats a term has fewer distinct ids than entries and matches nothing.
    """
    fingerprint = sum(map(id, terms))
    candidates = memo.sums.get(fingerprint)
    if candidates:
        ids = set(map(id, terms))
        for candidate in candidates:
            if len(candidate.args) == len(terms) == len(ids) and ids == set(
                map(id, candidate.args)
            ):
                return fingerprint, candidate
    return fingerprint, None


def total(terms: Sequence[Expr]) -> Expr:
    """The sum of ``terms`` exactly as ``Add(*terms)`` builds it.

    The fast road takes distinct products of two or more plain symbols, the shape of
    every sliding dot product over symbols; anything else is left to ``Add``. A big sum
    built before in the session from the same terms is returned as it is.
    """
    if not terms:
        return S.Zero
    if len(terms) == 1:
        return terms[0]
    memo, fingerprint, found = sum_seen(terms)
    if found is not None:
        return found  # before any term is keyed
    with_keys: list[tuple[Any, Expr]] = []
    for term in terms:
        key = term_key(term)
        if key is None:
            return Add(*terms)
        with_keys.append((key, term))
    with_keys.sort(key=itemgetter(0))
    keys = list(map(itemgetter(0), with_keys))
    ordered = list(map(itemgetter(1), with_keys))
    if any(map(eq, keys, islice(keys, 1, None))):
        return Add(*ordered)  # like terms (equal keys are equal terms): Add collects them
    return file_sum(memo, fingerprint, ordered)


def sum_seen(terms: Sequence[Expr]) -> tuple[Memo | None, int | None, Expr | None]:
    """``(memo, fingerprint, sum)``: the session's canonical sum of these terms if one was
    built (see :func:`remembered_sum`), else None and the fingerprint to file it under."""
    memo = ACTIVE.get()
    if memo is None or len(terms) < SUM_MEMO_MIN:
        return memo, None, None
    fingerprint, found = remembered_sum(memo, terms)
    return memo, fingerprint, found


def file_sum(memo: Memo | None, fingerprint: int | None, ordered: list[Expr]) -> Expr:
    """The Add of distinct terms already in canonical order, remembered for the session."""
    built = Add._from_args(ordered, True)
    if memo is not None and fingerprint is not None:
        memo.sums.setdefault(fingerprint, []).append(built)
    return built


def pair_product(a: Expr, b: Expr) -> Expr:
    """``product((a, b))`` with the common case, two plain symbols, inlined: every
    sliding dot product, loss term and gradient term goes through here. A product built
    before in the session is found without computing any key."""
    if type(a) is Symbol and type(b) is Symbol and a is not b:
        memo = ACTIVE.get()
        if memo is not None:
            pairs, id_a, id_b = memo.pairs, id(a), id(b)
            partners = pairs.get(id_a)
            if partners is not None:
                if isinstance(partners, dict):
                    built = partners.get(id_b)
                    if built is not None:
                        return built
                elif partners._args[1] is b:
                    return partners
            partners = pairs.get(id_b)  # stored under the factor that comes first
            if partners is not None:
                if isinstance(partners, dict):
                    built = partners.get(id_a)
                    if built is not None:
                        return built
                elif partners._args[1] is a:
                    return partners
        key_a, key_b = symbol_key(a), symbol_key(b)
        if key_a is not None and key_b is not None and key_a != key_b:
            return sorted_product((a, b) if key_a < key_b else (b, a))
    return product((a, b))


def minus_scaled(a: Expr, eta: Expr, b: Expr) -> Expr:
    """``a - eta*b`` exactly as SymPy builds it (a gradient step on one weight).

    For plain symbols ``a`` and ``eta`` and a commutative sum ``b``, SymPy's result is
    ``Add(a, Mul(-1, eta, b))`` with its arguments in that order (a symbol sorts before
    a product, and a symbol before a sum; nothing distributes over ``b``, so ``a`` or
    ``eta`` inside it combines with nothing), and it is built so, directly. Through ``Add``/``Mul`` SymPy's cache hashes ``b`` and with it every term:
    a 32-byte hash kept on each of the weight gradients' 258,112 products at
    (4096, 64). Anything else is SymPy's own ``a - eta*b``.

    >>> from sympy import symbols
    >>> w, eta, g, x, y = symbols("w eta g x y")
    >>> step = minus_scaled(w, eta, g*x + g*y)
    >>> step, step == w - eta*(g*x + g*y), step.args == (w - eta*(g*x + g*y)).args
    (-eta*(g*x + g*y) + w, True, True)
    """
    if (
        is_plain_symbol(a)
        and is_plain_symbol(eta)
        and a is not eta
        and type(b) is Add
        and b.is_commutative
    ):
        return Add._from_args((a, Mul._from_args((S.NegativeOne, eta, b), True)), True)
    return a - eta * b


def dot(pairs: Iterable[tuple[Expr, Expr]]) -> Expr:
    """``sum(a*b for a, b in pairs)`` in canonical form, dropping structural zeros."""
    zero = S.Zero
    return total([pair_product(a, b) for a, b in pairs if a is not zero and b is not zero])


#: Terms (rows times kernel taps) a block of :func:`row_blocks` holds.
TERMS_PER_BLOCK = 4096


def row_blocks(
    count: int, taps: int, derivations: Mapping[str, Callable[[range], list[Expr]]]
) -> dict[str, list[Expr]]:
    """``{name: derive(range(count))}`` for each derivation, computed a block of rows at a
    time across all of them (about :data:`TERMS_PER_BLOCK` terms, ``taps`` per row).

    The derivations of one layer's outputs (the sliding sums, ``T x``, ``X w``, the
    flipped kernel) build or look up the same products and sums row by row. One whole
    derivation after another, each walks every product again after it has left the
    cache; a block at a time, the later derivations of a row find its products still
    in cache.

    After each block the session forgets what it built (:func:`forget_built`): a
    convolution's product ``w_k x_j`` belongs to one output (a padding mode's few
    repeats are built again), so a later block never looks the earlier ones up, and
    the tables that found them (about 130 bytes a product, more than the floor's
    product itself) are not held to the end of the layer.
    """
    step = max(1, TERMS_PER_BLOCK // max(taps, 1))
    results: dict[str, list[Expr]] = {name: [] for name in derivations}
    for start in range(0, count, step):
        block = range(start, min(count, start + step))
        for name, derive in derivations.items():
            results[name].extend(derive(block))
        forget_built()
    return results


def factor_atoms(factor: Expr) -> Iterable[Expr]:
    """The symbols a factor depends on (the keys of the term index)."""
    if isinstance(factor, Symbol):
        return (factor,)
    if factor.is_Number:
        return ()
    return factor.free_symbols


def factor_derivative(factor: Expr, symbol: Symbol) -> Expr:
    """d(factor)/d(symbol): 1 or 0 for atoms, SymPy's ``diff`` for anything compound."""
    if isinstance(factor, Symbol):
        return S.One if factor == symbol else S.Zero
    if factor.is_Number:
        return S.Zero
    return sympy.diff(factor, symbol)


def derivative(factors: Factors, symbol: Symbol) -> Expr:
    """d/d(symbol) of the product of ``factors`` by the product rule.

    ``sum_a (d f_a / d symbol) * prod_{b != a} f_b``: exact for any factors, and for a
    product of distinct symbols it is the product of the remaining ones.
    """
    if all(type(f) is Symbol for f in factors) and sum(f == symbol for f in factors) == 1:
        # d/ds of s * (other symbols) is the product of the others: the product rule
        # with every other factor's derivative zero.
        position = next(p for p, f in enumerate(factors) if f == symbol)
        rest = list(factors[:position]) + list(factors[position + 1 :])
        return product(rest) if rest else S.One
    parts = []
    for position, factor in enumerate(factors):
        inner = factor_derivative(factor, symbol)
        if inner is S.Zero:
            continue
        rest = list(factors[:position]) + list(factors[position + 1 :])
        if inner is S.One:
            parts.append(product(rest) if rest else S.One)
        else:
            parts.append(Mul(inner, *rest))
    return total(parts) if len(parts) != 1 else parts[0]


class Gathered:
    """One gradient as a :class:`TermIndex` gathers it: its terms, and beside them in a
    flat array each term's order code (:func:`order_code`); None once a term without a
    code joins, and the sum is then ``Add``'s to order.

    An array holds the codes as machine integers, not as int objects scattered over
    the heap between the terms: sorting a big sum then reads one block of memory.
    """

    __slots__ = ("terms", "codes")

    def __init__(self, wide: bool) -> None:
        self.terms: list[Expr] = []
        #: Codes below 2**63 fit an array of int64; a ``wide`` index keeps Python ints.
        self.codes: MutableSequence[int] | None = [] if wide else array("q")

    def total(self) -> Expr:
        """The canonical sum of the gathered terms, exactly as ``Add(*terms)``."""
        terms, codes = self.terms, self.codes
        if len(terms) < 2:
            return terms[0] if terms else S.Zero
        if codes is None:
            return Add(*terms)
        memo, fingerprint, found = sum_seen(terms)
        if found is not None:
            return found
        if not all(map(lt, codes, islice(codes, 1, None))):
            order = sorted(range(len(terms)), key=codes.__getitem__)
            terms = [terms[i] for i in order]
            ordered = [codes[i] for i in order]
            if any(map(eq, ordered, islice(ordered, 1, None))):
                return Add(*terms)  # like terms (equal codes are equal terms)
        return file_sum(memo, fingerprint, terms)


class TermIndex:
    """A sum of products, differentiated term by term.

    :meth:`gradients` takes every wanted derivative in one pass over the terms: each
    term hands each of its symbols the product of its other factors (the product rule
    for distinct symbols), so a loss of ``m*n`` terms is differentiated by all its
    ``m + n`` symbols in ``O(m*n)`` work, where ``sympy.diff`` of the whole sum costs
    ``O(m*n)`` per symbol.

    The index ranks its distinct plain symbols once, in Mul's order (one sort of the
    ``m + n`` symbols, not of every term's keys), so a term's factors are ordered, a
    symbol found in a term, and a gradient term given its place in the sum by comparing
    small integers.

    >>> from sympy import symbols
    >>> g, w, x, y = symbols("g w x y")
    >>> index = TermIndex([(g, w, x), (g, w, y)])
    >>> index.gradient(w)
    g*x + g*y
    >>> index.gradients([x, w])
    [g*w, g*x + g*y]
    """

    def __init__(
        self,
        terms: Iterable[Factors],
        key: Callable[[Symbol], SymbolKey | None] = symbol_key,
        ranking: TermIndex | None = None,
    ) -> None:
        """``ranking``, an index whose symbols include every plain symbol of these
        terms, lends its ranks: a caller indexing many blocks of one sum ranks its
        symbols once (a symbol it lacks makes its terms take the general road)."""
        raw = [tuple(factors) for factors in terms]
        self.key = key
        #: The distinct keys of the plain symbols, in Mul's order: a symbol's rank is
        #: its key's place here.
        self.keys: list[SymbolKey]
        #: id of each plain symbol in the terms -> its rank in Mul's order; equal
        #: symbols (equal keys) share a rank even if they are different objects.
        self.rank: dict[int, int]
        self.rank_count: int
        if ranking is not None:
            self.keys, self.rank, self.rank_count = ranking.keys, ranking.rank, ranking.rank_count
        else:
            by_id = {id(f): f for factors in raw for f in factors if type(f) is Symbol}
            self.rank_symbols(list(by_id.values()), key)
        #: The terms' factors; a product of distinct plain symbols is stored in Mul's
        #: order (so dropping one factor leaves a sorted product) and marked plain.
        self.terms: list[tuple[Expr, ...]] = []
        self.plain = bytearray()
        rank = self.rank
        for factors in raw:
            ranks: list[Any] = list(map(rank.get, map(id, factors)))  # None: not plain
            if None in ranks:
                plain = False
            elif all(map(lt, ranks, islice(ranks, 1, None))):
                plain = True  # already in Mul's order, hence distinct
            else:
                ordered = sorted(zip(ranks, factors), key=itemgetter(0))
                ranks = [r for r, _ in ordered]
                plain = all(map(lt, ranks, islice(ranks, 1, None)))  # equal: a repeated symbol
                if plain:
                    factors = tuple(f for _, f in ordered)
            self.terms.append(factors)
            self.plain.append(plain)

    @classmethod
    def ranking_of(
        cls,
        symbols: Iterable[Expr],
        key: Callable[[Symbol], SymbolKey | None] | None = None,
    ) -> TermIndex:
        """An index of no terms ranking ``symbols`` (its plain ones): a ranking for many
        blocks' indexes to share, without the one-symbol terms an index of them keeps.

        By default a symbol's key is the session's if it has one, else computed and not
        remembered (:func:`peek_symbol_key`): the blocks that share the ranking find
        their symbols by rank, so keys remembered for 16k upstream symbols were 1.5 MB
        held for nothing.

        >>> from sympy import symbols
        >>> a, b = symbols("a b")
        >>> shared = TermIndex.ranking_of([b, a])
        >>> TermIndex([(b, a)], ranking=shared).gradient(a)
        b
        """
        key = peek_symbol_key if key is None else key
        index = cls((), key)
        index.rank_symbols([s for s in symbols if type(s) is Symbol], key)  # type: ignore[misc]
        return index

    def rank_symbols(
        self,
        symbols: Sequence[Symbol],
        key: Callable[[Symbol], SymbolKey | None],
    ) -> None:
        """Rank the plain symbols (repeats allowed) in Mul's order: ``keys`` is their
        distinct keys sorted, ``rank`` each symbol's id's place among them. Only the
        keys' list and the ranks are kept: (key, id) pairs for 33k symbols were 3 MB."""
        keys = list(map(key, symbols))
        order = sorted(
            (p for p, k in enumerate(keys) if k is not None),
            key=keys.__getitem__,  # type: ignore[arg-type]
        )
        distinct: list[SymbolKey] = []
        self.rank = {}
        count = -1
        for p in order:
            i = id(symbols[p])
            if i in self.rank:
                continue
            k = keys[p]
            if not distinct or k != distinct[-1]:
                distinct.append(k)  # type: ignore[arg-type]
                count += 1
            self.rank[i] = count
        self.keys, self.rank_count = distinct, len(distinct)

    def rank_of(self, symbol: Expr) -> int | None:
        """The rank of a symbol among the index's plain symbols, or None if no plain
        term holds it."""
        found = self.rank.get(id(symbol))
        if found is None and type(symbol) is Symbol:
            key = self.key(symbol)
            place = bisect_left(self.keys, key) if key is not None else len(self.keys)
            if place < len(self.keys) and self.keys[place] == key:
                found = place
        return found

    @staticmethod
    def atoms(factors: tuple[Expr, ...]) -> set[Expr]:
        return {atom for factor in factors for atom in factor_atoms(factor)}

    @staticmethod
    def rest(factors: tuple[Expr, ...], place: int) -> Expr:
        """d/d(factors[place]) of a plain term: the product of the other factors."""
        if len(factors) == 1:
            return S.One
        return sorted_product(factors[:place] + factors[place + 1 :])

    def gradients(self, symbols: Sequence[Expr]) -> list[Expr]:
        """``[d(sum of terms)/d(s) for s in symbols]`` in one pass over the terms.

        A plain term's gradient term, the product of its other factors in Mul's order,
        is filed with an integer that orders it as Basic.compare does: its number of
        factors, then its factors' ranks, as digits in base (number of ranks). Terms
        that are not products of distinct plain symbols go through :func:`derivative`
        (the general product rule) for each wanted symbol they hold, and their sums
        through ``Add``.
        """
        rank, base = self.rank, max(self.rank_count, 1)
        width = max((len(t) - 1 for t, p in zip(self.terms, self.plain) if p), default=0)
        wide = (width + 1) * base**width >= 2**63  # codes beyond int64 (see order_code)
        parts: dict[Expr, Gathered] = {}
        by_rank: dict[int, Gathered] = {}
        for s in symbols:
            if s not in parts:
                gathered = parts[s] = Gathered(wide)
                r = self.rank_of(s)
                if r is not None:
                    by_rank[r] = gathered
        for factors, plain in zip(self.terms, self.plain):
            if not plain:
                for atom in self.atoms(factors):
                    found = parts.get(atom)
                    if found is not None:
                        part = derivative(factors, atom)
                        if part is not S.Zero:
                            found.terms.append(part)
                            found.codes = None
                continue
            ranks = list(map(rank.__getitem__, map(id, factors)))
            for place, r in enumerate(ranks):
                found = by_rank.get(r)
                if found is None:
                    continue
                found.terms.append(self.rest(factors, place))
                codes = found.codes
                if codes is None:
                    continue
                if len(ranks) == 3:  # the loss's g*w*x: order_code inlined
                    a, b = (ranks[1], ranks[2]) if place == 0 else (ranks[0], ranks[3 - place])
                    codes.append((2 * base + a) * base + b)
                elif len(ranks) > 2:
                    codes.append(order_code(ranks[:place] + ranks[place + 1 :], base))
                else:
                    found.codes = None  # a lone symbol's place in Add is Add's to find
        return [parts[s].total() for s in symbols]

    def gradient(self, symbol: Expr) -> Expr:
        """d(sum of terms)/d(symbol): :meth:`gradients` for one symbol."""
        return self.gradients([symbol])[0]

    def expression(self) -> Expr:
        """The whole sum as one SymPy expression (costly for big sums: build on demand)."""
        return Add(*[Mul(*t) for t in self.terms])


def order_code(digits: Sequence[int], base: int) -> int:
    """``(len(digits), *digits)`` as one int with the same order, for digits below
    ``base``: Basic.compare's order of a product of plain symbols, given their ranks in
    order. The length leads: codes of L digits lie in ``[L base^L, (L+1) base^L)``.

    >>> order_code([3, 1], 10) < order_code([3, 2], 10) < order_code([1, 0, 0], 10)
    True
    """
    code = len(digits)
    for digit in digits:
        code = code * base + digit
    return code


def same(lhs: Expr, rhs: Expr) -> tuple[bool, str]:
    """Decide ``lhs == rhs`` symbolically and say how.

    Canonical forms that are identical need nothing more ("identical"); otherwise the
    difference is expanded and cancelled to zero ("expand"), which is decisive for the
    rational expressions convolution produces.

    >>> from sympy import symbols
    >>> a, b, w = symbols("a b w")
    >>> same((a + b) * w, a*w + b*w)
    (True, 'expand')
    >>> same(a*w, b*w)
    (False, 'expand')
    """
    if lhs == rhs:
        return True, "identical"
    if not (isinstance(lhs, Expr) and isinstance(rhs, Expr)):
        return False, "identical"  # tuples, sets...: no arithmetic to cancel with
    difference = sympy.expand(lhs - rhs)
    if difference == 0:
        return True, "expand"
    if sympy.cancel(sympy.together(difference)) == 0:
        return True, "cancel"
    return False, "expand"
