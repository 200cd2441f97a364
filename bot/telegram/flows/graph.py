"""A dialog as data: its steps, what each step accepts, and where each answer may lead.

Every flow declares a :class:`Graph`: a ``Step`` enum, a payload dataclass, and for each step
a :class:`Node` (how to ask, and the :class:`Edge` list of answers it takes). The runner
(:func:`tap`, :func:`text`, :func:`location`, :func:`enter`) is the only code that moves a
dialog row, and it checks that every move is one the table declares, so the table is the
flow (``docs/architecture.md`` draws it from here; a test fails when the drawing is stale).

Interrupt and return is one mechanism: :class:`Call` puts the caller (flow, step to come back
to, payload) on a stack kept in the dialog row; the callee's :data:`RETURN` pops it. The
red-flag screen, the typed red-flag confirmation and /delete's confirmation all work this way.

One live card: an answered question is closed as its answer ("Pain now: 3/10") when its edge
has an ``echo``; otherwise the next question replaces it in place. The turn strips the buttons
of any card the dialog has left (:meth:`bot.telegram.turn.Turn.settle_cards`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from telegram import Location

from bot.content.texts import t
from bot.telegram.flows.base import tapped_number, tapped_value
from bot.telegram.turn import Turn

P = TypeVar("P")
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)


class Matcher(Protocol[V_co]):
    """Recognises one kind of answer; ``label`` names it in the diagram."""

    @property
    def label(self) -> str: ...

    def match(self, answer: object) -> V_co | None: ...


@dataclass(frozen=True)
class Tap:
    """A button with one fixed action."""

    action: str

    @property
    def label(self) -> str:
        return self.action

    def match(self, answer: object) -> str | None:
        return self.action if answer == self.action else None


@dataclass(frozen=True)
class TapNumber:
    """Buttons ``prefix.N`` for N in ``low..high`` (a forged N matches nothing)."""

    prefix: str
    low: int = 0
    high: int = 10

    @property
    def label(self) -> str:
        return f"{self.prefix} {self.low}-{self.high}"

    def match(self, answer: object) -> int | None:
        if not isinstance(answer, str):
            return None
        return tapped_number(answer, self.prefix, self.low, self.high)


@dataclass(frozen=True)
class TapChoice:
    """Buttons ``prefix.value`` for one of ``values``."""

    prefix: str
    values: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.prefix}: {' / '.join(self.values)}"

    def match(self, answer: object) -> str | None:
        value = tapped_value(answer, self.prefix) if isinstance(answer, str) else None
        return value if value in self.values else None


@dataclass(frozen=True)
class Typed(Generic[V]):
    """Free text, parsed; text that does not parse gets ``error(text)`` and the question again."""

    parse: Callable[[str], V | None]
    name: str
    error: Callable[[str], str]

    @property
    def label(self) -> str:
        return f"typed {self.name}"

    def match(self, answer: object) -> V | None:
        return self.parse(answer.text) if isinstance(answer, TypedText) else None


@dataclass(frozen=True)
class Shared:
    """A shared location."""

    @property
    def label(self) -> str:
        return "location"

    def match(self, answer: object) -> Location | None:
        return answer if isinstance(answer, Location) else None


@dataclass(frozen=True)
class TypedText:
    text: str


# Where an answer may lead (what an edge's handler returns).
@dataclass(frozen=True)
class At:
    """Be at ``step`` of ``graph`` (another flow's, or this one's with a new payload)."""

    graph: Graph[Any, Any]
    step: StrEnum
    payload: Any


@dataclass(frozen=True)
class Call:
    """Interrupt: run ``graph`` from ``step``; its RETURN brings the user back to ``then``."""

    graph: Graph[Any, Any]
    step: StrEnum
    payload: Any
    then: StrEnum | None


class _End(StrEnum):
    END = "end"  # the dialog is over (the caller's stack is dropped too)
    RETURN = "return"  # back to the caller, or over when there is none


END = _End.END
RETURN = _End.RETURN
Next = StrEnum | At | Call


@dataclass(frozen=True)
class Calls:
    """A declared target: this edge may interrupt into ``flow`` (by name, to avoid cycles)."""

    flow: str


@dataclass(frozen=True)
class Goes:
    """A declared target: this edge may hand the user to ``flow`` (no return)."""

    flow: str


Target = StrEnum | Calls | Goes
Handler = Callable[[Turn, P, V], Awaitable[Next]]
Echo = Callable[[P, V], str]


@dataclass(frozen=True)
class Edge(Generic[P]):
    matcher: Matcher[Any]
    run: Handler[P, Any]
    to: tuple[Target, ...]
    echo: Echo[P, Any] | None = None


def on(
    matcher: Matcher[V],
    run: Handler[P, V],
    *,
    to: Sequence[Target],
    echo: Echo[P, V] | None = None,
) -> Edge[P]:
    """One row of the transition table: ``matcher``'s answers go to ``run``, which may lead
    only to ``to``; ``echo`` closes the question card as the answer given."""
    return Edge(matcher, run, tuple(to), echo)


Prompt = Callable[[Turn, P], Awaitable[None]]
Enter = Callable[[Turn, P], Awaitable[Next]]


@dataclass(frozen=True)
class Node(Generic[P]):
    """One step: how it is asked, what it accepts. ``enter`` decides on arrival (a step that
    may lead on at once, e.g. after an interruption returns); ``enter_to`` lists where."""

    prompt: Prompt[P]
    edges: tuple[Edge[P], ...] = ()
    enter: Enter[P] | None = None
    enter_to: tuple[Target, ...] = ()
    reask: bool = True  # after typed text that does not parse, ask the question again


S = TypeVar("S", bound=StrEnum)


@dataclass
class Graph(Generic[S, P]):
    name: str
    steps: type[S]
    payload: type[P]
    start: S
    nodes: dict[S, Node[P]] = field(default_factory=dict)

    def load(self, data: dict[str, Any]) -> P:
        """The payload from a dialog row; unknown keys (an older version's) are dropped."""
        names = {f.name for f in dataclasses.fields(self.payload)}  # type: ignore[arg-type]
        return self.payload(**{k: v for k, v in data.items() if k in names})

    def step_of(self, value: str) -> S | None:
        try:
            return self.steps(value)
        except ValueError:
            return None


class IllegalMove(RuntimeError):
    """A handler led somewhere its edge does not declare: the table would lie."""


def graph_named(name: str) -> Graph[Any, Any] | None:
    from bot.telegram.flows.registry import GRAPHS  # the flows import this module

    return GRAPHS.get(name)


def expects_answer(turn: Turn) -> bool:
    """Whether the user's current step takes any answer (a resting card takes none)."""
    current = _current(turn)
    return current is not None and bool(current[0].nodes[current[1]].edges)


FRAME = "_caller"  # the stack of callers, in the dialog payload


def _current(turn: Turn) -> tuple[Graph[Any, Any], StrEnum, Any] | None:
    graph = graph_named(turn.dialog.flow)
    step = graph.step_of(turn.dialog.step) if graph else None
    if graph is None or step is None:
        return None
    return graph, step, graph.load(turn.dialog.payload)


def _write(turn: Turn, where: At, frame: dict[str, Any] | None) -> None:
    data = dataclasses.asdict(where.payload)
    if frame is not None:
        data[FRAME] = frame
    turn.go(where.graph.name, where.step.value, **data)


async def begin(turn: Turn, next_: Next) -> None:
    """Start a flow (a command, another flow's hand-over): the user's dialog becomes ``next_``.

    A :class:`Call` interrupts whatever dialog the user is in, which its RETURN restores;
    an :class:`At` (or END) replaces it.
    """
    await _apply(turn, _current_at(turn), next_)


async def enter(turn: Turn) -> None:
    """Show the current question again (after a restart, a stale tap, an odd message)."""
    current = _current(turn)
    if current is None:
        return
    graph, step, payload = current
    await graph.nodes[step].prompt(turn, payload)


def current_step(turn: Turn) -> StrEnum | None:
    """The step the user is at (for an interruption to come back to), if in a flow."""
    current = _current(turn)
    return None if current is None else current[1]


def _current_at(turn: Turn) -> At | None:
    current = _current(turn)
    return None if current is None else At(*current)


async def _apply(turn: Turn, origin: At | None, next_: Next) -> None:
    """Move the dialog from ``origin`` to ``next_`` and ask there (running ``enter`` hooks)."""
    frame: dict[str, Any] | None = turn.dialog.payload.get(FRAME) if origin else None
    for _ in range(8):  # an enter hook may lead on; more than a few in one turn is a loop
        where: At
        if next_ is END or (next_ is RETURN and frame is None):
            turn.go("none", "")
            return
        if next_ is RETURN:
            assert frame is not None
            caller = graph_named(frame["flow"])
            back = caller.step_of(frame["step"]) if caller else None
            assert caller is not None and back is not None, "a frame names a known step"
            where = At(caller, back, caller.load(frame["payload"]))
            frame = frame.get(FRAME)
        elif isinstance(next_, Call):
            if origin is not None and origin.graph is next_.graph:
                pass  # called again while running: it replaces itself, keeping its caller
            elif next_.then is None or origin is None:
                frame = None
            else:
                frame = {
                    "flow": origin.graph.name,
                    "step": next_.then.value,
                    "payload": dataclasses.asdict(origin.payload),
                    FRAME: frame,
                }
            where = At(next_.graph, next_.step, next_.payload)
        elif isinstance(next_, At):
            if origin is None or next_.graph is not origin.graph:
                frame = None  # a hand-over: nobody to return to
            where = next_
        else:
            assert origin is not None, "a bare step needs the flow it belongs to"
            where = At(origin.graph, next_, origin.payload)
        _write(turn, where, frame)
        arrived = await _arrive(turn, where)
        if arrived is where.step:
            return
        origin, next_ = where, arrived
    raise IllegalMove("enter hooks led on eight times in one turn")


async def _arrive(turn: Turn, where: At) -> Next:
    node = where.graph.nodes[where.step]
    if node.enter is not None:
        decided = await node.enter(turn, where.payload)
        if decided is not where.step:
            _check(where.graph, where.step, node.enter_to, decided)
            return decided
    await node.prompt(turn, where.payload)
    return where.step


def _check(graph: Graph[Any, Any], step: StrEnum, allowed: tuple[Target, ...], to: Next) -> None:
    if isinstance(to, Call):
        ok = Calls(to.graph.name) in allowed
    elif isinstance(to, At):
        ok = (to.graph is graph and to.step in allowed) or Goes(to.graph.name) in allowed
    else:
        ok = to in allowed
    if not ok:
        raise IllegalMove(f"{graph.name}.{step.value} -> {to!r} is not in its table")


async def answer(turn: Turn, given: object) -> bool:
    """Take an answer (a tap's action, :class:`TypedText`, a Location) for the current step.

    False when the step takes no answer of that kind (the caller says what the bot expects).
    """
    current = _current(turn)
    if current is None:
        return False
    graph, step, payload = current
    node = graph.nodes[step]
    for edge in node.edges:
        value = edge.matcher.match(given)
        if value is None:
            continue
        to = await edge.run(turn, payload, value)
        _check(graph, step, edge.to, to)
        if edge.echo is not None and to is not step:
            turn.close_card(edge.echo(payload, value))
        await _apply(turn, At(graph, step, payload), to)
        return True
    if isinstance(given, TypedText):
        typed = [e.matcher for e in node.edges if isinstance(e.matcher, Typed)]
        if not typed:
            return False
        turn.say(typed[0].error(given.text))
        if not node.reask:
            return True
    elif isinstance(given, Location):
        return False
    else:  # a tap of the live card that makes no sense at this step (forged, or a race)
        turn.callback_answer = t("unknown_button")
    await node.prompt(turn, payload)
    return True
