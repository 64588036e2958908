"""Mini-notation: Strudel's compact pattern language, as text -> syntax tree -> Pattern.

The three steps are separate: :func:`parse` turns text into a tree of nodes that remember where they
came from (``start``/``end`` offsets into the text), and :func:`build` turns the tree into a
:class:`~beatforge.pattern.core.Pattern`. :func:`mini` does both. Errors are
:class:`~beatforge.errors.PatternSyntaxError` with the line and column of the offending character.

Syntax (as in Strudel)::

    bd sd          a sequence: steps share the cycle equally
    ~  -           rests
    [bd sd]        a sub-sequence in one step          bd . sd sd   '.' groups like brackets
    bd, hh hh      layers played together (stack)
    <bd sd cp>     one step per cycle (alternation)
    {a b c, d e}   polymeter: steps of the first layer per cycle;  {a b c}%4  four steps per cycle
    bd*2  bd/2     faster / slower (patternable: bd*<2 3>, bd/[2 4])
    bd@3  bd _ _   elongation (weight)
    bd!3  bd ! !   replication
    bd?  bd?0.3    random removal (50% or the given probability)
    bd | sd        random choice each cycle
    bd(3,8,2)      Euclidean rhythm with optional rotation (patternable)
    bd:3           a list value: ("bd", 3) - for pads, variant 3 of bd
    0 .. 3         a range: 0 1 2 3
    c3 f#2 eb1 1.5 words, note names and numbers are values

    >>> [(str(e.begin), e.value) for e in mini("bd*2 [~ sd]").first_cycle()]
    [('0', 'bd'), ('1/4', 'bd'), ('3/4', 'sd')]
    >>> [e.value for e in mini("<bd sd>").query(0, 2)]
    ['bd', 'sd']
    >>> mini("bd:3 sd").first_cycle()[0].value
    ('bd', 3)
    >>> mini("bd [sd")
    Traceback (most recent call last):
      ...
    beatforge.errors.PatternSyntaxError: unclosed '[' at column 4
      bd [sd
         ^
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..errors import PatternSyntaxError
from .core import (
    Pattern,
    choose_in_with,
    fastcat,
    pure,
    rand,
    silence,
    stack,
    timecat,
    to_time,
)

__all__ = [
    "mini",
    "parse",
    "build",
    "Node",
    "Atom",
    "Step",
    "Op",
    "Sequence",
    "Group",
    "Polymeter",
]

# ---------------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class Node:
    """A syntax-tree node; ``start``/``end`` are offsets into the source text."""

    start: int
    end: int


@dataclass(frozen=True)
class Atom(Node):
    """A word: a value (name, note name or number) or a rest (``~``, ``-``)."""

    text: str

    @property
    def is_rest(self) -> bool:
        return self.text in ("~", "-")

    @property
    def value(self) -> Any:
        return _atom_value(self.text)


@dataclass(frozen=True)
class Op(Node):
    """A modifier applied to a step, in the order written: ``fast``, ``slow`` (arg: a node),
    ``replicate`` (arg: count), ``degrade`` (arg: amount or None; ``seed``), ``euclid``
    (args: pulses, steps, rotation or None), ``tail`` (``:``) and ``range`` (``..``)."""

    kind: str
    args: tuple = ()
    seed: int = 0


@dataclass(frozen=True)
class Step(Node):
    """One step of a sequence: a body node with modifiers and a weight (``@``, ``_``, ``!``)."""

    body: Node
    ops: tuple = ()
    weight: Fraction = Fraction(1)


@dataclass(frozen=True)
class Sequence(Node):
    """Steps played one after another within the cycle."""

    steps: tuple

    @property
    def weight(self) -> Fraction:
        return sum((s.weight for s in self.steps), Fraction(0))


@dataclass(frozen=True)
class Group(Node):
    """Sequences combined: ``stack`` (``,``), ``rand`` (``|``, one per cycle at random) or ``feet``
    (``.``, each sequence one step)."""

    kind: str
    children: tuple
    seed: int = 0


@dataclass(frozen=True)
class Polymeter(Node):
    """``{...}`` (kind ``polymeter``, optional ``%steps``) or ``<...>`` (kind ``slowcat``)."""

    kind: str
    children: tuple
    steps: Node | None = None


# ---------------------------------------------------------------------------------------------------
# Values

_NUMBER_RE = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\Z")
_INT_RE = re.compile(r"-?\d+\Z")
_OP_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _atom_value(text: str) -> Any:
    """Numbers become int/float, everything else stays a string (note names included)."""
    if _INT_RE.match(text):
        return int(text)
    if _NUMBER_RE.match(text):
        return float(text)
    return text


def _is_word_char(ch: str) -> bool:
    return ch.isalpha() or "0" <= ch <= "9" or ch in "~-#.^_"


_CLOSERS = {"[": "]", "<": ">", "{": "}"}


# ---------------------------------------------------------------------------------------------------
# Parser (recursive descent over characters, mirroring Strudel's grammar)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.seed = 0

    # -- helpers --------------------------------------------------------------------------------------

    def error(self, message: str, pos: int | None = None) -> PatternSyntaxError:
        pos = self.pos if pos is None else pos
        pos = max(0, min(pos, len(self.text)))
        line = self.text.count("\n", 0, pos) + 1
        line_start = self.text.rfind("\n", 0, pos) + 1
        return PatternSyntaxError(message, self.text, line, pos - line_start + 1)

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_ws(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r\n\u00a0":
            self.pos += 1

    def next_seed(self) -> int:
        s = self.seed
        self.seed += 1
        return s

    def describe(self) -> str:
        ch = self.peek()
        return "end of pattern" if not ch else repr(ch)

    def at_dot_separator(self) -> bool:
        """A lone '.' (not '..', not part of a word like '.5')."""
        if self.peek() != "." or self.peek(1) == ".":
            return False
        nxt = self.peek(1)
        return not (nxt and _is_word_char(nxt))

    def number(self) -> tuple[Fraction, int] | None:
        m = _OP_NUMBER_RE.match(self.text, self.pos)
        if not m:
            return None
        start = self.pos
        self.pos = m.end()
        return to_time(float(m.group()) if any(c in m.group() for c in ".eE") else int(m.group())), start

    # -- grammar --------------------------------------------------------------------------------------

    def parse(self) -> Node | None:
        self.skip_ws()
        if self.at_end():
            return None
        node = self.stack_or_choose(closer=None)
        self.skip_ws()
        if not self.at_end():
            ch = self.peek()
            if ch in "]>})":
                raise self.error(f"unexpected {ch!r} (no matching opening bracket)")
            raise self.error(f"unexpected {self.describe()}")
        return node

    def stack_or_choose(self, closer: str | None) -> Node:
        start = self.pos
        seqs = [self.sequence(closer)]
        kind = None
        while True:
            self.skip_ws()
            ch = self.peek()
            if ch == ",":
                this = "stack"
            elif ch == "|":
                this = "rand"
            elif self.at_dot_separator():
                this = "feet"
            else:
                break
            if kind is not None and this != kind:
                raise self.error(f"cannot mix {_SEP[kind]!r} and {ch!r} at the same level; use brackets")
            kind = this
            self.pos += 1
            seqs.append(self.sequence(closer))
        if kind is None:
            return seqs[0]
        seed = self.next_seed() if kind in ("rand", "feet") else 0
        return Group(start, self.pos, kind, tuple(seqs), seed)

    def sequence(self, closer: str | None) -> Sequence:
        self.skip_ws()
        start = self.pos
        if self.peek() == "^":
            self.pos += 1  # Strudel's step-count marker: accepted, no effect on timing
        steps = []
        while True:
            self.skip_ws()
            ch = self.peek()
            if not ch or ch in ",|" or (closer is not None and ch == closer) or self.at_dot_separator():
                break
            if ch in "]>})":
                if closer is None:
                    raise self.error(f"unexpected {ch!r} (no matching opening bracket)")
                raise self.error(f"expected {closer!r} but found {ch!r}")
            if ch in "@_!" and steps:  # pragma: no cover - consumed by the step's modifier loop
                break
            steps.append(self.step())
        if not steps:
            if not self.peek():
                raise self.error("expected a step but the pattern ended")
            raise self.error(f"expected a step before {self.describe()}")
        return Sequence(start, self.pos, tuple(steps))

    def step(self) -> Step:
        start = self.pos
        body = self.slice()
        ops: list[Op] = []
        weight = Fraction(1)
        reps = 1
        while True:
            save = self.pos
            self.skip_ws()
            ch = self.peek()
            op_start = self.pos
            if not ch:
                self.pos = save
                break
            if ch in "@_":
                self.pos += 1
                n = self.number()
                amount = Fraction(2) if n is None else n[0]
                weight = weight + amount - 1
                if weight <= 0:
                    raise self.error("a step's weight must be positive", op_start)
            elif ch == "!":
                self.pos += 1
                n = self.number()
                if n is not None and (n[0].denominator != 1 or n[0] < 1):
                    raise self.error("'!' needs a whole number of at least 1", n[1])
                reps = reps + (2 if n is None else int(n[0])) - 1
                ops = [o for o in ops if o.kind != "replicate"]
                ops.append(Op(op_start, self.pos, "replicate", (reps,)))
                weight = Fraction(reps)
            elif ch == "(":
                ops.append(self.euclid())
            elif ch in "*/":
                self.pos += 1
                arg = self.slice()
                ops.append(Op(op_start, self.pos, "fast" if ch == "*" else "slow", (arg,)))
            elif ch == "?":
                self.pos += 1
                n = self.number()
                if n is not None and not (0 <= n[0] <= 1):
                    raise self.error("'?' probability must be between 0 and 1", n[1])
                ops.append(Op(op_start, self.pos, "degrade", (None if n is None else n[0],), self.next_seed()))
            elif ch == ":":
                self.pos += 1
                arg = self.slice()
                ops.append(Op(op_start, self.pos, "tail", (arg,)))
            elif ch == "." and self.peek(1) == ".":
                self.pos += 2
                arg = self.slice()
                ops.append(Op(op_start, self.pos, "range", (arg,)))
            else:
                self.pos = save
                break
        return Step(start, self.pos, body, tuple(ops), weight)

    def euclid(self) -> Op:
        start = self.pos
        self.pos += 1  # '('
        args = [self.euclid_arg()]
        self.skip_ws()
        if self.peek() != ",":
            raise self.error(f"expected ',' in Euclid (pulses,steps[,rotation]) but found {self.describe()}")
        self.pos += 1
        args.append(self.euclid_arg())
        self.skip_ws()
        rotation = None
        if self.peek() == ",":
            self.pos += 1
            self.skip_ws()
            if self.peek() != ")":
                rotation = self.euclid_arg()
        self.skip_ws()
        if self.peek() != ")":
            if self.at_end():
                raise self.error("unclosed '('", start)
            raise self.error(f"expected ')' but found {self.describe()}")
        self.pos += 1
        return Op(start, self.pos, "euclid", (args[0], args[1], rotation))

    def euclid_arg(self) -> Step:
        self.skip_ws()
        ch = self.peek()
        if not ch or ch in ",)":
            raise self.error(f"expected a number but found {self.describe()}")
        return self.step()

    def slice(self) -> Node:
        self.skip_ws()
        start = self.pos
        ch = self.peek()
        if ch == "[":
            self.pos += 1
            node = self.stack_or_choose("]")
            self.close("[", start)
            return _with_span(node, start, self.pos)
        if ch and ch in "<{":
            self.pos += 1
            closer = _CLOSERS[ch]
            seqs = [self.sequence(closer)]
            while True:
                self.skip_ws()
                c = self.peek()
                if c == ",":
                    self.pos += 1
                    seqs.append(self.sequence(closer))
                elif c == "|" or self.at_dot_separator():
                    raise self.error(f"{c!r} is not allowed directly inside '{ch}{closer}'; use brackets")
                else:
                    break
            self.close(ch, start)
            if ch == "<":
                return Polymeter(start, self.pos, "slowcat", tuple(seqs))
            steps = None
            if self.peek() == "%":
                self.pos += 1
                steps = self.slice()
            return Polymeter(start, self.pos, "polymeter", tuple(seqs), steps)
        if ch and _is_word_char(ch):
            return self.word()
        if not ch:
            raise self.error("expected a step but the pattern ended")
        raise self.error(f"unexpected {ch!r}")

    def close(self, opener: str, start: int) -> None:
        closer = _CLOSERS[opener]
        self.skip_ws()
        ch = self.peek()
        if ch == closer:
            self.pos += 1
            return
        if not ch:
            raise self.error(f"unclosed {opener!r}", start)
        raise self.error(f"expected {closer!r} to close {opener!r} but found {ch!r}")

    def word(self) -> Atom:
        start = self.pos
        text = self.text
        i = start
        while i < len(text) and _is_word_char(text[i]):
            if text[i] == "." and i + 1 < len(text) and text[i + 1] == ".":
                break  # '..' is the range operator
            i += 1
        word = text[start:i]
        if not word:
            raise self.error(f"unexpected {self.describe()}")
        if word == "_":
            raise self.error("'_' must follow a step")
        if word == ".":
            raise self.error("unexpected '.'")
        self.pos = i
        return Atom(start, i, word)


_SEP = {"stack": ",", "rand": "|", "feet": "."}


def _with_span(node: Node, start: int, end: int) -> Node:
    """Bracketed nodes take the brackets' span (for error messages)."""
    from dataclasses import replace

    return replace(node, start=start, end=end)


