"""The pattern core: rational time spans, events and patterns (Strudel/Tidal semantics).

A :class:`Pattern` is a function from a query (a time span plus a little context, such as the random
seed) to the events active in that span. Time is measured in cycles as :class:`fractions.Fraction`;
one cycle is one bar by default.

An :class:`Event` has a *whole* span (when the event starts and ends; its onset is ``whole.begin``)
and a *part* span (the fragment of the whole that lies inside the query). ``Pattern.query_span``
returns fragments, the low-level Strudel view; ``Pattern.query`` returns whole events whose onset lies
in ``[begin, end)``, which is what a sequencer wants::

    >>> p = fastcat("bd", "sd")
    >>> [(str(e.begin), str(e.end), e.value) for e in p.query(0, 1)]
    [('0', '1/2', 'bd'), ('1/2', '1', 'sd')]
    >>> [(str(e.begin), str(e.end), e.value) for e in pure("a").slow(2).query(0, 1)]
    [('0', '2', 'a')]
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Rational
from typing import Any, Callable, Sequence

from ._rand import time_to_rand

__all__ = [
    "Time",
    "to_time",
    "TimeSpan",
    "Event",
    "State",
    "Pattern",
    "reify",
    "pure",
    "silence",
    "stack",
    "cat",
    "slowcat",
    "fastcat",
    "seq",
    "sequence",
    "timecat",
    "fast",
    "slow",
    "early",
    "late",
]

Time = Fraction


def to_time(value: Any) -> Fraction:
    """Convert an int, Fraction, float or numeric string to an exact ``Fraction``.

    Floats go through their shortest repr, so ``0.1`` becomes ``1/10`` rather than a binary
    approximation::

        >>> to_time(0.1), to_time(3), to_time("1/3")
        (Fraction(1, 10), Fraction(3, 1), Fraction(1, 3))
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError(f"expected a number of cycles, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"time must be finite, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, (Rational, str)):
        return Fraction(value)
    try:
        return Fraction(repr(float(value)))
    except (TypeError, ValueError):
        raise TypeError(f"expected a number of cycles, got {value!r}") from None


def _sam(t: Fraction) -> Fraction:
    """Start of the cycle containing ``t``."""
    return Fraction(math.floor(t))


# ---------------------------------------------------------------------------------------------------
# Time spans and events


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A half-open span of time ``[begin, end)`` in cycles."""

    begin: Fraction
    end: Fraction

    def __post_init__(self):
        object.__setattr__(self, "begin", to_time(self.begin))
        object.__setattr__(self, "end", to_time(self.end))

    @property
    def duration(self) -> Fraction:
        return self.end - self.begin

    def span_cycles(self) -> list["TimeSpan"]:
        """Split at cycle boundaries. A zero-width span is returned as is."""
        begin, end = self.begin, self.end
        if begin == end:
            return [self]
        spans = []
        end_sam = _sam(end)
        while end > begin:
            if _sam(begin) == end_sam:
                spans.append(TimeSpan(begin, end))
                break
            nxt = _sam(begin) + 1
            spans.append(TimeSpan(begin, nxt))
            begin = nxt
        return spans

    def whole_cycle(self) -> "TimeSpan":
        """The whole cycle containing ``begin``."""
        s = _sam(self.begin)
        return TimeSpan(s, s + 1)

    def with_time(self, f: Callable[[Fraction], Fraction]) -> "TimeSpan":
        return TimeSpan(f(self.begin), f(self.end))

    def with_end(self, f: Callable[[Fraction], Fraction]) -> "TimeSpan":
        return TimeSpan(self.begin, f(self.end))

    def with_cycle(self, f: Callable[[Fraction], Fraction]) -> "TimeSpan":
        """Apply ``f`` to the position within the cycle, keeping the cycle."""
        s = _sam(self.begin)
        return TimeSpan(s + f(self.begin - s), s + f(self.end - s))

    def intersection(self, other: "TimeSpan") -> "TimeSpan | None":
        """Overlap of two spans, or None. Zero-width spans intersect at their point, except at
        the end of a non-zero-width span (the span is half-open)."""
        begin = max(self.begin, other.begin)
        end = min(self.end, other.end)
        if begin > end:
            return None
        if begin == end:
            if begin == self.end and self.begin < self.end:
                return None
            if begin == other.end and other.begin < other.end:
                return None
        return TimeSpan(begin, end)

    def __repr__(self) -> str:
        return f"TimeSpan({self.begin}, {self.end})"


@dataclass(frozen=True, slots=True)
class Event:
    """An event ("hap" in Strudel): a value active over a span of time.

    ``whole`` is the event's full extent (``None`` for continuous values sampled from signals such as
    random numbers); ``part`` is the fragment of it that lies inside the query. ``begin``/``end`` are
    the whole span's bounds (the part's for continuous events). ``context`` carries metadata such as
    source positions from mini-notation as a tuple of ``(key, value)`` pairs.
    """

    whole: TimeSpan | None
    part: TimeSpan
    value: Any
    context: tuple = field(default=(), compare=False)

    @property
    def begin(self) -> Fraction:
        return (self.whole or self.part).begin

    @property
    def end(self) -> Fraction:
        return (self.whole or self.part).end

    @property
    def onset(self) -> Fraction:
        return self.begin

    @property
    def duration(self) -> Fraction:
        return self.end - self.begin

    @property
    def has_onset(self) -> bool:
        """True if this fragment contains the event's start."""
        return self.whole is not None and self.whole.begin == self.part.begin

    @property
    def is_discrete(self) -> bool:
        return self.whole is not None

    def with_span(self, f: Callable[[TimeSpan], TimeSpan]) -> "Event":
        return Event(None if self.whole is None else f(self.whole), f(self.part), self.value, self.context)

    def with_value(self, f: Callable[[Any], Any]) -> "Event":
        return Event(self.whole, self.part, f(self.value), self.context)

    def with_context(self, *items) -> "Event":
        return Event(self.whole, self.part, self.value, self.context + tuple(items))

    def whole_or_part(self) -> TimeSpan:
        return self.whole or self.part

    def __repr__(self) -> str:
        w = "~" if self.whole is None else f"{self.whole.begin}-{self.whole.end}"
        p = f"{self.part.begin}-{self.part.end}"
        span = w if self.whole == self.part else f"{w} (part {p})"
        return f"Event({span}, {self.value!r})"


