"""Errors and diagnostics shared by every stage of the engine.

Owns: `Span` (a 1-based position in a source file), `Diagnostic` (one problem an author can fix),
`render_diagnostic` (the one text rendering used by the CLI, pytest output and the API),
`render_diagnostics` (several, each with its file's lines), and the exception family raised to callers.

May import: the standard library only. Every other engine module may import this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Severity = Literal["error", "warning"]

#: The stable refusal codes of DESIGN.md section 4. The API, the CLI and scenarios show the same code.
RefusalCode = Literal["stage", "role", "document", "guard", "date", "deadline", "facts"]
REFUSAL_CODES: tuple[str, ...] = ("stage", "role", "document", "guard", "date", "deadline", "facts")


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file. Lines and columns are 1-based; `end_*` is exclusive."""

    path: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def shifted(self, lines: int = 0, cols: int = 0) -> Span:
        """The span moved by `lines` and `cols` (used to map a guard's offsets into the YAML file)."""
        end_line = None if self.end_line is None else self.end_line + lines
        end_col = None if self.end_col is None else self.end_col + cols
        return Span(self.path, self.line + lines, self.col + cols, end_line, end_col)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a procedure, calendar, code table or scenario file."""

    code: str
    message: str
    span: Span | None = None
    expected: str | None = None
    hint: str | None = None
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.path, self.span.line, self.span.col, self.code)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.span is not None:
            out.update(path=self.span.path, line=self.span.line, col=self.span.col)
        if self.expected:
            out["expected"] = self.expected
        if self.hint:
            out["hint"] = self.hint
        return out


def render_diagnostic(diag: Diagnostic, source_lines: list[str] | None = None) -> str:
    """Render a diagnostic as `path:line:col: error CODE: message`, the source line, a caret,
    then `= expected:` and `= hint:` lines.

    >>> d = Diagnostic("E201", "action 'submit' goes to unknown stage 'reveiw'",
    ...                Span("p.yaml", 2, 9, 2, 15), expected="one of: review", hint="did you mean 'review'?")
    >>> print(render_diagnostic(d, ["actions:", "    to: reveiw"]))
    p.yaml:2:9: error E201: action 'submit' goes to unknown stage 'reveiw'
      |
    2 |     to: reveiw
      |         ^^^^^^
      = expected: one of: review
      = hint: did you mean 'review'?
    """
    where = f"{diag.span}: " if diag.span is not None else ""
    out = [f"{where}{diag.severity} {diag.code}: {diag.message}"]
    gutter = 1
    if diag.span is not None and source_lines and 1 <= diag.span.line <= len(source_lines):
        text = source_lines[diag.span.line - 1].rstrip("\n")
        num = str(diag.span.line)
        gutter = len(num)
        width = 1
        if diag.span.end_line == diag.span.line and diag.span.end_col and diag.span.end_col > diag.span.col:
            width = diag.span.end_col - diag.span.col
        # Columns count characters; the caret is placed by display width (a Chinese character takes
        # two cells in a terminal) so it stays under the offending text.
        before = text[: diag.span.col - 1]
        under = text[diag.span.col - 1 : diag.span.col - 1 + width] or " "
        caret = "".join("\t" if c == "\t" else " " * _cells(c) for c in before) + "^" * sum(
            map(_cells, under)
        )
        out += [f"{' ' * gutter} |", f"{num} | {text}", f"{' ' * gutter} | {caret}"]
    if diag.expected:
        out.append(f"{' ' * gutter} = expected: {diag.expected}")
    if diag.hint:
        out.append(f"{' ' * gutter} = hint: {diag.hint}")
    return "\n".join(out)


class _Lines(Protocol):
    @property
    def lines(self) -> Sequence[str]: ...


def render_diagnostics(diags: Iterable[Diagnostic], sources: Mapping[str, _Lines]) -> str:
    """Several diagnostics, each with the line it points at (from `sources`, the files read, by
    path), separated by a blank line."""
    out = []
    for d in diags:
        doc = sources.get(d.span.path) if d.span is not None else None
        out.append(render_diagnostic(d, list(doc.lines) if doc is not None else None))
    return "\n\n".join(out)


def _cells(char: str) -> int:
    """Terminal cells a character takes: 2 for wide (CJK) characters, else 1."""
    import unicodedata

    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


class ZhongcaiError(Exception):
    """Base of every error the engine raises on purpose."""


class ProcedureError(ZhongcaiError):
    """Base of errors caused by a procedure author."""


class ProcedureInvalid(ProcedureError, ValueError):
    """A procedure (or calendar, code table, scenario) file has one or more error diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = f"{len(errors)} error(s)"
        if first is not None:
            summary += f"; first: {first.span or ''} {first.code}: {first.message}"
        super().__init__(summary)