def parse(text: str) -> Node | None:
    """Parse mini-notation into a syntax tree (``None`` for an empty pattern)::

        >>> parse("bd*2 sd")
        Sequence(start=0, end=7, steps=(Step(start=0, end=4, body=Atom(start=0, end=2, text='bd'), ...
    """
    if not isinstance(text, str):
        raise TypeError(f"mini-notation must be a string, got {type(text).__name__}")
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------------
# Interpreter: syntax tree -> Pattern

_RAND_OFFSET = Fraction(3, 10000)
MAX_EUCLID_STEPS = 1024
MAX_RANGE = 4096


class _Builder:
    def __init__(self, text: str):
        self.text = text

    def error(self, message: str, node: Node) -> PatternSyntaxError:
        return _Parser(self.text).error(message, node.start)

    def build(self, node: Node) -> Pattern:
        if isinstance(node, Atom):
            if node.is_rest:
                return silence
            loc = ("loc", (node.start, node.end))
            return pure(node.value).with_event(lambda e: e.with_context(loc))
        if isinstance(node, Sequence):
            return self.sequence(node)
        if isinstance(node, Step):
            return self.step(node)
        if isinstance(node, Group):
            children = [self.build(c) for c in node.children]
            if node.kind == "stack":
                return stack(*children)
            if node.kind == "feet":
                return fastcat(*children)
            chooser = rand._early(_RAND_OFFSET * node.seed)._segment(1)
            return choose_in_with(chooser, children)
        if isinstance(node, Polymeter):
            return self.polymeter(node)
        raise TypeError(f"not a mini-notation node: {node!r}")  # pragma: no cover

    def sequence(self, node: Sequence) -> Pattern:
        steps = node.steps
        if len(steps) == 1 and steps[0].weight == 1:
            return self.step(steps[0])
        children = [self.step(s) for s in steps]
        if all(s.weight == 1 for s in steps):
            return fastcat(*children)
        return timecat(*[(s.weight, c) for s, c in zip(steps, children)])

    def polymeter(self, node: Polymeter) -> Pattern:
        children = [(self.build(c), c.weight) for c in node.children]
        if node.kind == "slowcat":
            return stack(*[p._slow(w) for p, w in children])
        if node.steps is None:
            steps: Any = children[0][1]
        else:
            steps = self.number_arg(node.steps, "'%'")
        if isinstance(steps, Pattern):
            return stack(*[p.fast(steps.fmap(lambda x, w=w: to_time(x) / w)) for p, w in children])
        return stack(*[p._fast(to_time(steps) / w) for p, w in children])

    def step(self, node: Step) -> Pattern:
        pat = self.build(node.body)
        for op in node.ops:
            pat = self.apply(pat, op)
        return pat

    def apply(self, pat: Pattern, op: Op) -> Pattern:
        kind = op.kind
        if kind in ("fast", "slow"):
            arg = self.number_arg(op.args[0], "'*'" if kind == "fast" else "'/'")
            if isinstance(arg, Pattern):
                return pat.fast(arg) if kind == "fast" else pat.slow(arg)
            return pat._fast(arg) if kind == "fast" else pat._slow(arg)
        if kind == "replicate":
            n = op.args[0]
            return pat._repeat_cycles(n)._fast(n)
        if kind == "degrade":
            amount = op.args[0]
            chooser = rand._early(_RAND_OFFSET * op.seed)
            return pat._degrade_by_with(chooser, Fraction(1, 2) if amount is None else amount)
        if kind == "euclid":
            pulses = self.number_arg(op.args[0], "Euclid")
            steps = self.number_arg(op.args[1], "Euclid")
            rotation = 0 if op.args[2] is None else self.number_arg(op.args[2], "Euclid")
            if not any(isinstance(a, Pattern) for a in (pulses, steps, rotation)):
                for a, n in zip((pulses, steps, rotation), op.args):
                    if to_time(a).denominator != 1:
                        raise self.error("Euclid arguments must be whole numbers", n)
                if steps > MAX_EUCLID_STEPS:
                    raise self.error(f"at most {MAX_EUCLID_STEPS} Euclid steps", op.args[1])
                return pat._euclid(pulses, steps, rotation)
            return pat.euclid(pulses, steps, rotation)
        if kind == "tail":
            friend = self.build(op.args[0])
            return pat.app_left(friend, _cons)
        if kind == "range":
            self.number_arg(op.args[0], "'..'")  # validation only
            friend = self.build(op.args[0])

            def arange(a, b):
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(b - a) >= MAX_RANGE:
                    raise self.error(f"a range may have at most {MAX_RANGE} values", op)
                return fastcat(*_arange(a, b))

            return pat.fmap(lambda a: friend.fmap(lambda b: arange(a, b)).inner_join()).squeeze_join()
        raise TypeError(f"unknown operator {kind!r}")  # pragma: no cover

    def number_arg(self, node: Node, what: str):
        """A numeric argument: a plain number when the node is a single number, else a Pattern
        (after checking every value in it is a number)."""
        inner = node
        while isinstance(inner, Step) and not inner.ops and inner.weight == 1:
            inner = inner.body
        while isinstance(inner, Sequence) and len(inner.steps) == 1 and not inner.steps[0].ops \
                and inner.steps[0].weight == 1:
            inner = inner.steps[0].body
        if isinstance(inner, Atom) and not inner.is_rest:
            value = inner.value
            if not isinstance(value, (int, float)):
                raise self.error(f"{what} needs a number, not {inner.text!r}", inner)
            return to_time(value)
        for atom in _atoms(node):
            if not atom.is_rest and not isinstance(atom.value, (int, float)):
                raise self.error(f"{what} needs numbers, not {atom.text!r}", atom)
        return self.build(node)


