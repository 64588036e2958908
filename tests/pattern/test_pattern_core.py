"""Pattern core: constructors and time transformations, checked against Strudel/Tidal semantics."""

from fractions import Fraction as F

import pytest

from beatforge.pattern import (
    Event,
    Pattern,
    TimeSpan,
    cat,
    early,
    fast,
    fastcat,
    late,
    pure,
    seq,
    silence,
    slow,
    slowcat,
    stack,
    timecat,
)


def spans(pat, begin=0, end=1, **kw):
    """(begin, end, value) triples of the events with onsets in [begin, end)."""
    return [(e.begin, e.end, e.value) for e in pat.query(begin, end, **kw)]


def same(a, b, cycles=4):
    return spans(a, 0, cycles) == spans(b, 0, cycles)


def test_pure_repeats_every_cycle():
    assert spans(pure("bd"), 0, 3) == [(0, 1, "bd"), (1, 2, "bd"), (2, 3, "bd")]


def test_query_returns_fractions_and_whole_events():
    (e,) = pure("a").query(0, 1)
    assert isinstance(e.begin, F) and isinstance(e.end, F)
    assert e.has_onset and e.part == e.whole


def test_query_filters_by_onset():
    # `a/2` over [0, 1) is one event spanning 0-2; over [1, 2) there is no onset.
    assert spans(pure("a").slow(2), 0, 1) == [(0, 2, "a")]
    assert spans(pure("a").slow(2), 1, 2) == []
    # query_span still returns the fragment
    (frag,) = pure("a").slow(2).query_span(1, 2)
    assert frag.whole == TimeSpan(0, 2) and frag.part == TimeSpan(1, 2) and not frag.has_onset


def test_query_accepts_fractional_and_float_bounds():
    p = fastcat("a", "b", "c", "d")
    assert spans(p, F(1, 4), F(3, 4)) == [(F(1, 4), F(1, 2), "b"), (F(1, 2), F(3, 4), "c")]
    assert spans(p, 0.25, 0.75) == spans(p, F(1, 4), F(3, 4))
    assert p.query(1, 1) == [] and p.query(2, 1) == []


def test_query_onset_inside_partial_span():
    # Event starting inside the span but ending after it is returned whole.
    assert spans(pure("a").slow(2), 0, F(1, 2)) == [(0, 2, "a")]


def test_silence():
    assert silence.query(0, 10) == []
    assert silence.query_span(0, 10) == []


def test_stack_keeps_order():
    assert spans(stack("a", "b")) == [(0, 1, "a"), (0, 1, "b")]
    assert spans(stack(["a", "b"])) == spans(stack("a", "b"))


def test_slowcat_does_not_skip_cycles():
    # Tidal: cat [a, fastcat [b, c]] - the inner pattern's cycles are played in order
    p = slowcat("a", slowcat("b", "c"))
    assert [v for _, _, v in spans(p, 0, 4)] == ["a", "b", "a", "c"]
    assert cat is slowcat


def test_slowcat_negative_cycles():
    p = slowcat("a", "b", "c")
    assert [v for _, _, v in spans(p, -3, 0)] == ["a", "b", "c"]


def test_fastcat_and_seq():
    assert spans(fastcat("bd", "sd")) == [(0, F(1, 2), "bd"), (F(1, 2), 1, "sd")]
    assert seq is fastcat
    assert spans(fastcat(["a", "b"])) == spans(fastcat("a", "b"))
    assert fastcat().query(0, 1) == []


def test_nested_fastcat():
    p = fastcat("a", fastcat("b", "c"))
    assert spans(p) == [(0, F(1, 2), "a"), (F(1, 2), F(3, 4), "b"), (F(3, 4), 1, "c")]


def test_timecat():
    p = timecat((1, "a"), (2, fastcat("b", "c")))
    assert spans(p) == [(0, F(1, 3), "a"), (F(1, 3), F(2, 3), "b"), (F(2, 3), 1, "c")]
    assert spans(timecat([(3, "a"), (1, "b")])) == [(0, F(3, 4), "a"), (F(3, 4), 1, "b")]
    assert timecat().query(0, 1) == []


def test_timecat_with_slow_parts_keeps_whole_relative_to_part():
    # A slow part inside timecat: Strudel's compress keeps the event's whole extending past the slot
    p = timecat((1, pure("a").slow(2)), (1, "b"))
    assert spans(p, 0, 2) == [(0, 1, "a"), (F(1, 2), 1, "b"), (F(3, 2), 2, "b")]


