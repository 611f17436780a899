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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from symconv.core.numbers import as_int

Padding = int | tuple[int, int] | str


#: How each padding word turns (kernel size K, dilation d) into (left, right) zeros.
#: "same" follows PyTorch: the total d*(K-1) is split with the extra zero on the right.
PADDING_RULES: dict[str, Callable[[int, int], tuple[int, int]]] = {
    "valid": lambda k, d: (0, 0),
    "same": lambda k, d: (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2),
    "full": lambda k, d: (d * (k - 1), d * (k - 1)),
}


def padding_pair(padding: object, kernel_size: int, dilation: int, stride: int) -> tuple[int, int]:
    """Resolve a padding request into ``(left, right)`` zero counts.

    >>> padding_pair("full", 3, 1, 1)
    (2, 2)
    >>> padding_pair((0, 2), 3, 1, 1)
    (0, 2)
    """
    if isinstance(padding, str):
        if padding not in PADDING_RULES:
            allowed = ", ".join(repr(word) for word in PADDING_RULES)
            raise ValueError(
                f"padding {padding!r} is not a padding word; use an integer >= 0, "
                f"a pair (left, right), or one of {allowed}"
            )
        if padding == "same" and stride != 1:
            raise ValueError(f"padding 'same' needs stride 1 (PyTorch's rule), got stride {stride}")
        return PADDING_RULES[padding](kernel_size, dilation)
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding {padding!r} must be a pair (left, right) of integers >= 0")
        left, right = padding
        return as_int(left, "left padding", 0), as_int(right, "right padding", 0)
    return (as_int(padding, "padding", 0),) * 2


@dataclass(frozen=True)
class ConvSettings:
    """A 1-D convolution's resolved settings for one kernel size and input length.

    Output ``i`` reads the padded input at ``i*stride + k*dilation`` for ``k < K``;
    index ``j`` of the real input sits at padded position ``j + left``.
    """

    kernel_size: int
    input_length: int
    stride: int = 1
    left: int = 0
    right: int = 0
    dilation: int = 1
    flip: bool = False

    @property
    def padding_pair(self) -> tuple[int, int]:
        return (self.left, self.right)

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

    def input_index(self, i: int, k: int) -> int:
        """Real-input index read by output ``i`` at tap ``k`` (may fall in the padding)."""
        return i * self.stride + k * self.dilation - self.left

    def taps(self, i: int) -> list[tuple[int, int]]:
        """The ``(kernel index, input index)`` pairs of output ``i`` that touch real input.

        Taps that land in the zero padding contribute nothing and are left out.
        """
        length = self.input_length
        pairs = []
        for k in range(self.kernel_size):
            j = self.input_index(i, k)
            if 0 <= j < length:
                pairs.append((self.kernel_index(k), j))
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
) -> ConvSettings:
    """Validate every option and return the resolved :class:`ConvSettings`.

    Raises ``ValueError``/``TypeError`` naming the offending value and what is allowed.
    """
    kernel_size = as_int(kernel_size, "kernel size", 1)
    input_length = as_int(input_length, "input length", 1)
    stride = as_int(stride, "stride", 1)
    dilation = as_int(dilation, "dilation", 1)
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    left, right = padding_pair(padding, kernel_size, dilation, stride)
    settings = ConvSettings(kernel_size, input_length, stride, left, right, dilation, flip)
    if input_length + left + right < settings.span:
        raise ValueError(
            f"kernel of size {kernel_size} with dilation {dilation} spans {settings.span} "
            f"positions but the padded input has only {input_length + left + right} "
            f"(length {input_length}, padding ({left}, {right})); there is no output. "
            "Use a shorter kernel, more padding or a longer input."
        )
    return settings
