"""The one error type of the project, and the collector that gathers them.

Every problem an editor can cause is a :class:`ContentError` that knows the file,
line and column it came from (taken from YAML node marks or Markdown line
numbers), the record and field, what is wrong and how to fix it. Validation
collects all of them (:class:`Problems`) so an editor sees every mistake of a
run at once, sorted by place, instead of fixing one per build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based (0 = unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


@dataclass(frozen=True)
class ContentError(Exception):
    """A problem in content or data, reported as
    ``path:line:col: record: field: message — fix``."""

    loc: Location
    message: str
    fix: str = ""
    record: str = ""
    field: str = ""
    warning: bool = False

    def __str__(self) -> str:
        parts = [str(self.loc)]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + ": " + self.message
        if self.fix:
            text += " — " + self.fix
        return text

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.loc.path, self.loc.line, self.loc.col, self.message)

    def __reduce__(self) -> tuple[type[ContentError], tuple[object, ...]]:
        # Pickled by its fields: a forked worker hands its errors back
        # (search.start), and Exception's own pickling sets the fields one
        # by one after __init__, which a frozen dataclass refuses.
        return (type(self), (self.loc, self.message, self.fix, self.record, self.field, self.warning))


class BuildFailed(Exception):
    """Raised once, at the end of a stage, carrying every error found."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(errors, key=lambda e: e.sort_key)
        super().__init__(self.report())

    def report(self, outcome: str = "网站未更新") -> str:
        """Every error, one a line, then their count and ``outcome``: what
        was not done (`check` updates nothing, so says what to do)."""
        count = len(self.errors)
        lines = [str(e) for e in self.errors]
        lines.append(f"发现 {count} 处错误，{outcome}。")
        return "\n".join(lines)


@dataclass
class Problems:
    """Collects errors and warnings of one run."""

    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)

    def error(
        self,
        loc: Location,
        message: str,
        fix: str = "",
        *,
        record: str = "",
        field: str = "",
    ) -> None:
        self.errors.append(ContentError(loc, message, fix, record, field))

    def warn(
        self,
        loc: Location,
        message: str,
        fix: str = "",
        *,
        record: str = "",
        field: str = "",
    ) -> None:
        self.warnings.append(ContentError(loc, message, fix, record, field, warning=True))

    def add(self, err: ContentError) -> None:
        (self.warnings if err.warning else self.errors).append(err)

    def extend(self, other: Problems) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors)

    def sorted_warnings(self) -> list[ContentError]:
        return sorted(self.warnings, key=lambda e: e.sort_key)


def display_path(path: Path, root: Path) -> str:
    """The path as an editor would type it: relative to the project root."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
