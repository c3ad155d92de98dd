"""One call as the walker evaluated it, and the shape of a sink handler."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from pycustoms.analyzers.code.ast_model import EMPTY, Labels
from pycustoms.analyzers.code.ast_state import WalkState


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call to a resolved name, with the labels of its parts evaluated once."""

    node: ast.Call
    name: str
    args: list[Labels]
    kwargs: dict[str | None, Labels]
    data: Labels  # all arguments together
    recv: Labels  # the receiver of a method call, or the callee expression

    @property
    def first(self) -> Labels:
        """The labels of the first positional argument."""
        return self.args[0] if self.args else EMPTY


# A handler judges a call to one of the names it is registered for: the labels of the
# call's value, or None when the name says nothing here (the walker then propagates).
Handler = Callable[[WalkState, CallSite], Labels | None]
