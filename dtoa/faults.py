"""What a log may keep of an unexpected error.

The types along the exception chain, the database's error code (SQLSTATE) and the code's
frames: enough to find the fault, and never the message, because a database's message can hold
the statement's values (a name, a person reference, a birth date) and so can an exception
raised on a row's value.
"""

from __future__ import annotations

import traceback

FRAMES_KEPT = 20


def describe(exc: BaseException) -> dict:
    """What the log may keep of an unexpected error: the types along the exception chain, the
    database's error code, and the code's frames. Never a message (see the module docstring)."""
    chain, seen = [], exc
    while seen is not None and len(chain) < 5:
        chain.append(f"{type(seen).__module__}.{type(seen).__qualname__}")
        seen = seen.__cause__ or seen.__context__
    original = getattr(exc, "orig", None)
    frames = [f"{frame.filename}:{frame.lineno} in {frame.name}"
              for frame in traceback.extract_tb(exc.__traceback__)][-FRAMES_KEPT:]
    return {"error_types": chain, "sqlstate": getattr(original, "sqlstate", None),
            "frames": frames}