class UnknownProcedure(ProcedureError, LookupError):
    """A procedure id that no file under procedures/ declares."""


class GuardRuntimeError(ProcedureError):
    """A well-typed guard could not be evaluated on these facts (e.g. a missing date)."""


class CalendarError(ZhongcaiError, ValueError):
    """Base of calendar errors."""


class YearNotCovered(CalendarError):
    """A date computation needs a year no calendar covers (docs/law.md P5). Never guess."""

    def __init__(self, year: int, calendar: str, overlay_path: str) -> None:
        self.year = year
        self.calendar = calendar
        self.overlay_path = overlay_path
        super().__init__(
            f"日历 '{calendar}' 没有 {year} 年的节假日安排 (no holiday data for {year}): "
            f"add the State Council notice for {year} to {overlay_path}"
        )


@dataclass
class EventNotAllowed(ZhongcaiError):
    """An action was refused. Nothing was changed. `code` is one of REFUSAL_CODES."""

    code: str
    message: str
    case_id: int | None = None
    action: str | None = None
    stage: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        where = f"case {self.case_id} " if self.case_id is not None else ""
        stage = f"in '{self.stage}' " if self.stage else ""
        act = f"'{self.action}' refused" if self.action else "refused"
        return f"{where}{stage}{act} [{self.code}]: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "case_id": self.case_id,
            "action": self.action,
            "stage": self.stage,
            "details": self.details,
        }


#: the code of an action the case's procedure does not have (not a check's refusal: no check ran)
UNKNOWN_ACTION = "unknown_action"


class UnknownAction(EventNotAllowed):
    """The case's procedure has no action of that name: code `unknown_action`, details `actions` (the
    procedure's action ids). Nothing was changed. A subclass, so a caller that handles every refusal
    (the CLI, scenarios) still does; the API answers it 404 rather than a refusal's 422."""


class DocumentFailed(ZhongcaiError):
    """A generated document could not be rendered because its template is defective (a syntax error,
    a value the template misuses, a sandbox violation). The action was not recorded: nothing changed.
    Not the user's fault: the procedure author or administrator fixes the template file."""

    def __init__(self, document_id: str, title: str, template: str | None, detail: str) -> None:
        self.document_id = document_id
        self.title = title
        self.template = template
        self.detail = detail
        where = f"文书模板 {template}" if template else "文书模板"
        super().__init__(
            f"无法生成《{title}》，本次操作未登记 (document '{document_id}' could not be rendered; the action "
            f"was not recorded): {detail}; 请修改{where}后重试 (fix the template"
            f"{' ' + template if template else ''} under documents/, check it with `python cli.py documents check`, "
            "then fire the action again)"
        )


class CaseConflict(ZhongcaiError):
    """Someone else advanced the case first (optimistic concurrency). Reload and try again."""

    def __init__(self, case_id: int, expected_version: int | None, actual_version: int | None) -> None:
        self.case_id = case_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"案件 {case_id} 已被他人更新 (case {case_id} was changed by someone else: "
            f"expected version {expected_version}, found {actual_version}); reload the case and try again"
        )


class StoreInconsistent(ZhongcaiError):
    """The store contradicts itself for a case (e.g. a document on file that no event lists), so the
    action cannot be numbered; nothing was recorded. Not the user's fault and not a race: an
    administrator runs `zhongcai verify` and repairs the case."""

    def __init__(self, case_id: int, detail: str) -> None:
        self.case_id = case_id
        self.detail = detail
        super().__init__(
            f"案件 {case_id} 的存储记录不一致，本次操作未登记 (the stored records of case {case_id} contradict "
            f"each other; nothing was recorded): {detail}; 请管理员运行 `python cli.py verify` 检查并修复 "
            "(an administrator should run `python cli.py verify` and repair the case)"
        )


class CaseNotFound(ZhongcaiError, LookupError):
    """No case with that id or case number."""


class BadInput(ZhongcaiError, ValueError):
    """Input from a user (facts, dates, identifiers) that does not fit; the message says what to do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
