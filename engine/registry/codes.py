"""The code tables the register checks its values against, and the names it shows for them.

Owns: `register_codes()` (the loaded code tables under codes/), `check_code` (a BadInput naming the
field and the row when a value is not a known code), `code_name`, and the register's fixed vocabularies
(`KINDS`, `POSTS`, `PHONE`).
May import: engine.errors, engine.codes.code_tables.
"""

from __future__ import annotations

import datetime as dt
import re

from engine.codes.code_tables import CodeTables, default_codes_dir
from engine.errors import BadInput

#: kind of institution: 仲裁委员会, its 仲裁院 (办事机构, 调解仲裁法第十九条), a mediation organisation
KINDS = {"commission": "仲裁委员会", "office": "仲裁院", "mediation": "调解组织"}
#: a phone number as the register keeps it (an office line or a mobile)
PHONE = re.compile(r"^[0-9+()\- ]{3,40}$")
#: the posts of code table staff_posts, in roster order
POSTS = ("arbitrator", "director", "clerk", "mediator")


def register_codes() -> CodeTables:
    """The code tables under codes/ (cached by content in engine.codes.code_tables)."""
    return CodeTables.load(default_codes_dir())


def check_code(table: str, value: object, field: str, on: dt.date | None = None) -> str:
    """`value` as a code of `table`, or BadInput naming `field` with the table's own message."""
    problem = register_codes().validate(table, value, on)
    if problem is not None:
        raise BadInput(f"{field}: {problem}", field=field)
    return str(value).strip()


def code_name(table: str, code: str | None) -> str | None:
    """The name of a code (None for None; the code itself when unknown)."""
    if code is None:
        return None
    entry = register_codes().get(table, code)
    return entry.name if entry is not None else code