@dataclass(frozen=True, slots=True)
class State:
    """A query: the span asked for plus context that flows down to every sub-pattern.

    ``seed`` selects the random stream used by random operators (``degrade_by``, ``sometimes_by``,
    ``|`` and ``?`` in mini-notation...). The same state always gives the same events.
    """

    span: TimeSpan
    seed: int = 0

    def set_span(self, span: TimeSpan) -> "State":
        return State(span, self.seed)

    def with_span(self, f: Callable[[TimeSpan], TimeSpan]) -> "State":
        return State(f(self.span), self.seed)


# ---------------------------------------------------------------------------------------------------
# Patterns


def _event_sort_key(e: Event):
    return (e.begin, e.part.begin)


class Pattern:
    """A query over time. Build patterns with the constructors (:func:`pure`, :func:`fastcat`, ...)
    and transform them with methods; every transformation returns a new Pattern."""

    __slots__ = ("_query", "__weakref__")

    def __init__(self, query: Callable[[State], list[Event]]):
        self._query = query

    # -- querying -----------------------------------------------------------------------------------

    def query_state(self, state: State) -> list[Event]:
        """Low level: all event fragments overlapping ``state.span``."""
        return self._query(state)

    def query_span(self, begin, end, *, seed: int = 0) -> list[Event]:
        """All event fragments in ``[begin, end)`` (Strudel's ``queryArc``): parts are clipped to the
        span, and events that started earlier or end later are included as fragments."""
        return self._query(State(TimeSpan(to_time(begin), to_time(end)), int(seed)))

    def query(self, begin, end, *, seed: int = 0) -> list[Event]:
        """The events whose onset lies in ``[begin, end)``, as whole events (``part == whole``),
        sorted by onset (stable: simultaneous events keep their stacking order).

        ``seed`` selects the random stream for random operators."""
        begin, end = to_time(begin), to_time(end)
        if end <= begin:
            return []
        out = []
        for e in self.query_span(begin, end, seed=seed):
            if e.has_onset and begin <= e.whole.begin < end:
                out.append(Event(e.whole, e.whole, e.value, e.context))
        out.sort(key=_event_sort_key)
        return out

    def first_cycle(self, *, seed: int = 0) -> list[Event]:
        """Shorthand for ``query(0, 1)``."""
        return self.query(0, 1, seed=seed)

    def __repr__(self) -> str:
        try:
            events = self.query(0, 1)
        except Exception:  # pragma: no cover - repr must never fail
            return "Pattern(<unqueryable>)"
        shown = ", ".join(f"{e.begin}-{e.end}:{e.value!r}" for e in events[:8])
        more = ", ..." if len(events) > 8 else ""
        return f"Pattern([{shown}{more}])"

    # -- building blocks ----------------------------------------------------------------------------

    def split_queries(self) -> "Pattern":
        """Split queries at cycle boundaries (for operations that work cycle by cycle)."""
        pat = self

        def query(state: State):
            out = []
            for span in state.span.span_cycles():
                out.extend(pat._query(state.set_span(span)))
            return out

        return Pattern(query)

    def with_query_span(self, f: Callable[[TimeSpan], TimeSpan]) -> "Pattern":
        pat = self
        return Pattern(lambda state: pat._query(state.with_span(f)))

    def with_query_span_maybe(self, f: Callable[[TimeSpan], TimeSpan | None]) -> "Pattern":
        pat = self

        def query(state: State):
            span = f(state.span)
            return [] if span is None else pat._query(state.set_span(span))

        return Pattern(query)

    def with_query_time(self, f: Callable[[Fraction], Fraction]) -> "Pattern":
        return self.with_query_span(lambda span: span.with_time(f))

    def with_event_span(self, f: Callable[[TimeSpan], TimeSpan]) -> "Pattern":
        pat = self
        return Pattern(lambda state: [e.with_span(f) for e in pat._query(state)])

    def with_event_time(self, f: Callable[[Fraction], Fraction]) -> "Pattern":
        return self.with_event_span(lambda span: span.with_time(f))

    def with_events(self, f: Callable[[list[Event]], list[Event]]) -> "Pattern":
        pat = self
        return Pattern(lambda state: f(pat._query(state)))

    def with_event(self, f: Callable[[Event], Event]) -> "Pattern":
        pat = self
        return Pattern(lambda state: [f(e) for e in pat._query(state)])

    def with_state(self, f: Callable[[State], State]) -> "Pattern":
        pat = self
        return Pattern(lambda state: pat._query(f(state)))

    def fmap(self, f: Callable[[Any], Any]) -> "Pattern":
        """Apply ``f`` to every value (Strudel's ``withValue``)::

            >>> fastcat(1, 2).fmap(lambda v: v * 10).first_cycle()
            [Event(0-1/2, 10), Event(1/2-1, 20)]
        """
        pat = self
        return Pattern(lambda state: [e.with_value(f) for e in pat._query(state)])

    with_value = fmap

    def filter_events(self, pred: Callable[[Event], bool]) -> "Pattern":
        pat = self
        return Pattern(lambda state: [e for e in pat._query(state) if pred(e)])

    def filter_values(self, pred: Callable[[Any], bool]) -> "Pattern":
        return self.filter_events(lambda e: pred(e.value))

    def filter_onsets(self) -> "Pattern":
        """Keep only fragments that contain their event's onset."""
        return self.filter_events(lambda e: e.has_onset)

    def discrete_only(self) -> "Pattern":
        """Drop continuous (whole-less) events."""
        return self.filter_events(lambda e: e.whole is not None)

    # -- monadic joins (patterns of patterns) ---------------------------------------------------------

    def inner_join(self) -> "Pattern":
        """Flatten a pattern of patterns, taking structure from the inner patterns: for each outer
        event, the inner pattern is queried over the outer event's part."""
        pat = self

        def query(state: State):
            out = []
            for outer in pat._query(state):
                for inner in outer.value._query(state.set_span(outer.part)):
                    out.append(Event(inner.whole, inner.part, inner.value, inner.context + outer.context))
            return out

        return Pattern(query)

    def outer_join(self) -> "Pattern":
        """Flatten a pattern of patterns, taking structure from the outer pattern: each inner pattern
        is sampled at the onset of the outer event."""
        pat = self

        def query(state: State):
            out = []
            for outer in pat._query(state):
                t = outer.whole_or_part().begin
                for inner in outer.value._query(state.set_span(TimeSpan(t, t))):
                    out.append(Event(outer.whole, outer.part, inner.value, inner.context + outer.context))
            return out

        return Pattern(query)

    def squeeze_join(self) -> "Pattern":
        """Flatten a pattern of patterns by squeezing a whole cycle of each inner pattern into the
        whole of its outer event."""
        pat = self

        def query(state: State):
            out = []
            for outer in pat._query(state):
                if outer.whole is None:
                    continue
                inner_pat = reify(outer.value)._focus_span(outer.whole)
                for inner in inner_pat._query(state.set_span(outer.part)):
                    whole = None
                    if inner.whole is not None:
                        whole = inner.whole.intersection(outer.whole)
                        if whole is None:
                            continue
                    part = inner.part.intersection(outer.part)
                    if part is None:
                        continue
                    out.append(Event(whole, part, inner.value, inner.context + outer.context))
            return out

        return Pattern(query)

    def bind(self, f: Callable[[Any], "Pattern"]) -> "Pattern":
        """Inner bind: ``fmap(f).inner_join()``."""
        return self.fmap(lambda v: reify(f(v))).inner_join()

    # -- applicative combination (used by arithmetic) -------------------------------------------------

    def app_both(self, other: Any, f: Callable[[Any, Any], Any]) -> "Pattern":
        """Combine values where events of both patterns overlap; structure from both."""
        left, right = self, reify(other)

        def query(state: State):
            out = []
            for a in left._query(state):
                for b in right._query(state):
                    part = a.part.intersection(b.part)
                    if part is None:
                        continue
                    if a.whole is not None and b.whole is not None:
                        whole = a.whole.intersection(b.whole)
                        if whole is None:
                            continue
                    else:
                        whole = None
                    out.append(Event(whole, part, f(a.value, b.value), a.context + b.context))
            return out

        return Pattern(query)

    def app_left(self, other: Any, f: Callable[[Any, Any], Any]) -> "Pattern":
        """Combine values, keeping the structure of ``self`` (Tidal's ``|+``)."""
        left, right = self, reify(other)

        def query(state: State):
            out = []
            for a in left._query(state):
                for b in right._query(state.set_span(a.whole_or_part())):
                    part = a.part.intersection(b.part)
                    if part is None:
                        continue
                    out.append(Event(a.whole, part, f(a.value, b.value), a.context + b.context))
            return out

        return Pattern(query)

    def app_right(self, other: Any, f: Callable[[Any, Any], Any]) -> "Pattern":
        """Combine values, keeping the structure of ``other`` (Tidal's ``+|``)."""
        other = reify(other)
        return other.app_left(self, lambda b, a: f(a, b))

    # -- time -----------------------------------------------------------------------------------------

    def _fast(self, factor) -> "Pattern":
        factor = to_time(factor)
        if factor == 0:
            return silence
        if factor < 0:
            return self._fast(-factor).rev()
        return self.with_query_time(lambda t: t * factor).with_event_time(lambda t: t / factor)

    def fast(self, factor) -> "Pattern":
        """Speed up by ``factor`` (patternable; 0 gives silence, negative plays reversed)::

            >>> fastcat("a", "b").fast(2).first_cycle()
            [Event(0-1/4, 'a'), Event(1/4-1/2, 'b'), Event(1/2-3/4, 'a'), Event(3/4-1, 'b')]
            >>> [e.value for e in pure("x").fast(slowcat(1, 3)).query(0, 2)]
            ['x', 'x', 'x', 'x']
        """
        return _patternify(self, Pattern._fast, factor)

    def _slow(self, factor) -> "Pattern":
        factor = to_time(factor)
        if factor == 0:
            return silence
        return self._fast(1 / factor)

    def slow(self, factor) -> "Pattern":
        """Slow down by ``factor`` (patternable)::

            >>> fastcat("a", "b").slow(2).query(0, 2)
            [Event(0-1, 'a'), Event(1-2, 'b')]
        """
        return _patternify(self, Pattern._slow, factor)

    def _early(self, offset) -> "Pattern":
        offset = to_time(offset)
        return self.with_query_time(lambda t: t + offset).with_event_time(lambda t: t - offset)

    def early(self, offset) -> "Pattern":
        """Shift earlier in time by ``offset`` cycles (Tidal's ``<~``; patternable)::

            >>> fastcat("a", "b", "c", "d").early(0.25).first_cycle()
            [Event(0-1/4, 'b'), Event(1/4-1/2, 'c'), Event(1/2-3/4, 'd'), Event(3/4-1, 'a')]
        """
        return _patternify(self, Pattern._early, offset)

    def _late(self, offset) -> "Pattern":
        return self._early(-to_time(offset))

    def late(self, offset) -> "Pattern":
        """Shift later in time by ``offset`` cycles (Tidal's ``~>``; patternable)::

            >>> fastcat("a", "b", "c", "d").late(Fraction(1, 4)).first_cycle()
            [Event(0-1/4, 'd'), Event(1/4-1/2, 'a'), Event(1/2-3/4, 'b'), Event(3/4-1, 'c')]
        """
        return _patternify(self, Pattern._late, offset)

    shift = late

    def _fast_gap(self, factor) -> "Pattern":
        """Speed up, but only play one cycle of the original per cycle, leaving a gap."""
        factor = to_time(factor)
        if factor <= 0:
            return silence
        pat = self

        def munge_query(span: TimeSpan):
            cycle = _sam(span.begin)
            bpos = min((span.begin - cycle) * factor, Fraction(1))
            epos = min((span.end - cycle) * factor, Fraction(1))
            if bpos >= 1:
                return None
            return TimeSpan(cycle + bpos, cycle + epos)

        def munge_event(e: Event) -> Event:
            begin, end = e.part.begin, e.part.end
            cycle = _sam(begin)
            bpos = min((begin - cycle) / factor, Fraction(1))
            epos = min((end - cycle) / factor, Fraction(1))
            part = TimeSpan(cycle + bpos, cycle + epos)
            whole = None
            if e.whole is not None:
                whole = TimeSpan(part.begin - (begin - e.whole.begin) / factor,
                                 part.end + (e.whole.end - end) / factor)
            return Event(whole, part, e.value, e.context)

        def query(state: State):
            span = munge_query(state.span)
            if span is None:
                return []
            out = []
            for e in pat._query(state.set_span(span)):
                e2 = munge_event(e)
                part = e2.part.intersection(state.span)
                if part is None:
                    continue
                out.append(Event(e2.whole, part, e2.value, e2.context))
            return out

        return Pattern(query).split_queries()

    def _compress(self, begin, end) -> "Pattern":
        """Squeeze each cycle into ``[begin, end)`` of the cycle (0 <= begin <= end <= 1), leaving
        silence around it."""
        begin, end = to_time(begin), to_time(end)
        if begin > end or begin > 1 or end > 1 or begin < 0 or end < 0 or begin == end:
            return silence
        return self._fast_gap(1 / (end - begin))._late(begin)

    def _focus(self, begin, end) -> "Pattern":
        """Like compress, but without the gaps: the pattern keeps playing outside the span."""
        begin, end = to_time(begin), to_time(end)
        if begin >= end:
            return silence
        return self._early(_sam(begin))._fast(1 / (end - begin))._late(begin)

    def _focus_span(self, span: TimeSpan) -> "Pattern":
        return self._focus(span.begin, span.end)

    def rev(self) -> "Pattern":
        """Reverse each cycle::

            >>> fastcat("a", "b", "c").rev().first_cycle()
            [Event(0-1/3, 'c'), Event(1/3-2/3, 'b'), Event(2/3-1, 'a')]
        """
        pat = self

        def query(state: State):
            span = state.span
            cycle = _sam(span.begin)
            next_cycle = cycle + 1

            def reflect(s: TimeSpan) -> TimeSpan:
                return TimeSpan(cycle + (next_cycle - s.end), cycle + (next_cycle - s.begin))

            out = []
            for e in pat._query(state.set_span(reflect(span))):
                out.append(e.with_span(reflect))
            return out

        return Pattern(query).split_queries()

    # -- structure ------------------------------------------------------------------------------------

    def _repeat_cycles(self, n) -> "Pattern":
        n = int(n)
        if n < 1:
            return silence
        pat = self

        def query(state: State):
            cycle = _sam(state.span.begin)
            delta = cycle - _sam(cycle / n)
            return [
                e.with_span(lambda s: s.with_time(lambda t: t + delta))
                for e in pat._query(state.with_span(lambda s: s.with_time(lambda t: t - delta)))
            ]

        return Pattern(query).split_queries()

    def repeat_cycles(self, n) -> "Pattern":
        """Repeat each cycle ``n`` times (patternable)::

            >>> [e.value for e in slowcat("a", "b").repeat_cycles(2).query(0, 4)]
            ['a', 'a', 'b', 'b']
        """
        return _patternify(self, Pattern._repeat_cycles, n)

    def _ply(self, factor) -> "Pattern":
        return self.fmap(lambda v: pure(v)._fast(factor)).squeeze_join()

    def ply(self, factor) -> "Pattern":
        """Repeat each event ``factor`` times within its own span (patternable)::

            >>> [(str(e.begin), e.value) for e in fastcat("bd", silence, "sd").ply(2).first_cycle()]
            [('0', 'bd'), ('1/6', 'bd'), ('2/3', 'sd'), ('5/6', 'sd')]
        """
        return _patternify(self, Pattern._ply, factor)

    def _iter(self, n, back: bool = False) -> "Pattern":
        n = int(n)
        if n < 1:
            return self
        shifted = [self._late(Fraction(i, n)) if back else self._early(Fraction(i, n)) for i in range(n)]
        return slowcat(*shifted)

    def iter(self, n) -> "Pattern":
        """Divide the cycle into ``n`` parts and start one part later each cycle (patternable)::

            >>> p = fastcat("a", "b", "c", "d").iter(4)
            >>> ["".join(e.value for e in p.query(c, c + 1)) for c in range(4)]
            ['abcd', 'bcda', 'cdab', 'dabc']
        """
        return _patternify(self, Pattern._iter, n)

    def iter_back(self, n) -> "Pattern":
        """Like :meth:`iter`, but moving backwards::

            >>> p = fastcat("a", "b", "c", "d").iter_back(4)
            >>> ["".join(e.value for e in p.query(c, c + 1)) for c in range(4)]
            ['abcd', 'dabc', 'cdab', 'bcda']
        """
        return _patternify(self, lambda p, k: p._iter(k, back=True), n)

    def _first_of(self, n, func) -> "Pattern":
        n = int(n)
        if n < 1:
            return self
        return _slowcat_prime([func(self)] + [self] * (n - 1))

    def every(self, n, func: Callable[["Pattern"], "Pattern"]) -> "Pattern":
        """Apply ``func`` every ``n`` cycles, starting with the first (Strudel's ``every`` /
        ``firstOf``; ``n`` is patternable)::

            >>> p = fastcat("a", "b").every(3, lambda x: x.fast(2))
            >>> [len(p.query(c, c + 1)) for c in range(4)]
            [4, 2, 2, 4]
        """
        return _patternify(self, lambda p, k: p._first_of(k, func), n)

    first_of = every

    def _last_of(self, n, func) -> "Pattern":
        n = int(n)
        if n < 1:
            return self
        return _slowcat_prime([self] * (n - 1) + [func(self)])

    def last_of(self, n, func: Callable[["Pattern"], "Pattern"]) -> "Pattern":
        """Apply ``func`` every ``n`` cycles, starting with the last of each group::

            >>> p = pure("a").last_of(3, lambda x: x.fast(2))
            >>> [len(p.query(c, c + 1)) for c in range(6)]
            [1, 1, 2, 1, 1, 2]
        """
        return _patternify(self, lambda p, k: p._last_of(k, func), n)

    def palindrome(self) -> "Pattern":
        """Play forwards, then backwards, alternating cycles::

            >>> p = fastcat("a", "b", "c").palindrome()
            >>> ["".join(e.value for e in p.query(c, c + 1)) for c in range(3)]
            ['abc', 'cba', 'abc']
        """
        return self._last_of(2, Pattern.rev)

    def struct(self, bools) -> "Pattern":
        """Impose the structure of a boolean pattern (a Pattern, a mini-notation string or a list):
        an event for every true event, with values sampled from this pattern::

            >>> pure("hh").struct("x ~ x x").first_cycle()
            [Event(0-1/4, 'hh'), Event(1/2-3/4, 'hh'), Event(3/4-1, 'hh')]
            >>> fastcat("a", "b").struct([True, True, False, True])
            Pattern([0-1/4:'a', 1/4-1/2:'a', 3/4-1:'b'])
        """
        b = _bool_pattern(bools)
        return (
            b.app_left(self, lambda keep, v: (keep, v))
            .filter_values(lambda kv: _truthy(kv[0]))
            .fmap(lambda kv: kv[1])
        )

    def mask(self, bools) -> "Pattern":
        """Keep only the parts of this pattern where the boolean pattern is true; the structure stays
        this pattern's::

            >>> fastcat("a", "b", "c", "d").mask("1 0 1 1").first_cycle()
            [Event(0-1/4, 'a'), Event(1/2-3/4, 'c'), Event(3/4-1, 'd')]
        """
        b = _bool_pattern(bools)
        return (
            self.app_left(b, lambda v, keep: (keep, v))
            .filter_values(lambda kv: _truthy(kv[0]))
            .fmap(lambda kv: kv[1])
        )

    def _segment(self, n) -> "Pattern":
        return self.struct(pure(True)._fast(n))

    def segment(self, n) -> "Pattern":
        """Sample the pattern ``n`` times per cycle, giving discrete events (turns continuous
        signals into steps; patternable)::

            >>> [e.value for e in saw.segment(4).first_cycle()]
            [0.125, 0.375, 0.625, 0.875]
        """
        return _patternify(self, Pattern._segment, n)

    def _range(self, lo, hi) -> "Pattern":
        return self.fmap(lambda v: v * (hi - lo) + lo)

    def range(self, lo, hi) -> "Pattern":
        """Scale values from 0..1 to ``lo``..``hi`` (patternable)::

            >>> [e.value for e in fastcat(0, 0.5, 1).range(10, 20).first_cycle()]
            [10, 15.0, 20]
        """
        return _patternify(self, Pattern._range, lo, hi)

    def _euclid(self, pulses, steps, rotation=0) -> "Pattern":
        return self.struct(fastcat(*euclid_bools(int(pulses), int(steps), int(rotation))))

    def euclid(self, pulses, steps, rotation=0) -> "Pattern":
        """Euclidean rhythm: ``pulses`` onsets spread as evenly as possible over ``steps`` steps
        (Bjorklund's algorithm, as in Toussaint's paper), rotated ``rotation`` steps later (the
        direction Strudel's ``euclidRot`` uses); negative ``pulses`` invert the rhythm. All three are
        patternable::

            >>> [str(e.begin) for e in pure("x").euclid(3, 8).first_cycle()]
            ['0', '3/8', '3/4']
            >>> [str(e.begin) for e in pure("x").euclid(3, 8, 1).first_cycle()]
            ['1/8', '1/2', '7/8']
        """
        return _patternify(self, Pattern._euclid, pulses, steps, rotation)

    euclid_rot = euclid

    # -- randomness -----------------------------------------------------------------------------------

    def _degrade_by_with(self, with_pat: "Pattern", amount) -> "Pattern":
        amount = float(amount)
        return self.app_left(with_pat.filter_values(lambda r: r > amount), lambda v, _: v)

    def _degrade_by(self, amount) -> "Pattern":
        return self._degrade_by_with(rand, amount)

    def degrade_by(self, amount) -> "Pattern":
        """Randomly drop events with probability ``amount`` (0 keeps all, 1 drops all;
        patternable). Deterministic: the decision is a hash of the event's time and the query seed::

            >>> p = pure("hh").fast(8).degrade_by(0.5)
            >>> p.query(0, 1) == p.query(0, 1)
            True
            >>> 0 < len(p.query(0, 8)) < 64
            True
        """
        return _patternify(self, Pattern._degrade_by, amount)

    def degrade(self) -> "Pattern":
        """``degrade_by(0.5)`` (``?`` in mini-notation)::

            >>> 400 < len(pure("hh").degrade().query(0, 1000)) < 600
            True
        """
        return self._degrade_by(0.5)

    def _undegrade_by(self, amount) -> "Pattern":
        return self._degrade_by_with(rand.fmap(lambda r: 1 - r), amount)

    def undegrade_by(self, amount) -> "Pattern":
        """The complement of :meth:`degrade_by`: keeps exactly the events ``degrade_by`` drops::

            >>> p = pure("hh").fast(16)
            >>> len(p.degrade_by(0.3).query(0, 4)) + len(p.undegrade_by(0.7).query(0, 4))
            64
        """
        return _patternify(self, Pattern._undegrade_by, amount)

    def _sometimes_by(self, amount, func) -> "Pattern":
        amount = float(amount)
        return stack(self._degrade_by(amount), reify(func(self))._undegrade_by(1 - amount))

    def sometimes_by(self, amount, func: Callable[["Pattern"], "Pattern"]) -> "Pattern":
        """Apply ``func`` to each event with probability ``amount`` (patternable)::

            >>> p = pure(1).fast(8).sometimes_by(0.5, lambda x: x + 10)
            >>> sorted({e.value for e in p.query(0, 4)})
            [1, 11]
            >>> len(p.query(0, 4))
            32
        """
        return _patternify(self, lambda p, x: p._sometimes_by(x, func), amount)

    def sometimes(self, func) -> "Pattern":
        """``sometimes_by(0.5, func)``."""
        return self.sometimes_by(0.5, func)

    def often(self, func) -> "Pattern":
        """``sometimes_by(0.75, func)``."""
        return self.sometimes_by(0.75, func)

    def rarely(self, func) -> "Pattern":
        """``sometimes_by(0.25, func)``."""
        return self.sometimes_by(0.25, func)

    def almost_never(self, func) -> "Pattern":
        """``sometimes_by(0.1, func)``."""
        return self.sometimes_by(0.1, func)

    def almost_always(self, func) -> "Pattern":
        """``sometimes_by(0.9, func)``."""
        return self.sometimes_by(0.9, func)

    def _some_cycles_by(self, amount, func) -> "Pattern":
        amount = float(amount)
        return stack(
            self._degrade_by_with(rand._segment(1), amount),
            reify(func(self._degrade_by_with(rand.fmap(lambda r: 1 - r)._segment(1), 1 - amount))),
        )

    def some_cycles_by(self, amount, func) -> "Pattern":
        """Apply ``func`` to whole cycles with probability ``amount`` (patternable)::

            >>> p = fastcat(1, 2).some_cycles_by(0.5, lambda x: x + 10)
            >>> all(len({e.value > 10 for e in p.query(c, c + 1)}) == 1 for c in range(16))
            True
        """
        return _patternify(self, lambda p, x: p._some_cycles_by(x, func), amount)

    def some_cycles(self, func) -> "Pattern":
        """``some_cycles_by(0.5, func)``."""
        return self.some_cycles_by(0.5, func)

    def with_seed(self, seed: int) -> "Pattern":
        """Pin the random stream of this pattern to ``seed``, whatever seed the query carries::

            >>> p = pure(1).fast(16).degrade()
            >>> p.with_seed(7).query(0, 2) == p.query(0, 2, seed=7)
            True
            >>> p.with_seed(7).query(0, 2, seed=3) == p.query(0, 2, seed=7)
            True
        """
        seed = int(seed)
        pat = self
        return Pattern(lambda state: pat._query(State(state.span, seed)))

    # -- layering -------------------------------------------------------------------------------------

    def superimpose(self, *funcs) -> "Pattern":
        """Play the pattern together with transformed copies of itself::

            >>> [e.value for e in pure(1).superimpose(lambda p: p + 12).first_cycle()]
            [1, 13]
        """
        return stack(self, *[reify(f(self)) for f in funcs])

    def layer(self, *funcs) -> "Pattern":
        """Stack the results of applying each function (without the original)::

            >>> [e.value for e in pure(1).layer(lambda p: p + 1, lambda p: p + 2).first_cycle()]
            [2, 3]
        """
        return stack(*[reify(f(self)) for f in funcs])

    def off(self, offset, func: Callable[["Pattern"], "Pattern"]) -> "Pattern":
        """Superimpose a transformed copy shifted later by ``offset`` cycles::

            >>> [(str(e.begin), e.value) for e in pure(1).off(0.25, lambda p: p + 7).first_cycle()]
            [('0', 1), ('1/4', 8)]
        """
        return self.superimpose(lambda p: func(p.late(offset)))

    # -- controls (per-event parameters for beats; see beatforge.pattern.controls) -------------------

    def set(self, **controls) -> "Pattern":
        """Set parameters on every event, structure from this pattern (values: mini-notation strings,
        lists, numbers or patterns)::

            >>> fastcat("bd", "sd").set(velocity="100 60", pan=-0.5).first_cycle()[1].value
            {'pad': 'sd', 'velocity': 60, 'pan': -0.5}
        """
        from .controls import set_controls

        pat = self
        for name, arg in controls.items():
            pat = set_controls(pat, name, arg)
        return pat

    def velocity(self, v) -> "Pattern":
        """Set velocity (0..127) per event."""
        return self.set(velocity=v)

    vel = velocity

    def pitch(self, v) -> "Pattern":
        """Set pitch (semitones) per event."""
        return self.set(pitch=v)

    def note(self, v) -> "Pattern":
        """Set the note (name or MIDI number) per event; played relative to the pad's root."""
        return self.set(note=v)

    def pan(self, v) -> "Pattern":
        """Set pan (-1..1) per event."""
        return self.set(pan=v)

    def gain_db(self, v) -> "Pattern":
        """Set gain in dB per event."""
        return self.set(gain_db=v)

    def probability(self, v) -> "Pattern":
        """Set the probability (0..1) that each event plays (decided per event, seeded)."""
        return self.set(probability=v)

    prob = probability

    def nudge(self, ms) -> "Pattern":
        """Move events by ``ms`` milliseconds (negative: earlier), after swing."""
        return self.set(nudge=ms)

    def ratchet(self, n) -> "Pattern":
        """Play each event as ``n`` evenly spaced hits within its span (a roll)."""
        return self.set(ratchet=n)

    roll = ratchet

    def s(self, v) -> "Pattern":
        """Set the pad (``"bd"``, ``"bd:3"`` for variant 3, or a MIDI note)."""
        return self.set(pad=v)

    sound = s

    def n(self, v) -> "Pattern":
        """Set the sample variant per event."""
        return self.set(variant=v)

    # -- value arithmetic (structure from this pattern) -----------------------------------------------

    def add(self, other) -> "Pattern":
        """Add (structure from the left), like Strudel's ``add``; a string is mini-notation::

            >>> [e.value for e in fastcat(0, 2).add("<10 20>").query(0, 2)]
            [10, 12, 20, 22]
        """
        return self.app_left(_value_arg(other), _add)

    def sub(self, other) -> "Pattern":
        """Subtract (structure from the left)::

            >>> [e.value for e in fastcat(10, 20).sub(1).first_cycle()]
            [9, 19]
        """
        return self.app_left(_value_arg(other), operator.sub)

    def mul(self, other) -> "Pattern":
        """Multiply (structure from the left)::

            >>> [e.value for e in fastcat(1, 2, 3, 4).mul("10 100").first_cycle()]
            [10, 20, 300, 400]
        """
        return self.app_left(_value_arg(other), operator.mul)

    def div(self, other) -> "Pattern":
        """Divide (structure from the left)::

            >>> [e.value for e in fastcat(4, 8).div(2).first_cycle()]
            [2.0, 4.0]
        """
        return self.app_left(_value_arg(other), operator.truediv)

    # -- Python operators -----------------------------------------------------------------------------
    # Arithmetic keeps the structure of the pattern operand (Tidal's ``|+``); a plain number on either
    # side is applied to every event: ``10 - fastcat(1, 2)`` has two events, 9 and 8.

    def __add__(self, other):
        return self.app_left(other, _add)

    def __radd__(self, other):
        return self.app_left(other, lambda a, b: _add(b, a))

    def __sub__(self, other):
        return self.app_left(other, operator.sub)

    def __rsub__(self, other):
        return self.app_left(other, lambda a, b: b - a)

    def __mul__(self, other):
        return self.app_left(other, operator.mul)

    def __rmul__(self, other):
        return self.app_left(other, lambda a, b: b * a)

    def __truediv__(self, other):
        return self.app_left(other, operator.truediv)

    def __rtruediv__(self, other):
        return self.app_left(other, lambda a, b: b / a)

    def __floordiv__(self, other):
        return self.app_left(other, operator.floordiv)

    def __mod__(self, other):
        return self.app_left(other, _mod)

    def __pow__(self, other):
        return self.app_left(other, operator.pow)

    def __neg__(self):
        return self.fmap(operator.neg)

    def __abs__(self):
        return self.fmap(abs)

    # Patterns are not numbers or containers.
    def __bool__(self):
        return True

    __hash__ = object.__hash__


