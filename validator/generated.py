"""``python -m validator.generated``: print the source of every function generated for the installed schemas.

The checks, lint, the conditions and the stand-in's answer builder are
Python written by `validator.codegen` from the plan; each is also in
`linecache`, so tracebacks and ``inspect.getsource`` show it.  This prints
them all, in the order they were made.
"""

from __future__ import annotations

import validator

from . import answer, codegen


def main() -> None:
    validator.params.is_valid({})
    validator.response.is_valid({})
    validator.lint({})
    answer.build({})
    for filename, text in codegen.GENERATED.items():
        print(f"# {filename}\n{text}")


if __name__ == "__main__":
    main()