def _atoms(node):
    if isinstance(node, Atom):
        yield node
        return
    if isinstance(node, Step):
        yield from _atoms(node.body)
        for op in node.ops:
            for a in op.args:
                if isinstance(a, Node):
                    yield from _atoms(a)
        return
    if isinstance(node, Sequence):
        for s in node.steps:
            yield from _atoms(s)
        return
    if isinstance(node, (Group, Polymeter)):
        for c in node.children:
            yield from _atoms(c)
        if isinstance(node, Polymeter) and node.steps is not None:
            yield from _atoms(node.steps)


def _cons(a, b):
    return (*a, b) if isinstance(a, tuple) else (a, b)


def _arange(a, b) -> list:
    """Inclusive range from a to b in steps of 1 (downwards if b < a), like Strudel's ``..``."""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return []
    n = int(abs(b - a)) + 1
    return [a + i if a <= b else a - i for i in range(n)]


def build(node: Node | None, text: str = "") -> Pattern:
    """Turn a syntax tree from :func:`parse` into a Pattern (``text`` is used for error messages)."""
    if node is None:
        return silence
    return _Builder(text).build(node)


def mini(text: str) -> Pattern:
    """Parse Strudel mini-notation into a Pattern (see the module documentation for the syntax).

    >>> [(str(e.begin), str(e.end), e.value) for e in mini("a@3 b").first_cycle()]
    [('0', '3/4', 'a'), ('3/4', '1', 'b')]
    >>> [e.value for e in mini("a!3 b").first_cycle()]
    ['a', 'a', 'a', 'b']
    >>> [str(e.begin) for e in mini("x(3,8)").first_cycle()]
    ['0', '3/8', '3/4']
    >>> [e.value for e in mini("0 .. 3").first_cycle()]
    [0, 1, 2, 3]
    >>> [e.value for e in mini("{a b c}%4").query(0, 2)]
    ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b']
    """
    if isinstance(text, Pattern):
        return text
    return build(parse(text), text)
