"""Reading a CSV table whatever its delimiter and encoding, keeping every row's line number.

Real tables come from spreadsheets: semicolons in French or German locales, cp1252 from Excel on
Windows, a byte-order mark, duplicate or empty column names. The reader detects what it can and,
when it cannot decide, says exactly what it tried so that the user can give ``--encoding`` or
``--delimiter``. Rows whose number of fields does not match the header are not guessed at: they
are handed back as malformed, to be rejected with their line number.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
DELIMITERS = (",", ";", "\t", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SAMPLE = 64 * 1024


@dataclass
class Row:
    """One data row: the line where it starts in the file, and its values by column name."""

    line: int
    values: dict[str, str]
    raw: list[str]
    problem: str | None = None  # set when the row cannot be read as a record of the header


@dataclass
class Table:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[Row] = field(default_factory=list)


def _name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        delimiter, repr(delimiter)
    )


def _mostly_utf8(raw: bytes) -> bool:
    """Whether the bytes hold well-formed UTF-8 sequences of accented letters (a file written
    in UTF-8) and only a few bytes that are not UTF-8."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good > 0 and bad <= max(2, good // 10)


def decode(raw: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The text of the file and the encoding that read it.

    Without a given encoding, try utf-8 (utf-8-sig when the file starts with a byte-order mark),
    cp1252 then latin-1; a candidate that yields control characters is taken for a wrong guess
    (latin-1 decodes any byte, so this is what lets a UTF-16 or binary file fail clearly).
    """
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise UsageError(f"--encoding {encoding!r}: unknown encoding") from None
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{path}: cannot be read as {encoding} (byte 0x{raw[exc.start]:02x} at offset "
                f"{exc.start})",
                hint="give another --encoding, or leave it out to let the importer detect it",
            ) from None
    tried = []
    has_bom = raw.startswith(b"\xef\xbb\xbf")
    for candidate in ENCODINGS:
        if (candidate == "utf-8" and has_bom) or (candidate == "utf-8-sig" and not has_bom):
            continue  # a byte-order mark is utf-8-sig; without one utf-8-sig is utf-8 again
        try:
            text = raw.decode(candidate)
        except UnicodeDecodeError as exc:
            if candidate.startswith("utf-8") and _mostly_utf8(raw):
                # UTF-8 text with a stray byte of another encoding: read as cp1252, every
                # accented name of the file would turn into mojibake ("GenÃ¨ve")
                line = raw.count(b"\n", 0, exc.start) + 1
                raise UsageError(
                    f"{path}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8, in a file "
                    "otherwise written in UTF-8",
                    hint="fix that line's character (saved in another encoding), or give "
                    "--encoding if the whole file is in one",
                ) from None
            tried.append(f"{candidate} (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start})")
            continue
        control = _CONTROL.search(text)
        if control:
            tried.append(
                f"{candidate} (control character U+{ord(control.group()):04X} at offset "
                f"{control.start()})"
            )
            continue
        return text, candidate
    raise UsageError(
        f"{path}: cannot determine the encoding; tried {', '.join(tried)}",
        hint="is it a CSV text file? give --encoding (e.g. utf-16) if you know it",
    )


def sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter: csv.Sniffer first, then the one that splits the first lines consistently."""
    sample = text[:_SAMPLE]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    lines = sample.splitlines()[:20]
    best, best_width = None, 1
    for candidate in DELIMITERS:
        widths = {len(r) for r in csv.reader(lines, delimiter=candidate)}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = candidate, width
    if best is None:
        raise UsageError(
            f"{path}: cannot determine the delimiter; tried "
            f"{', '.join(_name(d) for d in DELIMITERS)} (csv.Sniffer and consistent field counts "
            "on the first lines)",
            hint="give --delimiter (e.g. --delimiter ';')",
        )
    return best


def unique_header(names: list[str]) -> list[str]:
    """Column names a mapping can refer to: trimmed, duplicates numbered, empty ones named.

    Spreadsheet exports repeat names ("Date" twice) and leave some empty; the second "Date"
    becomes "Date (2)" and an empty name in position 27 becomes "column 27".
    """
    seen: dict[str, int] = {}
    result = []
    for position, name in enumerate(names, 1):
        name = name.strip().lstrip("\ufeff") or f"column {position}"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Read the whole table; malformed rows are kept with their problem, never dropped."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such table", hint="check the TABLE path") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a table") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
    text, used = decode(raw, path, encoding)
    if not text.strip():
        raise UsageError(f"{path}: the table is empty (no header, no rows)")
    if delimiter is not None and len(delimiter) != 1:
        raise UsageError(f"--delimiter must be one character, not {delimiter!r}")
    used_delimiter = delimiter or sniff_delimiter(text, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=used_delimiter)
    try:
        header = unique_header(next(reader))
    except csv.Error as exc:
        raise UsageError(f"{path}:1: cannot read the header ({exc})") from None
    table = Table(path, used, used_delimiter, header)
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.rows.append(Row(start, {}, [], problem=f"unreadable CSV ({exc})"))
            start = reader.line_num + 1
            continue
        if not fields or all(not f.strip() for f in fields):
            start = reader.line_num + 1
            continue  # a blank line is not a row
        problem = None
        if len(fields) != len(header):
            problem = f"has {len(fields)} fields where the header has {len(header)}"
        values = dict(zip(header, fields, strict=False)) if problem is None else {}
        table.rows.append(Row(start, values, fields, problem))
        start = reader.line_num + 1
    if not table.rows:
        raise UsageError(f"{path}: the table has a header but no rows")
    return table
