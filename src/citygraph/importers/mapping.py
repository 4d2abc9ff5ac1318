"""The mapping file: which column of a table holds which fact, and how to cite the table.

A mapping is declarative (YAML or TOML) so that a curator can read it beside the table and review
it. Every mistake in it (an unknown key, a column the table does not have, a missing citation) is
reported before any row is read, in one line that names the file, the key and what to do; so a
typo never turns into thousands of silently empty values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

# What each row of the table stands for.
KINDS = ("memberships", "organizations")

# The columns a mapping may name, by kind of table; the required ones are checked.
MEMBERSHIP_COLUMNS = (
    "name",
    "country",
    "latitude",
    "longitude",
    "population",
    "kind",
    "identifier",
    "network_name",
    "network_acronym",
    "network_code",
    "role",
    "joined",
)
ORGANIZATION_COLUMNS = ("name", "acronym", "code", "founded", "url")
REQUIRED_COLUMNS = {"memberships": ("name", "country"), "organizations": ("name",)}

# What an actor of the table becomes in the graph (docs/model.md classes).
ACTOR_KINDS = ("city", "network", "reject")

TOP_KEYS = ("kind", "source", "table", "columns", "kinds", "default_kind", "roles", "countries")
SOURCE_KEYS = ("slug", "title", "url", "language", "issued", "creator", "note")
TABLE_KEYS = ("delimiter", "encoding", "na")
ROLES_KEYS = ("values", "default", "labels")

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_NA = ("NA", "N/A", "n/a", "#N/A", "")


@dataclass
class Source:
    """The citation block: becomes the source resource ``id:source/<slug>`` of the import."""

    slug: str
    title: str
    url: str | None = None
    language: str = "en"
    issued: str | None = None
    creator: str | None = None
    note: str | None = None


@dataclass
class Mapping:
    """A validated mapping. ``columns`` maps our field names to the table's column names."""

    path: Path
    kind: str
    source: Source
    columns: dict[str, str]
    delimiter: str | None = None
    encoding: str | None = None
    na: tuple[str, ...] = DEFAULT_NA
    kinds: dict[str, str] = field(default_factory=dict)
    default_kind: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    default_role: str = "member"
    role_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str | None:
        return self.columns.get(name)

    def check_columns(self, header: list[str], table: str) -> None:
        """Every column the mapping names must be in the table; say which the table has."""
        for key, column in self.columns.items():
            if column not in header:
                raise UsageError(
                    f"{self.path}: columns.{key} names the column {column!r}, which {table} does "
                    f"not have; its columns are: {', '.join(repr(h) for h in header)}",
                    hint="fix the column name in the mapping (names are case- and space-sensitive)",
                )


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (``.yaml``/``.yml`` or ``.toml``)."""
    raw = _read(Path(path))
    return _build(Path(path), raw)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such mapping file", hint="check the --mapping path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the mapping file ({exc})") from None
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: malformed TOML: {exc}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise UsageError(f"{path}{where}: malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{path}: a mapping file must be a set of keys (kind, source, table, columns...), "
            f"not {type(data).__name__}",
            hint="see examples/README.md for the layout",
        )
    return data


def _check_keys(path: Path, where: str, data: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UsageError(f"{path}: {where} must be a set of keys, not {type(data).__name__}")
    for key in data:
        if key not in allowed:
            raise UsageError(
                f"{path}: unknown key {key!r} in {where}; known keys: {', '.join(allowed)}",
                hint="fix the spelling or remove the key",
            )
    return data


def _text(path: Path, where: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"{path}: {where} must be text, not {type(value).__name__}")
    return str(value)


def _build(path: Path, raw: dict[str, Any]) -> Mapping:
    _check_keys(path, "the mapping (top level)", raw, TOP_KEYS)
    kind = raw.get("kind", "memberships")
    if kind not in KINDS:
        raise UsageError(f"{path}: kind must be one of {', '.join(KINDS)}, not {kind!r}")

    if "source" not in raw:
        raise UsageError(
            f"{path}: missing the source block (slug, title, url, language) that cites the table",
            hint="every import is a claim of a source: say which",
        )
    src = _check_keys(path, "source", raw["source"], SOURCE_KEYS)
    for required in ("slug", "title"):
        if required not in src:
            raise UsageError(f"{path}: source.{required} is missing")
    slug = _text(path, "source.slug", src["slug"])
    if not SLUG.match(slug):
        raise UsageError(
            f"{path}: source.slug {slug!r} is not a slug (lowercase ASCII words joined by hyphens)"
        )
    language = _text(path, "source.language", src.get("language", "en"))
    if not re.fullmatch(r"[a-z]{2}", language):
        raise UsageError(f"{path}: source.language must be a two-letter code such as 'en'")
    source = Source(
        slug=slug,
        title=_text(path, "source.title", src["title"]),
        url=_text(path, "source.url", src["url"]) if "url" in src else None,
        language=language,
        issued=_text(path, "source.issued", src["issued"]) if "issued" in src else None,
        creator=_text(path, "source.creator", src["creator"]) if "creator" in src else None,
        note=_text(path, "source.note", src["note"]) if "note" in src else None,
    )
    if source.url and not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", source.url):
        raise UsageError(f"{path}: source.url {source.url!r} is not a web address (http(s)://...)")
    if source.issued and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", source.issued):
        raise UsageError(
            f"{path}: source.issued must be a year, year-month or date (2021, 2021-05)"
        )

    table = _check_keys(path, "table", raw.get("table", {}), TABLE_KEYS)
    delimiter = table.get("delimiter")
    if delimiter is not None:
        delimiter = _text(path, "table.delimiter", delimiter)
        delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
        if len(delimiter) != 1:
            raise UsageError(f"{path}: table.delimiter must be one character, not {delimiter!r}")
    na = table.get("na", list(DEFAULT_NA))
    if not isinstance(na, list):
        raise UsageError(f"{path}: table.na must be a list of markers such as [NA, '']")

    allowed_columns = MEMBERSHIP_COLUMNS if kind == "memberships" else ORGANIZATION_COLUMNS
    if "columns" not in raw:
        raise UsageError(f"{path}: missing the columns block (which column holds which fact)")
    columns = _check_keys(path, "columns", raw["columns"], allowed_columns)
    columns = {k: _text(path, f"columns.{k}", v) for k, v in columns.items()}
    for required in REQUIRED_COLUMNS[kind]:
        if required not in columns:
            raise UsageError(f"{path}: columns.{required} is required for a table of {kind}")
    if kind == "memberships" and not any(
        k in columns for k in ("network_name", "network_acronym", "network_code")
    ):
        raise UsageError(
            f"{path}: a table of memberships needs columns.network_name, network_acronym or "
            "network_code (which network each row is a membership of)"
        )

    kinds = raw.get("kinds", {})
    if not isinstance(kinds, dict):
        raise UsageError(f"{path}: kinds must map the table's values to one of {ACTOR_KINDS}")
    kinds = {str(k): str(v) for k, v in kinds.items()}
    for value, actor in kinds.items():
        if actor not in ACTOR_KINDS:
            raise UsageError(
                f"{path}: kinds.{value} is {actor!r}; use one of {', '.join(ACTOR_KINDS)}"
            )
    default_kind = raw.get("default_kind")
    if default_kind is not None and default_kind not in ACTOR_KINDS:
        raise UsageError(f"{path}: default_kind must be one of {', '.join(ACTOR_KINDS)}")
    if kind == "memberships" and "kind" not in columns and default_kind is None:
        default_kind = "city"

    roles = _check_keys(path, "roles", raw.get("roles", {}), ROLES_KEYS)
    role_values = {str(k): str(v) for k, v in (roles.get("values") or {}).items()}
    default_role = str(roles.get("default", "member"))
    labels = roles.get("labels") or {}
    for slug_ in [*role_values.values(), default_role, *labels]:
        if not SLUG.match(slug_):
            raise UsageError(f"{path}: role {slug_!r} is not a slug (id:role/<slug>)")
    for slug_, names in labels.items():
        if not isinstance(names, dict) or set(names) != {"fr", "en"}:
            raise UsageError(
                f"{path}: roles.labels.{slug_} needs exactly an 'fr' and an 'en' label"
            )

    countries = raw.get("countries", {})
    if not isinstance(countries, dict):
        raise UsageError(f"{path}: countries must map table codes to ISO codes (UK: GB)")

    return Mapping(
        path=path,
        kind=kind,
        source=source,
        columns=columns,
        delimiter=delimiter,
        encoding=_text(path, "table.encoding", table["encoding"]) if "encoding" in table else None,
        na=tuple(str(v) for v in na),
        kinds=kinds,
        default_kind=default_kind,
        roles=role_values,
        default_role=default_role,
        role_labels={k: {"fr": str(v["fr"]), "en": str(v["en"])} for k, v in labels.items()},
        countries={str(k): str(v) for k, v in countries.items()},
    )
