"""The exception tree of htkg. No HTTP here: ``htkg.web.errors`` maps these to responses.

::

    HtkgError                      anything htkg raises on purpose
    ├── ConfigError                a setting has a bad value (names the setting)
    ├── DataError                  a curated file is malformed (file, line, column)
    ├── ValidationFailed           the data do not conform to the shapes (carries the report)
    ├── QueryError                 a SPARQL query is refused or malformed
    │   ├── QuerySyntaxError       does not parse (line, column, offending text)
    │   ├── QueryRefused           parses, but is not allowed here (update, SERVICE, remote FROM)
    │   ├── QueryTimeout           ran past its time limit and was stopped
    │   ├── QueryTooBusy           too many queries at once
    │   └── QueryParameterError    a named query's parameter is missing or malformed (names it)
    ├── ReleaseError               a release directory is missing, incomplete or unreadable
    └── StoreError                 the store failed or could not be reached
        └── StoreUnavailable       the store is down (try again later)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HtkgError",
    "ConfigError",
    "DataError",
    "ValidationFailed",
    "QueryError",
    "QuerySyntaxError",
    "QueryRefused",
    "QueryTimeout",
    "QueryTooBusy",
    "QueryParameterError",
    "ReleaseError",
    "StoreError",
    "StoreUnavailable",
    "Position",
]


@dataclass(frozen=True)
class Position:
    """Where in a file or query text something is (1-based line and column)."""

    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return ""
        return f"{self.line}:{self.column}" if self.column is not None else f"{self.line}"


class HtkgError(Exception):
    """Base class; ``str()`` is a complete message for a person."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(HtkgError):
    def __init__(self, setting: str, message: str, *, hint: str | None = None):
        super().__init__(f"setting {setting}: {message}", hint=hint)
        self.setting = setting


class DataError(HtkgError):
    """A curated file is malformed. ``str()`` starts with ``file:line:column``."""

    def __init__(self, path: Path | str, message: str, line: int | None = None,
                 column: int | None = None, *, hint: str | None = None):
        self.path = Path(path)
        self.position = Position(line, column)
        where = f"{path}:{self.position}" if self.position.line else f"{path}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.detail = message


class ValidationFailed(HtkgError):
    def __init__(self, report):  # report: htkg.compiler.validate.ValidationReport
        self.report = report
        super().__init__(f"the data do not conform to the shapes ({len(report.violations)} violations)",
                         hint="run `htkg validate` for the full report")


class QueryError(HtkgError):
    """A query cannot be answered because of the query itself (a 4xx)."""

    status = 400


class QuerySyntaxError(QueryError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 snippet: str | None = None):
        self.position = Position(line, column)
        self.snippet = snippet
        where = f"line {line}, column {column}: " if line else ""
        text = f"SPARQL syntax error at {where}{message}"
        if snippet:
            text += f"\n  near: {snippet}"
        super().__init__(text, hint="check the query at that position")
        self.detail = message


class QueryRefused(QueryError):
    status = 400

    def __init__(self, message: str, *, hint: str | None = None, status: int = 400):
        super().__init__(message, hint=hint)
        self.status = status


class QueryTimeout(QueryError):
    status = 503

    def __init__(self, seconds: float, where: str | None = None):
        self.seconds = seconds
        super().__init__(f"the query ran past the time limit of {seconds:g} s and was stopped"
                         + (f" ({where})" if where else ""),
                         hint="make the query more selective (LIMIT, tighter patterns)")


class QueryTooBusy(QueryError):
    status = 503

    def __init__(self, limit: int):
        super().__init__(f"too many queries are running (limit {limit}); try again shortly")


class QueryParameterError(QueryError):
    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        self.detail = message          # the message without the parameter's name, for a page that names it
        super().__init__(f"parameter {parameter!r}: {message}")


class ReleaseError(HtkgError):
    pass


class StoreError(HtkgError):
    pass


class StoreUnavailable(StoreError):
    pass
