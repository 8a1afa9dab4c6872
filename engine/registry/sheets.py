"""Reading the spreadsheets regions keep their registers in: CSV (UTF-8, with or without BOM, or GB18030)
and XLSX, into rows of text keyed by the Chinese column headers.

Owns: `Sheet` (a name, the header row and the data rows with their row numbers), `read_sheets(path)`,
`SheetError`. Budgets: a file of at most `MAX_BYTES`, an XLSX whose parts unpack to at most
`MAX_UNPACKED` bytes (a zip bomb is refused before it is opened), at most `MAX_ROWS` data rows per sheet
and `MAX_CELL` characters per cell. Row numbers are the spreadsheet's own (the header is row 1).
May import: engine.errors, openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import BadInput

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL = 500


class SheetError(BadInput):
    """A file that cannot be read as a register spreadsheet (nothing of it is written)."""


@dataclass
class Sheet:
    """One sheet: its name (the file name for a CSV), headers, and (row number, {header: text}) rows."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet(name: str, records: list[list[object]], first_row: int = 1) -> Sheet:
    if not records:
        raise SheetError(f"{name}: 没有表头行 (no header row)")
    headers = [_cell(h) for h in records[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise SheetError(f"{name}: 第 {first_row} 行应为表头 (row {first_row} must be the header row)")
    seen = set()
    for h in headers:
        if h and h in seen:
            raise SheetError(f"{name}: 表头“{h}”重复 (duplicate column header)")
        seen.add(h)
    sheet = Sheet(name, headers)
    for offset, record in enumerate(records[1:], start=first_row + 1):
        cells = [_cell(v) for v in record]
        if not any(cells):
            continue  # blank rows are skipped, keeping the numbering
        if len(sheet.rows) >= MAX_ROWS:
            raise SheetError(
                f"{name}: 超过 {MAX_ROWS} 行，请分批导入 (more than {MAX_ROWS} rows: split the file)"
            )
        for i, text in enumerate(cells):
            if len(text) > MAX_CELL:
                column = headers[i] if i < len(headers) else f"第 {i + 1} 列"
                raise SheetError(f"{name} 第 {offset} 行“{column}”: 超过 {MAX_CELL} 个字 (cell too long)")
        extra = [t for t in cells[len(headers) :] if t]
        if extra:
            raise SheetError(f"{name} 第 {offset} 行: 有没有表头的列 (cells beyond the last header)")
        sheet.rows.append(
            (offset, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h})
        )
    return sheet


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{path.name}: 不是 UTF-8 或 GB18030 编码的 CSV (not UTF-8 or GB18030 text)")


def _read_csv(data: bytes, path: Path) -> list[Sheet]:
    text = _decode(data, path)
    try:
        records: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise SheetError(f"{path.name}: CSV 格式有误 (malformed CSV): {exc}") from None
    return [_sheet(path.stem, records)]


def _read_xlsx(data: bytes, path: Path) -> list[Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise SheetError(f"{path.name}: 不是有效的 XLSX 文件 (not an XLSX file)") from None
    if unpacked > MAX_UNPACKED:
        raise SheetError(f"{path.name}: 解压后超过 {MAX_UNPACKED // 2**20} MB，拒绝读取 (unpacks too large)")
    import openpyxl  # imported here: only an XLSX import needs it, and it takes 0.3 s to load

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SheetError(
            f"{path.name}: 无法读取 XLSX (cannot read the workbook): {type(exc).__name__}"
        ) from None
    sheets = []
    try:
        for ws in book.worksheets:
            records: list[list[object]] = []
            for values in ws.iter_rows(values_only=True):
                records.append(list(values))
                if len(records) > MAX_ROWS + 1:
                    raise SheetError(
                        f"{ws.title}: 超过 {MAX_ROWS} 行，请分批导入 (more than {MAX_ROWS} rows)"
                    )
            if any(any(_cell(v) for v in r) for r in records):
                sheets.append(_sheet(ws.title, records))
    finally:
        book.close()
    return sheets


def read_sheets(path: Path) -> list[Sheet]:
    """The sheets of a CSV or XLSX file (by its suffix). Raises SheetError."""
    try:
        size = path.stat().st_size
    except OSError:
        raise SheetError(f"{path}: 文件不存在或无法读取 (cannot read the file)") from None
    if size > MAX_BYTES:
        raise SheetError(f"{path.name}: 超过 {MAX_BYTES // 2**20} MB (file too large)")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(data, path)
    if suffix == ".xlsx":
        return _read_xlsx(data, path)
    raise SheetError(f"{path.name}: 只能导入 .csv 或 .xlsx 文件 (only .csv and .xlsx files)")
