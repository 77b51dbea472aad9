"""The one code generator: Python source made from the plan, readable and debuggable.

The fast check, lint, the stand-in's answer builder and the rule
conditions are generated functions.  They are all written through `Source`:

- indentation in one place (``with source.block("if x:"):``);
- values bound by name, never pasted in: `Source.bind` gives a name in the
  function's namespace; `Source.literal` writes only ``str``, ``int``,
  ``bool`` and ``None`` as literals (``repr`` of anything else, a float
  ``inf`` say, is not Python) and binds the rest;
- the source registered with `linecache` under its own file name, so
  tracebacks show the generated line and ``inspect.getsource`` works.

``python -m validator.generated`` prints the source of every function
generated for the installed schemas.
"""

from __future__ import annotations

import contextlib
import itertools
import linecache
from typing import Any, Callable, Iterator

_SAFE = (str, int, bool, type(None))
_numbers = itertools.count(1)
#: Every source generated in this process, by file name (``python -m validator.codegen`` prints them).
GENERATED: dict[str, str] = {}


class Source:
    """The lines of one generated module and the values its code refers to by name."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self._depth = 0
        self._names = itertools.count()

    def line(self, text: str) -> None:
        """Add one line at the current indentation."""
        self.lines.append("    " * self._depth + text)

    @contextlib.contextmanager
    def block(self, head: str) -> Iterator[None]:
        """``head`` (ending in a colon), then the lines added inside the ``with``, indented."""
        self.line(head)
        self._depth += 1
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.line("pass")
            self._depth -= 1

    def bind(self, value: Any, hint: str = "value") -> str:
        """A name in the generated code's namespace holding `value`."""
        name = f"_{hint}_{next(self._names)}"
        self.namespace[name] = value
        return name

    def literal(self, value: Any) -> str:
        """`value` as Python source: a literal for str, int, bool and None (exactly); a bound name otherwise."""
        if value.__class__ in _SAFE:
            return repr(value)
        return self.bind(value)

    def variable(self, hint: str = "v") -> str:
        """A fresh local variable name."""
        return f"{hint}_{next(self._names)}"  # never a parameter's name (v0): those have no underscore

    def build(self) -> dict[str, Any]:
        """Compile and run the source; its namespace (the functions it defines, and the bound values)."""
        text = "\n".join(self.lines) + "\n"
        filename = f"<generated {next(_numbers)}: {self.label}>"
        # Registered so that tracebacks and inspect.getsource show the generated code.
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        GENERATED[filename] = text
        namespace = dict(self.namespace)
        exec(compile(text, filename, "exec"), namespace)
        return namespace

    def function(self, name: str) -> Callable[..., Any]:
        """`build`, then the function called `name` it defines."""
        made: Callable[..., Any] = self.build()[name]
        return made
