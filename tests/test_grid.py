from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from beatforge import PatternSyntaxError
from beatforge.pattern.grid import grid, grid_length, parse_grid


def test_velocities_and_rests():
    assert parse_grid("xXo.-") == [100, 127, 50, None, None]


def test_spaces_and_bars_are_ignored():
    assert parse_grid("x... x...|x... x...") == parse_grid("x...x...x...x...")


def test_one_step_is_a_sixteenth_and_grids_loop():
    pat = grid("x...")  # 4 steps = a quarter bar, loops 4 times per bar
    onsets = [e.begin for e in pat.query(0, 1)]
    assert onsets == [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)]
    assert grid_length("x" * 32) == 2


def test_bad_character_points_at_it():
    with pytest.raises(PatternSyntaxError) as err:
        parse_grid("x..x?...")
    e = err.value
    assert (e.line, e.column) == (1, 5)
    lines = str(e).splitlines()
    assert lines[1].strip() == "x..x?..."
    assert lines[2].index("^") - lines[1].index("x") == 4


def test_empty_grid_is_an_error():
    with pytest.raises(PatternSyntaxError):
        parse_grid(" | ")


@given(st.text(alphabet="xXo.- |", min_size=1, max_size=64))
def test_valid_grids_parse(text):
    steps = [c for c in text if c not in " |"]
    if not steps:
        with pytest.raises(PatternSyntaxError):
            parse_grid(text)
        return
    parsed = parse_grid(text)
    assert len(parsed) == len(steps)
    hits = [i for i, v in enumerate(parsed) if v is not None]
    events = grid(text).query(0, Fraction(len(parsed), 16))
    assert [e.begin for e in events] == [Fraction(i, 16) for i in hits]


@given(st.text(min_size=1, max_size=40))
def test_any_text_parses_or_raises_pattern_syntax_error(text):
    try:
        parse_grid(text)
    except PatternSyntaxError as e:
        assert 1 <= e.column <= max(1, len(text))


@given(st.text(alphabet="xXo.", min_size=1, max_size=40), st.fractions(min_value=0, max_value=5),
       st.fractions(min_value=0, max_value=3))
def test_grid_equals_its_combinator_definition(text, begin, length):
    from beatforge.pattern.core import fastcat, pure, silence

    steps = parse_grid(text)
    reference = fastcat(*[silence if v is None else pure({"velocity": v}) for v in steps]).slow(
        Fraction(len(steps), 16))
    ours = grid(text)
    end = begin + length
    key = lambda e: (e.whole.begin, e.part.begin, e.part.end)
    assert sorted(ours.query_span(begin, end), key=key) == sorted(reference.query_span(begin, end), key=key)
    assert ours.query(begin, end) == reference.query(begin, end)
