import pickle

import pytest

from beatforge.errors import (
    BeatforgeError,
    KitError,
    ManifestError,
    PatternSyntaxError,
    SampleError,
)


@pytest.mark.parametrize("cls", [PatternSyntaxError, KitError, SampleError, ManifestError])
def test_hierarchy(cls):
    assert issubclass(cls, BeatforgeError)
    assert issubclass(BeatforgeError, Exception)


def test_pattern_syntax_error_is_value_error():
    assert issubclass(PatternSyntaxError, ValueError)
    with pytest.raises(ValueError):
        raise PatternSyntaxError("bad", "x", 1, 1)


def test_caret_points_at_column():
    err = PatternSyntaxError("unexpected ']'", "bd [sd]] hh", 1, 8)
    assert err.message == "unexpected ']'" and err.line == 1 and err.column == 8
    assert err.text == "bd [sd]] hh"
    lines = str(err).splitlines()
    assert lines[0].startswith("unexpected ']'") and "column 8" in lines[0]
    assert lines[1] == "  bd [sd]] hh"
    assert lines[2] == "  " + " " * 7 + "^"
    assert lines[1][lines[2].index("^")] == "]"


def test_caret_on_second_line_and_past_end():
    err = PatternSyntaxError("unclosed '['", "bd sd\nhh [cp", 2, 7)
    lines = str(err).splitlines()
    assert "line 2" in lines[0]
    assert lines[1] == "  hh [cp" and lines[2] == "  " + " " * 6 + "^"


def test_message_first():
    assert str(PatternSyntaxError("empty pattern")).startswith("empty pattern")


def test_pickles():
    err = pickle.loads(pickle.dumps(PatternSyntaxError("m", "abc", 1, 2)))
    assert (err.message, err.text, err.line, err.column) == ("m", "abc", 1, 2)


def test_caret_lines_up_under_tabs():
    from beatforge import PatternSyntaxError, mini

    with pytest.raises(PatternSyntaxError) as info:
        mini("bd\tsd\t%")
    _, row, caret = str(info.value).splitlines()
    assert row == "  bd\tsd\t%"
    assert caret == "    \t  \t^"
    assert row.expandtabs().index("%") == caret.expandtabs().index("^")
