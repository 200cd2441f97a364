"""The flow graphs in docs/architecture.md are the ones the code runs: drawn from the tables."""

from __future__ import annotations

from bot.telegram.flows import diagram
from bot.telegram.flows.graph import END, RETURN, Calls, Goes
from bot.telegram.flows.registry import GRAPHS


def test_the_architecture_page_shows_every_flow_as_the_code_has_it() -> None:
    doc = diagram.DOC.read_text(encoding="utf-8")
    assert diagram.BEGIN in doc and diagram.FINISH in doc
    assert diagram.rewritten(doc) == doc, (
        "docs/architecture.md's flow graphs are stale: run python -m bot.telegram.flows.diagram"
    )


def test_every_declared_target_exists() -> None:
    """A table that names a step its flow lacks, or a flow that does not exist, is a typo."""
    for graph in GRAPHS.values():
        assert graph.start in graph.nodes, graph.name
        assert set(graph.nodes) == set(graph.steps), f"{graph.name}: a step without a node"
        for node in graph.nodes.values():
            targets = [t for e in node.edges for t in e.to] + list(node.enter_to)
            for target in targets:
                if isinstance(target, Calls | Goes):
                    assert target.flow in GRAPHS, (graph.name, target)
                elif target not in (END, RETURN):
                    assert target in graph.nodes, (graph.name, target)
