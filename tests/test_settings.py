from __future__ import annotations

import pytest
import sympy

from symconv.core.numbers import as_int
from symconv.layout.axis import PADDING_RULES, conv_settings, padding_pair


@pytest.mark.parametrize(
    ("padding", "k", "d", "expected"),
    [
        ("valid", 3, 1, (0, 0)),
        ("full", 3, 1, (2, 2)),
        ("full", 3, 2, (4, 4)),
        ("same", 3, 1, (1, 1)),
        ("same", 4, 1, (1, 2)),  # PyTorch puts the extra zero on the right
        ("same", 4, 2, (3, 3)),
        (2, 3, 1, (2, 2)),
        ((0, 3), 3, 1, (0, 3)),
    ],
)
def test_padding_pair(padding, k, d, expected):
    assert padding_pair(padding, k, d, 1) == expected


def test_padding_words_are_the_table():
    assert set(PADDING_RULES) == {"valid", "same", "full", "same_upper", "same_lower"}


@pytest.mark.parametrize(
    ("m", "k", "s", "p", "d"),
    [
        (m, k, s, p, d)
        for m in (1, 4, 7)
        for k in (1, 2, 3)
        for s in (1, 2, 3)
        for p in (0, 1, 2)
        for d in (1, 2)
    ],
)
def test_output_length_counts_the_windows(m, k, s, p, d):
    if m + 2 * p < d * (k - 1) + 1:
        with pytest.raises(ValueError, match="there is no output"):
            conv_settings(k, m, stride=s, padding=p, dilation=d)
        return
    settings = conv_settings(k, m, stride=s, padding=p, dilation=d)
    # Count by brute force the windows whose last tap stays inside the padded input.
    count = sum(1 for i in range(10 * (m + 2 * p)) if i * s + d * (k - 1) < m + 2 * p)
    assert settings.output_length == count == (m + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stride": 0}, ValueError, "stride must be an integer >= 1, got 0"),
        ({"stride": 1.5}, TypeError, "stride must be an integer >= 1, got 1.5"),
        ({"stride": True}, TypeError, "stride must be an integer"),
        ({"stride": "2"}, TypeError, "stride must be an integer >= 1, got '2'"),
        ({"dilation": 0}, ValueError, "dilation must be an integer >= 1, got 0"),
        ({"padding": -1}, ValueError, "padding must be an integer >= 0, got -1"),
        ({"padding": (1, -2)}, ValueError, "right padding must be an integer >= 0, got -2"),
        ({"padding": (1, 2, 3)}, ValueError, r"padding \(1, 2, 3\) must be a pair"),
        (
            {"padding": "circular"},
            ValueError,
            "padding 'circular' is not a padding word.*'valid', 'same', 'full'",
        ),
        (
            {"padding": "same", "stride": 2},
            ValueError,
            "padding 'same' needs stride 1.*got stride 2",
        ),
        ({"flip": 1}, TypeError, "flip must be True or False, got 1"),
    ],
)
def test_bad_settings_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        conv_settings(3, 5, **kwargs)


def test_kernel_longer_than_padded_input():
    with pytest.raises(
        ValueError, match=r"kernel of size 5 .* spans 5 positions but the padded input has only 4"
    ):
        conv_settings(5, 4)


def test_sizes_must_be_positive_integers():
    with pytest.raises(ValueError, match="kernel size must be an integer >= 1, got 0"):
        conv_settings(0, 4)
    with pytest.raises(TypeError, match="input length must be an integer"):
        conv_settings(2, 4.0)


def test_sympy_integers_are_integers():
    assert as_int(sympy.Integer(3), "stride", 1) == 3