def _add(a, b):
    """Addition that also merges dicts (right wins) and numeric-adds matching dict keys."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            if k in out and isinstance(out[k], (int, float, Fraction)) and isinstance(v, (int, float, Fraction)):
                out[k] = out[k] + v
            else:
                out[k] = v
        return out
    return a + b


def _mod(a, b):
    return a % b


def _arg_pattern(arg) -> "Pattern | None":
    """A patterned argument as a Pattern (strings are mini-notation, as in Strudel), or None for a
    plain value."""
    if isinstance(arg, Pattern):
        return arg
    if isinstance(arg, str):
        from .mini import mini  # deferred: mini builds on this module

        return mini(arg)
    return None


def _patternify(pat: Pattern, method, *args) -> Pattern:
    """Apply ``method(pat, *values)`` where any argument may be a pattern (or a mini-notation
    string): each combination of argument values applies over the time it is active, and the
    structure comes from the result (Strudel's patterned arguments, joined inner)."""
    pats = [_arg_pattern(a) for a in args]
    if all(p is None for p in pats):
        return method(pat, *args)
    pats = [pure(a) if p is None else p for p, a in zip(pats, args)]
    acc = pats[0].fmap(lambda v: (v,))
    for p in pats[1:]:
        acc = acc.app_left(p, lambda vs, v: vs + (v,))
    return acc.fmap(lambda vs: method(pat, *vs)).inner_join()


def _value_arg(arg) -> "Pattern":
    p = _arg_pattern(arg)
    return pure(arg) if p is None else p


_FALSY_WORDS = frozenset({"0", "f", "false", "~", "-", ""})


def _truthy(v) -> bool:
    """Truth of a boolean-pattern value: mini-notation ``0``/``f``/``false`` are false."""
    if isinstance(v, str):
        return v.lower() not in _FALSY_WORDS
    return bool(v)


def _bool_pattern(bools) -> "Pattern":
    if isinstance(bools, Pattern):
        return bools
    if isinstance(bools, str):
        from .mini import mini

        return mini(bools)
    if isinstance(bools, (list, tuple)):
        return fastcat(*[bool(b) if not isinstance(b, str) else _truthy(b) for b in bools])
    return pure(bools)


def _slowcat_prime(pats: list) -> "Pattern":
    """Like slowcat, but cycle ``c`` of the result is cycle ``c`` of the chosen pattern."""
    pats = [reify(p) for p in pats]
    n = len(pats)

    def query(state: State):
        return pats[int(_sam(state.span.begin)) % n]._query(state)

    return Pattern(query).split_queries()


def bjorklund(pulses: int, steps: int) -> list[int]:
    """Bjorklund's algorithm: ``pulses`` ones spread evenly over ``steps`` slots, in the canonical
    rotation of Toussaint's "The Euclidean Algorithm Generates Traditional Musical Rhythms"::

        >>> bjorklund(3, 8)
        [1, 0, 0, 1, 0, 0, 1, 0]
        >>> bjorklund(5, 12)
        [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0]
    """
    if steps <= 0:
        return []
    pulses = max(0, min(pulses, steps))
    ons, offs = pulses, steps - pulses
    xs = [[1] for _ in range(ons)]
    ys = [[0] for _ in range(offs)]
    while min(ons, offs) > 1:
        if ons > offs:
            # fold the remainder onto the first `offs` groups
            xs, ys = [x + y for x, y in zip(xs[:offs], ys)], xs[offs:]
            ons, offs = offs, ons - offs
        else:
            xs, ys = [x + y for x, y in zip(xs, ys[:ons])], ys[ons:]
            ons, offs = ons, offs - ons
    return [b for group in xs for b in group] + [b for group in ys for b in group]


def euclid_bools(pulses: int, steps: int, rotation: int = 0) -> list[bool]:
    """The Euclidean rhythm as booleans, rotated ``rotation`` steps later (negative ``pulses``
    invert it)::

        >>> "".join("x" if b else "." for b in euclid_bools(3, 8, 2))
        'x.x..x..'
        >>> "".join("x" if b else "." for b in euclid_bools(-3, 8))
        '.xx.xx.x'
    """
    if steps <= 0:
        return []
    if steps > 65536:
        raise ValueError(f"too many Euclid steps: {steps}")
    bits = [bool(b) for b in bjorklund(abs(pulses), steps)]
    if pulses < 0:
        bits = [not b for b in bits]
    r = rotation % steps
    if r:
        bits = bits[-r:] + bits[:-r]
    return bits


# ---------------------------------------------------------------------------------------------------
# Constructors


def reify(value: Any) -> Pattern:
    """Turn a plain value into a pattern (``pure``); patterns are returned unchanged."""
    if isinstance(value, Pattern):
        return value
    return pure(value)


def pure(value: Any) -> Pattern:
    """A pattern repeating ``value`` once per cycle::

        >>> pure("bd").query(0, 2)
        [Event(0-1, 'bd'), Event(1-2, 'bd')]
    """

    def query(state: State):
        return [Event(span.whole_cycle(), span, value) for span in state.span.span_cycles()]

    return Pattern(query)


def _silence_query(state: State) -> list[Event]:
    return []


silence = Pattern(_silence_query)
#: The empty pattern: no events, ever (``silence.query(0, 100) == []``; ``~`` in mini-notation).


def stack(*pats) -> Pattern:
    """Play patterns at the same time::

        >>> stack("a", fastcat("b", "c")).first_cycle()
        [Event(0-1, 'a'), Event(0-1/2, 'b'), Event(1/2-1, 'c')]
    """
    pats = [reify(p) for p in _flatten_args(pats)]

    def query(state: State):
        out = []
        for p in pats:
            out.extend(p._query(state))
        return out

    return Pattern(query)


def slowcat(*pats) -> Pattern:
    """Concatenate patterns, one cycle each (Tidal's ``cat``); each pattern keeps its own cycle
    count, so cycles of the parts are never skipped::

        >>> [e.value for e in slowcat("a", fastcat("b", "c")).query(0, 3)]
        ['a', 'b', 'c', 'a']
    """
    pats = [reify(p) for p in _flatten_args(pats)]
    n = len(pats)
    if n == 0:
        return silence

    def query(state: State):
        span = state.span
        cycle = _sam(span.begin)
        pat = pats[int(cycle) % n]
        offset = cycle - _sam(span.begin / n)
        return [
            e.with_span(lambda s: s.with_time(lambda t: t + offset))
            for e in pat._query(state.set_span(span.with_time(lambda t: t - offset)))
        ]

    return Pattern(query).split_queries()


cat = slowcat


def fastcat(*pats) -> Pattern:
    """Concatenate patterns into one cycle (Strudel's ``seq``/``fastcat``)::

        >>> fastcat("bd", "sd", "hh").first_cycle()
        [Event(0-1/3, 'bd'), Event(1/3-2/3, 'sd'), Event(2/3-1, 'hh')]
    """
    pats = _flatten_args(pats)
    if not pats:
        return silence
    return slowcat(*pats)._fast(len(pats))


seq = fastcat
sequence = fastcat


def timecat(*pairs) -> Pattern:
    """Concatenate into one cycle, each pattern taking a share proportional to its weight::

        >>> timecat((3, "a"), (1, "b")).first_cycle()
        [Event(0-3/4, 'a'), Event(3/4-1, 'b')]
    """
    if len(pairs) == 1 and not isinstance(pairs[0], tuple):
        pairs = tuple(pairs[0])
    items = [(to_time(w), reify(p)) for w, p in pairs]
    items = [(w, p) for w, p in items if w > 0]
    total = sum((w for w, _ in items), Fraction(0))
    if total == 0:
        return silence
    parts = []
    pos = Fraction(0)
    for w, p in items:
        parts.append(p._compress(pos / total, (pos + w) / total))
        pos += w
    return stack(*parts)


def fast(factor, pat) -> Pattern:
    """Function form of :meth:`Pattern.fast`."""
    return reify(pat).fast(factor)


def slow(factor, pat) -> Pattern:
    """Function form of :meth:`Pattern.slow`."""
    return reify(pat).slow(factor)


def early(offset, pat) -> Pattern:
    """Function form of :meth:`Pattern.early`."""
    return reify(pat).early(offset)


def late(offset, pat) -> Pattern:
    """Function form of :meth:`Pattern.late`."""
    return reify(pat).late(offset)


def _flatten_args(args: Sequence) -> list:
    """Allow both ``f(a, b)`` and ``f([a, b])`` (a list, since tuples are valid values)."""
    if len(args) == 1 and isinstance(args[0], list):
        return list(args[0])
    return list(args)


# ---------------------------------------------------------------------------------------------------
# Signals: continuous patterns (no whole), sampled where a discrete pattern asks for them


def steady(value) -> Pattern:
    """A continuous constant."""
    return Pattern(lambda state: [Event(None, state.span, value)])


def signal(func: Callable[[Fraction], Any]) -> Pattern:
    """A continuous pattern whose value is ``func(t)`` at the midpoint of the queried span::

        >>> signal(lambda t: t * 2).segment(2).first_cycle()
        [Event(0-1/2, Fraction(1, 2)), Event(1/2-1, Fraction(3, 2))]
    """

    def query(state: State):
        span = state.span
        return [Event(None, span, func((span.begin + span.end) / 2))]

    return Pattern(query)


def _rand_query(state: State):
    span = state.span
    return [Event(None, span, time_to_rand((span.begin + span.end) / 2, state.seed))]


#: Continuous random numbers in [0, 1): a hash of the time and the query's seed.
rand = Pattern(_rand_query)

#: Sawtooth 0 -> 1 each cycle.
saw = signal(lambda t: float(t % 1))
#: Inverted sawtooth 1 -> 0.
isaw = signal(lambda t: 1.0 - float(t % 1))
#: Sine between 0 and 1.
sine = signal(lambda t: (math.sin(2 * math.pi * float(t)) + 1) / 2)
#: Cosine between 0 and 1.
cosine = sine._early(Fraction(1, 4))
#: Square wave: 0 for the first half of each cycle, 1 for the second.
square = signal(lambda t: float(math.floor((t * 2) % 2)))
#: Triangle 0 -> 1 -> 0.
tri = fastcat(isaw, saw)


def irand(n) -> Pattern:
    """Continuous random integers in ``[0, n)`` (``n`` patternable)::

        >>> vals = [e.value for e in irand(4).segment(16).query(0, 4)]
        >>> set(vals) <= {0, 1, 2, 3} and len(set(vals)) > 1
        True
    """
    p = _arg_pattern(n)
    if p is None:
        return rand.fmap(lambda r: int(r * n))
    return p.fmap(lambda k: rand.fmap(lambda r: int(r * k))).inner_join()


def _choose_with(pat: Pattern, xs: list) -> Pattern:
    xs = [reify(x) for x in xs]
    if not xs:
        return silence
    n = len(xs)
    return pat._range(0, n).fmap(lambda i: xs[min(max(int(math.floor(i)), 0), n - 1)])


def choose_with(pat: Pattern, xs: list) -> Pattern:
    """Choose from ``xs`` with a pattern of numbers in 0..1; structure from ``pat``."""
    return _choose_with(pat, xs).outer_join()


def choose_in_with(pat: Pattern, xs: list) -> Pattern:
    """Choose from ``xs`` with a pattern of numbers in 0..1; structure from the chosen patterns."""
    return _choose_with(pat, xs).inner_join()


def choose(*xs) -> Pattern:
    """A continuous random choice among ``xs`` (use with ``segment`` or ``struct``)::

        >>> set(e.value for e in choose("a", "b").segment(8).query(0, 4)) == {"a", "b"}
        True
    """
    return choose_with(rand, _flatten_args(xs))


def randcat(*pats) -> Pattern:
    """Pick one of the patterns at random each cycle (Strudel's ``chooseCycles``/``randcat``; in
    mini-notation ``a | b``)::

        >>> p = randcat("a", "b", "c")
        >>> all(len(p.query(c, c + 1)) == 1 for c in range(8))
        True
    """
    return choose_in_with(rand._segment(1), _flatten_args(pats))


choose_cycles = randcat


def rev(pat) -> Pattern:
    """Function form of :meth:`Pattern.rev`."""
    return reify(pat).rev()
