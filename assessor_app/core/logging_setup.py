"""Logging that can never hold a person's name or answers.

Log calls name records by id only; that is a rule for callers. Exceptions are the risk: their
messages can echo what was typed (an NHS number, a date, an answer). So tracebacks are written
as frames (file, line, function) and exception class names only, never the message text.
The log lives in `<data dir>/logs/assessor.log`, rotated, owner-only.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path
from types import TracebackType

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class RedactingFormatter(logging.Formatter):
    """A formatter whose tracebacks omit exception messages."""

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - overrides logging's API
        """Frames and exception classes of the whole chain, without messages."""
        _, exc, _ = ei
        lines: list[str] = []
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            lines.append(f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld)")
            for frame in traceback.extract_tb(exc.__traceback__):
                lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
            exc = exc.__cause__ or exc.__context__
        return "\n".join(lines)


def configure_logging(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the app's logs to a rotating, owner-only file under the data dir; return its path."""
    folder = data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "assessor.log"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    root = logging.getLogger("assessor")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    return path