def test_fast_slow():
    assert same(fastcat("a", "b").fast(2), fastcat("a", "b", "a", "b"))
    assert same(fastcat("a", "b", "c", "d").slow(2), slowcat(fastcat("a", "b"), fastcat("c", "d")))
    assert spans(pure("a").fast(0), 0, 2) == []
    assert same(fast(2, "a"), pure("a").fast(2))
    assert same(slow(2, "a"), pure("a").slow(2))
    assert same(fastcat("a", "b").fast(-1), fastcat("b", "a"))
    assert same(pure("a").fast(F(1, 3)), pure("a").slow(3))
    assert same(pure("a").fast(1.5), pure("a").fast(F(3, 2)))


def test_fast_patterned():
    # Strudel: "a".fast("<1 2>") -> one event in cycle 0, two in cycle 1
    p = pure("a").fast(slowcat(1, 2))
    assert spans(p, 0, 2) == [(0, 1, "a"), (1, F(3, 2), "a"), (F(3, 2), 2, "a")]
    # fast("1 2"): structure from the inner pattern (inner join)
    p = fastcat("a", "b").fast(fastcat(1, 2))
    assert spans(p) == [(0, F(1, 2), "a"), (F(1, 2), F(3, 4), "a"), (F(3, 4), 1, "b")]


def test_slow_fragments_across_cycles():
    p = fastcat("a", "b", "c").slow(2)
    assert spans(p, 0, 2) == [(0, F(2, 3), "a"), (F(2, 3), F(4, 3), "b"), (F(4, 3), 2, "c")]
    # b straddles the cycle boundary: fragments in each cycle, one onset
    frags = p.query_span(0, 2)
    assert sum(1 for e in frags if e.value == "b") in (1, 2)
    assert [e.value for e in p.query(1, 2)] == ["c"]


def test_early_late():
    p = fastcat("a", "b", "c", "d")
    assert [v for *_, v in spans(p.early(F(1, 4)))] == ["b", "c", "d", "a"]
    assert [v for *_, v in spans(p.late(F(1, 4)))] == ["d", "a", "b", "c"]
    assert same(early(F(1, 4), p), p.early(F(1, 4)))
    assert same(late(0.25, p), p.late(F(1, 4)))
    assert same(p.late(1), p)
    # late by an offset that is not a step: events straddle the cycle start
    (first, *_), (last) = spans(pure("a").late(F(1, 3)), 0, 1), spans(pure("a").late(F(1, 3)), 0, 1)
    assert first == (F(1, 3), F(4, 3), "a")


def test_late_patterned():
    p = fastcat("a", "b").late(slowcat(0, F(1, 2)))
    assert [v for *_, v in spans(p, 0, 1)] == ["a", "b"]
    assert [v for *_, v in spans(p, 1, 2)] == ["b", "a"]


def test_rev():
    assert [v for *_, v in spans(fastcat("a", "b", "c").rev())] == ["c", "b", "a"]
    p = timecat((3, "a"), (1, "b")).rev()
    assert spans(p) == [(0, F(1, 4), "b"), (F(1, 4), 1, "a")]


def test_arithmetic_keeps_left_structure():
    p = fastcat(1, 2) + 10
    assert [v for *_, v in spans(p)] == [11, 12]
    p = fastcat(1, 2, 3, 4) * fastcat(10, 100)
    assert [v for *_, v in spans(p)] == [10, 20, 300, 400]
    p = 10 - fastcat(1, 2)
    assert [v for *_, v in spans(p)] == [9, 8]
    assert [v for *_, v in spans(-fastcat(1, 2))] == [-1, -2]


def test_event_properties():
    e = Event(TimeSpan(0, 1), TimeSpan(F(1, 2), 1), "x")
    assert e.begin == 0 and e.end == 1 and not e.has_onset
    assert Event(TimeSpan(0, 1), TimeSpan(0, F(1, 2)), "x").has_onset
    cont = Event(None, TimeSpan(0, 1), 0.5)
    assert not cont.has_onset and cont.begin == 0


def test_dict_values():
    p = fastcat({"velocity": 100}, None).filter_values(lambda v: v is not None)
    assert spans(p) == [(0, F(1, 2), {"velocity": 100})]


def test_patterns_are_immutable_values():
    p = fastcat("a", "b")
    q = p.fast(2)
    assert isinstance(q, Pattern) and spans(p) == [(0, F(1, 2), "a"), (F(1, 2), 1, "b")]


def test_span_cycles():
    assert TimeSpan(F(1, 2), F(5, 2)).span_cycles() == [
        TimeSpan(F(1, 2), 1), TimeSpan(1, 2), TimeSpan(2, F(5, 2))]
    assert TimeSpan(1, 1).span_cycles() == [TimeSpan(1, 1)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_fastcat_equals_fast_slowcat(n):
    vals = list(range(n))
    assert same(fastcat(*vals), slowcat(*vals).fast(n))
