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
from typing import Any, Callable, Iterable, Sequence

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
                if outer.whole is None:
                    continue
                t = outer.whole.begin
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
        return _patternify(self, factor, Pattern._fast)

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
        return _patternify(self, factor, Pattern._slow)

    def _early(self, offset) -> "Pattern":
        offset = to_time(offset)
        return self.with_query_time(lambda t: t + offset).with_event_time(lambda t: t - offset)

    def early(self, offset) -> "Pattern":
        """Shift earlier in time by ``offset`` cycles (Tidal's ``<~``; patternable)::

            >>> fastcat("a", "b", "c", "d").early("1/4").first_cycle()
            [Event(0-1/4, 'b'), Event(1/4-1/2, 'c'), Event(1/2-3/4, 'd'), Event(3/4-1, 'a')]
        """
        return _patternify(self, offset, Pattern._early)

    def _late(self, offset) -> "Pattern":
        return self._early(-to_time(offset))

    def late(self, offset) -> "Pattern":
        """Shift later in time by ``offset`` cycles (Tidal's ``~>``; patternable)::

            >>> fastcat("a", "b", "c", "d").late("1/4").first_cycle()
            [Event(0-1/4, 'd'), Event(1/4-1/2, 'a'), Event(1/2-3/4, 'b'), Event(3/4-1, 'c')]
        """
        return _patternify(self, offset, Pattern._late)

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


def _patternify(pat: Pattern, arg, method) -> Pattern:
    """Apply ``method(pat, value)`` with ``arg`` possibly a pattern: each value of the argument
    pattern applies over the time it is active (Strudel's patterned arguments, joined inner)."""
    if isinstance(arg, Pattern):
        return arg.fmap(lambda v: method(pat, v)).inner_join()
    return method(pat, arg)


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
#: The empty pattern: no events, ever.


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
