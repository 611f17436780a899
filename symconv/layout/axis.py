"""A convolution's settings: stride, padding, dilation and flip, validated once.

The padding words are a table (:data:`PADDING_RULES`), kept apart from the code that
walks it, so a reader can see every convention in one place.

Examples
========

>>> from symconv.layout.axis import conv_settings
>>> s = conv_settings(kernel_size=3, input_length=4, padding="full")
>>> s.left, s.right, s.output_length
(2, 2, 6)
>>> conv_settings(kernel_size=4, input_length=6, padding="same").padding_pair
(1, 2)
>>> s = conv_settings(kernel_size=4, input_length=7, stride=2, padding="same_lower")
>>> s.padding_pair, s.output_length
((2, 1), 4)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from symconv.core.numbers import as_int
from symconv.layout.padding import PADDING_MODES, check_padding_limits, check_padding_mode

Padding = int | tuple[int, int] | str


def same_total(kernel_size: int, dilation: int, input_length: int, stride: int) -> int:
    """Zeros that give ``ceil(L / s)`` outputs (ONNX's ``auto_pad`` SAME_*):
    ``max((ceil(L/s) - 1)*s + (K - 1)*d + 1 - L, 0)``.

    >>> same_total(3, 1, 7, 2), same_total(2, 1, 4, 2), same_total(4, 1, 5, 1)
    (2, 0, 3)
    """
    outputs = -(-input_length // stride)
    return max((outputs - 1) * stride + (kernel_size - 1) * dilation + 1 - input_length, 0)


def split(total: int, odd_zero_first: bool) -> tuple[int, int]:
    """``total`` zeros as ``(left, right)``, an odd one on the right unless ``odd_zero_first``."""
    small = total // 2
    return (total - small, small) if odd_zero_first else (small, total - small)


#: How each padding word turns (kernel size K, dilation d, input length L, stride s) into
#: (left, right) zeros. "same" follows PyTorch: stride 1 only, the total d*(K-1) split
#: with the extra zero on the right. "same_upper" and "same_lower" follow ONNX's auto_pad
#: for every stride: ceil(L/s) outputs, the odd zero at the end (TensorFlow's and JAX's
#: "SAME") or at the start (JAX's "SAME_LOWER"); at stride 1 "same_upper" is "same".
PADDING_RULES: dict[str, Callable[[int, int, int, int], tuple[int, int]]] = {
    "valid": lambda k, d, length, s: (0, 0),
    "same": lambda k, d, length, s: split(d * (k - 1), odd_zero_first=False),
    "full": lambda k, d, length, s: (d * (k - 1), d * (k - 1)),
    "same_upper": lambda k, d, length, s: split(same_total(k, d, length, s), False),
    "same_lower": lambda k, d, length, s: split(same_total(k, d, length, s), True),
}

#: Padding words that only PyTorch's stride-1 rule defines.
STRIDE_ONE_WORDS = frozenset({"same"})

#: Padding words whose zeros depend on the input length (when the stride is above 1).
LENGTH_WORDS = frozenset({"same_upper", "same_lower"})


def padding_pair(
    padding: object,
    kernel_size: int,
    dilation: int,
    stride: int,
    input_length: int | None = None,
) -> tuple[int, int]:
    """Resolve a padding request into ``(left, right)`` zero counts.

    ``input_length`` is needed only by "same_upper"/"same_lower" with a stride above 1.

    >>> padding_pair("full", 3, 1, 1)
    (2, 2)
    >>> padding_pair((0, 2), 3, 1, 1)
    (0, 2)
    >>> padding_pair("same_upper", 4, 1, 3, input_length=7)
    (1, 2)
    """
    if isinstance(padding, str):
        if padding not in PADDING_RULES:
            allowed = ", ".join(repr(word) for word in PADDING_RULES)
            raise ValueError(
                f"padding {padding!r} is not a padding word; use an integer >= 0, "
                f"a pair (left, right), or one of {allowed}"
            )
        kernel_size = as_int(kernel_size, "kernel size", 1)
        dilation = as_int(dilation, "dilation", 1)
        stride = as_int(stride, f"stride (with padding {padding!r})", 1)
        if padding in STRIDE_ONE_WORDS and stride != 1:
            raise ValueError(
                f"padding {padding!r} needs stride 1 (PyTorch's rule), got stride {stride}; "
                "'same_upper' or 'same_lower' give ceil(L / stride) outputs for any stride"
            )
        if input_length is not None:
            length = as_int(input_length, "input length", 1)
        elif stride == 1 or padding not in LENGTH_WORDS:
            length = 1  # the rule does not read it: at stride 1 "same_*" need (K-1)*d zeros
        else:
            raise ValueError(
                f"padding {padding!r} with stride {stride} depends on the input length; "
                "pass input_length"
            )
        return PADDING_RULES[padding](kernel_size, dilation, length, stride)
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding {padding!r} must be a pair (left, right) of integers >= 0")
        left, right = padding
        return as_int(left, "left padding", 0), as_int(right, "right padding", 0)
    return (as_int(padding, "padding", 0),) * 2


def padding_word(settings: ConvSettings) -> str | None:
    """The padding word whose rule gives these settings' zeros, if any (table order:
    "valid", "same", "full", then the strided "same" words).

    >>> padding_word(conv_settings(3, 7, stride=2, padding=1))
    'same_upper'
    >>> padding_word(conv_settings(3, 7, padding=(0, 1))) is None
    True
    """
    for word, rule in PADDING_RULES.items():
        if word in STRIDE_ONE_WORDS and settings.stride != 1:
            continue
        found = rule(
            settings.kernel_size, settings.dilation, settings.input_length, settings.stride
        )
        if found == settings.padding_pair:
            return word
    return None


@dataclass(frozen=True)
class ConvSettings:
    """A 1-D convolution's resolved settings for one kernel size and input length.

    Output ``i`` reads the padded input at ``i*stride + k*dilation`` for ``k < K``;
    index ``j`` of the real input sits at padded position ``j + left``. The padding holds
    zeros, or reads the input by ``padding_mode`` (:data:`~symconv.layout.padding.PADDING_MODES`).
    """

    kernel_size: int
    input_length: int
    stride: int = 1
    left: int = 0
    right: int = 0
    dilation: int = 1
    flip: bool = False
    padding_mode: str = "zeros"

    @property
    def padding_pair(self) -> tuple[int, int]:
        return (self.left, self.right)

    @property
    def folds(self) -> bool:
        """Whether a window may read one input twice (a mode's padding repeats inputs), so
        an entry of the banded matrix may hold a sum of weights."""
        return self.padding_mode != "zeros" and (self.left > 0 or self.right > 0)

    @property
    def span(self) -> int:
        """How many padded positions one window covers: ``dilation*(K-1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def output_length(self) -> int:
        """``floor((L + left + right - dilation*(K-1) - 1) / stride) + 1``."""
        padded = self.input_length + self.left + self.right
        return (padded - self.span) // self.stride + 1

    def kernel_index(self, k: int) -> int:
        """Which kernel entry multiplies tap ``k``: ``k`` itself, or ``K-1-k`` when flipped."""
        return self.kernel_size - 1 - k if self.flip else k

    def padded_index(self, i: int, k: int) -> int:
        """Where output ``i``'s tap ``k`` lands, counted from the first real input
        (negative in the left padding, ``>= L`` in the right)."""
        return i * self.stride + k * self.dilation - self.left

    def input_index(self, i: int, k: int) -> int:
        """Real-input index read by output ``i`` at tap ``k``: with zero padding it may
        fall in the padding (out of range); a padding mode maps it to the input it reads.

        >>> s = conv_settings(3, 4, padding=1, padding_mode="reflect")
        >>> [s.input_index(0, k) for k in range(3)], s.taps(0)
        ([1, 0, 1], [(0, 1), (1, 0), (2, 1)])
        """
        # padded_index, written out: this runs once per tap of every output.
        j = i * self.stride + k * self.dilation - self.left
        if self.padding_mode == "zeros":
            return j
        read = PADDING_MODES[self.padding_mode](j, self.input_length)
        assert read is not None  # every mode but zeros reads a real input
        return read

    def taps(self, i: int) -> list[tuple[int, int]]:
        """The ``(kernel index, input index)`` pairs of output ``i`` that touch real input.

        Taps that land in the zero padding contribute nothing and are left out; with a
        padding mode every tap reads an input, and two taps may read the same one.
        """
        length, index, last = self.input_length, self.input_index, self.kernel_size - 1
        flip = self.flip
        pairs = []
        for k in range(self.kernel_size):
            j = index(i, k)
            if 0 <= j < length:
                pairs.append((last - k if flip else k, j))
        return pairs


class Layout(Protocol):
    """What the sliding, band, data-matrix and gradient stages read from settings.

    :class:`ConvSettings` is one; a 2-D image or a channel layout flattened row-major
    offers the same over flat indices, so those layers reuse the 1-D stages unchanged.
    """

    @property
    def kernel_size(self) -> int: ...

    @property
    def input_length(self) -> int: ...

    @property
    def output_length(self) -> int: ...

    @property
    def flip(self) -> bool: ...

    def taps(self, i: int) -> list[tuple[int, int]]: ...


class WindowLayout(Layout, Protocol):
    """A :class:`Layout` that also says which input each tap reads, padding included
    (negative or past the end), as the data matrix needs."""

    def input_index(self, i: int, k: int) -> int: ...


def conv_settings(
    kernel_size: int,
    input_length: int,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> ConvSettings:
    """Validate every option and return the resolved :class:`ConvSettings`.

    ``padding_mode`` is PyTorch's: ``"zeros"``, ``"reflect"``, ``"replicate"`` or
    ``"circular"`` (pad by the mode, then a valid convolution), with PyTorch's limits.
    Raises ``ValueError``/``TypeError`` naming the offending value and what is allowed.

    >>> conv_settings(3, 2, padding=2, padding_mode="circular").output_length
    4
    """
    kernel_size = as_int(kernel_size, "kernel size", 1)
    input_length = as_int(input_length, "input length", 1)
    stride = as_int(stride, "stride", 1)
    dilation = as_int(dilation, "dilation", 1)
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    mode = check_padding_mode(padding_mode)
    left, right = padding_pair(padding, kernel_size, dilation, stride, input_length)
    check_padding_limits(mode, left, right, input_length)
    settings = ConvSettings(kernel_size, input_length, stride, left, right, dilation, flip, mode)
    if input_length + left + right < settings.span:
        raise ValueError(
            f"kernel of size {kernel_size} with dilation {dilation} spans {settings.span} "
            f"positions but the padded input has only {input_length + left + right} "
            f"(length {input_length}, padding ({left}, {right})); there is no output. "
            "Use a shorter kernel, more padding or a longer input."
        )
    return settings
