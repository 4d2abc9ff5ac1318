"""A self-contained HTML report of the networks: figures drawn with matplotlib, inlined as SVG.

``citygraph report -o DIR`` writes ``DIR/index.html`` (no scripts, styles or images fetched from
anywhere: open it offline). It holds

1. the membership network: cities in a column on the left, organizations on the right (an
   organization that is itself a member, like CUF in UCLG, stays on the right and its membership
   is drawn as an arc), colours by kind, solid lines for members, thick for founding members,
   dashed for parties to a charter; cities are ordered by the mean position of their
   organizations so that lines cross as little as a simple heuristic allows;
2. the overlap heatmap of organizations (shared members, the diagonal is each one's size);
3. a timeline: each organization's life from founding to dissolution, charters signed, mergers
   and successions drawn from predecessor to successor;
4. the centrality table and the summary.

On a large graph the drawings keep the :data:`MAX_DRAWN` best-connected nodes and say so.
The SVG is deterministic (fixed hash salt, no date), so the same graph gives the same file.
"""

from __future__ import annotations

import difflib
import html
import io
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import measures
from .analysis.dates import PartialDate
from .analysis.facts import Facts
from .analysis.sparse import Incidence
from .analysis.views import membership_graph
from .atomic import staged_folder

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_DRAWN = 40
KIND_COLOURS = {
    "city": "#1f77b4",
    "network": "#d62728",
    "charter": "#2ca02c",
    "unit": "#9467bd",
    "international-body": "#8c564b",
    "programme": "#e377c2",
    "forum": "#bcbd22",
    "organization": "#7f7f7f",
    "unknown": "#c7c7c7",
}


def short_label(facts: Facts, node: str, width: int = 26) -> str:
    """A label that fits a figure: the label if short, else its acronym, else the label wrapped."""
    entity = facts.entities.get(node)
    if entity is None:
        return node
    if len(entity.label) <= width:
        return entity.label
    acronyms = [n for n in entity.names if re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", n)]
    if acronyms:
        initials = "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", entity.label))
        return max(acronyms, key=lambda a: (difflib.SequenceMatcher(None, a, initials).ratio(), a))
    return "\n".join(textwrap.wrap(entity.label, width, break_on_hyphens=False))


def _matplotlib():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "citygraph"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, selectable
    matplotlib.rcParams["font.size"] = 10
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


# --- 1. membership network -------------------------------------------------------------------


def membership_figure(facts: Facts, max_drawn: int = MAX_DRAWN) -> tuple[Figure, str]:
    """Cities left, organizations right; returns the figure and a note on what was left out."""
    plt = _matplotlib()
    # the best-connected nodes, ranked on the incidence matrix: only they become a graph (the
    # whole view of a million memberships took 10 s to build for a figure of 40 nodes)
    incidence = Incidence.from_facts(facts)
    degree = dict.fromkeys(incidence.nodes(), 0)
    for names, sizes in (
        (incidence.actors, incidence.sizes("actors")),
        (incidence.orgs, incidence.sizes("organizations")),
    ):
        for name, size in zip(names, sizes.tolist(), strict=True):
            degree[name] += size
    note = ""
    if len(degree) > max_drawn:
        ranked = sorted(degree, key=lambda n: (-degree[n], n))[:max_drawn]
        note = f"showing the {max_drawn} best-connected of {len(degree)} nodes"
        graph = membership_graph(facts, only=set(ranked))
    else:
        graph = membership_graph(facts)
    orgs = sorted(
        {n for n in graph if graph.in_degree(n) > 0 or facts.kind(n) != "city"},
        key=lambda n: (-graph.in_degree(n), facts.label(n).casefold()),
    )
    cities = [n for n in graph if n not in set(orgs)]
    org_y = {n: i for i, n in enumerate(orgs)}
    span = max(len(orgs), len(cities), 2) - 1

    def mean_position(city: str) -> float:
        ys = [org_y[o] for o in graph.successors(city) if o in org_y]
        return sum(ys) / len(ys) if ys else 0.0

    cities.sort(key=lambda c: (mean_position(c), facts.label(c)))
    scale_o = span / max(len(orgs) - 1, 1)
    scale_c = span / max(len(cities) - 1, 1)
    pos = {n: (1.0, span - i * scale_o) for i, n in enumerate(orgs)}
    pos.update({n: (0.0, span - i * scale_c) for i, n in enumerate(cities)})

    height = max(6.0, 0.42 * (span + 1))
    figure, ax = plt.subplots(figsize=(11, height))
    for a, b, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        role = data["role"]
        style = dict(color="#555555", linewidth=0.9, alpha=0.7, linestyle="-")
        if role == "founding-member":
            style.update(linewidth=2.2, color="#333333")
        elif role == "party":
            style.update(linestyle="--", color=KIND_COLOURS["charter"], linewidth=1.4)
        if x1 == x2:  # organization member of organization: an arc on the right
            from matplotlib.patches import FancyArrowPatch

            arc = FancyArrowPatch(
                (x1 + 0.01, y1),
                (x2 + 0.01, y2),
                connectionstyle="arc3,rad=-0.35",
                arrowstyle="-|>",
                mutation_scale=12,
                **style,
            )
            ax.add_patch(arc)
        else:
            ax.plot([x1, x2], [y1, y2], zorder=1, **style)
    for node, (x, y) in pos.items():
        kind = facts.kind(node)
        ax.scatter(
            [x],
            [y],
            s=60 + 30 * graph.degree(node),
            color=KIND_COLOURS.get(kind),
            zorder=3,
            edgecolors="white",
            linewidths=0.8,
        )
        text = short_label(facts, node, 48) if x else facts.label(node)
        if x == 0:
            ax.text(
                x - 0.04,
                y,
                f"{text} ({graph.out_degree(node)})",
                ha="right",
                va="center",
                fontsize=10,
            )
        else:
            count = (
                str(graph.in_degree(node))
                if graph.in_degree(node)
                else (f"member of {graph.out_degree(node)}")
            )
            ax.text(x + 0.12, y, f"{text} ({count})", ha="left", va="center", fontsize=10)
    _kind_legend(ax, plt, {facts.kind(n) for n in graph}, roles=True)
    ax.set_xlim(-0.75, 1.75)
    ax.set_ylim(-1, span + 1)
    ax.axis("off")
    ax.set_title(
        "Who belongs to which network: cities (left, number of memberships) and "
        "organizations (right, number of members)",
        fontsize=11,
    )
    return figure, note


def _kind_legend(ax, plt, kinds: set[str], roles: bool = False, below: float = 0.0) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [0], [0], marker="o", color="w", markerfacecolor=KIND_COLOURS[k], markersize=9, label=k
        )
        for k in KIND_COLOURS
        if k in kinds
    ]
    if roles:
        handles += [
            Line2D([0], [0], color="#555555", linewidth=0.9, label="member"),
            Line2D([0], [0], color="#333333", linewidth=2.2, label="founding member"),
            Line2D(
                [0],
                [0],
                color=KIND_COLOURS["charter"],
                linestyle="--",
                linewidth=1.4,
                label="party to a charter",
            ),
        ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, below),
        ncol=5,
        frameon=False,
        fontsize=9,
    )


# --- 2. overlap heatmap ----------------------------------------------------------------------


def overlap_figure(facts: Facts, max_drawn: int = MAX_DRAWN) -> tuple[Figure, str]:
    plt = _matplotlib()
    incidence = Incidence.from_facts(facts)
    sizes = dict(zip(incidence.orgs, incidence.sizes("organizations").tolist(), strict=True))
    chosen = sorted(incidence.orgs, key=lambda o: (-sizes[o], facts.label(o).casefold()))
    note = ""
    if len(chosen) > max_drawn:
        note = f"showing the {max_drawn} largest of {len(chosen)} organizations"
        chosen = chosen[:max_drawn]
    names, matrix = incidence.overlap_matrix(chosen)
    n = len(names)
    side = max(5.0, 0.45 * n + 2.5)
    figure, ax = plt.subplots(figsize=(side + 1.5, side))
    image = ax.imshow(matrix, cmap="Blues", vmin=0)
    labels = [short_label(facts, o, 40) for o in names]
    ax.set_xticks(range(n), labels, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(n), labels, fontsize=9)
    top = matrix.max() if n else 0
    if n <= 30:
        for i in range(n):
            for j in range(n):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        str(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if matrix[i, j] > top / 2 else "black",
                    )
    figure.colorbar(image, ax=ax, shrink=0.6, label="shared members (diagonal: members)")
    ax.set_title("Overlap of organizations: members they share", fontsize=11)
    return figure, note


# --- 3. timeline -----------------------------------------------------------------------------


def timeline_figure(facts: Facts) -> tuple[Figure, str]:
    """Each dated organization's life, charters signed, mergers and successions."""
    plt = _matplotlib()
    dated = [e for e in facts.entities.values() if e.founded is not None and e.kind != "city"]
    dated.sort(key=lambda e: (e.founded.first, e.label.casefold()))
    note = ""
    if len(dated) > 60:
        note = f"showing the 60 earliest of {len(dated)} dated organizations"
        dated = dated[:60]
    row = {e.id: i for i, e in enumerate(dated)}
    last_year = (
        max(
            [e.founded.first.year for e in dated]
            + [r.date.first.year for r in facts.lineage if r.date]
            + [2000]
        )
        + 8
    )
    when = facts.as_of_date
    if when is not None:  # the graph as it was then: nothing after it is drawn
        last_year = when.last.year + 2
    first_year = min([e.founded.first.year for e in dated] + [last_year - 20]) - 4

    def year(d: PartialDate) -> float:
        return d.first.year + (d.first.timetuple().tm_yday - 1) / 365.25

    figure, ax = plt.subplots(figsize=(12, max(5.0, 0.36 * len(dated) + 1.8)))
    for e in dated:
        y = row[e.id]
        start = year(e.founded)
        gone = e.dissolved is not None and (when is None or e.dissolved.first <= when.last)
        end = year(e.dissolved) if gone else (year(when) if when else last_year)
        colour = KIND_COLOURS.get(e.kind, "#7f7f7f")
        marker = "D" if e.kind == "charter" else "o"
        ax.plot(
            [start, end],
            [y, y],
            color=colour,
            linewidth=4 if e.kind != "charter" else 1,
            alpha=0.35,
            solid_capstyle="butt",
        )
        ax.scatter([start], [y], color=colour, marker=marker, s=45, zorder=3)
        if gone:
            ax.scatter([end], [y], color="black", marker="x", s=40, zorder=3)
        claims = (
            "/".join(c.text[:4] for c in e.founded_claims)
            if len({c.text[:4] for c in e.founded_claims}) > 1
            else e.founded.text
        )
        ax.text(
            start - 1,
            y,
            f"{short_label(facts, e.id, 60)} ({claims})",
            ha="right",
            va="center",
            fontsize=9,
        )
    drawn = [r for r in facts.lineage if r.source in row and r.target in row and r.date is not None]
    labelled: set[str] = set()
    for r in drawn:
        # predecessors of one event side by side, so that three mergers are three arrows
        siblings = [d for d in drawn if d.event == r.event]
        x = year(r.date) + 0.9 * siblings.index(r)
        ax.annotate(
            "",
            xy=(x, row[r.target]),
            xytext=(x, row[r.source]),
            arrowprops=dict(
                arrowstyle="->",
                color="#444444",
                linewidth=1.2,
                linestyle=":" if r.relation == "succession" else "-",
            ),
        )
        if r.event not in labelled:
            labelled.add(r.event)
            ax.text(
                x - 0.6,
                (row[r.source] + row[r.target]) / 2,
                r.relation,
                fontsize=8,
                color="#444444",
                ha="right",
                va="center",
                rotation=90,
            )
    for r in facts.renamings:
        if r.source in row and r.date is not None:
            ax.scatter([year(r.date)], [row[r.source]], marker="|", s=120, color="black", zorder=4)
    if when is not None:
        ax.axvline(year(when), color="#b22222", linestyle="--", linewidth=1)
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlim(first_year - 45, last_year)
    ax.grid(axis="x", color="#eeeeee")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ticks = [t for t in range((first_year // 10) * 10, last_year + 1, 10) if t >= first_year]
    ax.set_xticks(ticks)
    ax.set_title(
        "Timeline: foundings (●), charters signed (◆), dissolutions (×), renamings (|), "
        "mergers and successions (arrows, predecessor → successor)"
        + (f"\nas of {when.text} (dashed line)" if when is not None else ""),
        fontsize=11,
    )
    _kind_legend(ax, plt, {e.kind for e in dated}, below=-0.06)
    return figure, note


# --- the page --------------------------------------------------------------------------------


def _table(result) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
    body = []
    for row in result.rows:
        cells = []
        for value in row:
            text = (
                "; ".join(map(str, value))
                if isinstance(value, list)
                else (f"{value:.4f}" if isinstance(value, float) else str(value))
            )
            cls = ' class="num"' if isinstance(value, int | float) else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render_html(facts: Facts, as_of: PartialDate | None = None, top: int = 20) -> str:
    """The whole report as one HTML string."""
    plt = _matplotlib()
    full = facts
    facts = facts.as_of(as_of)
    when = f" as of {as_of.text}" if as_of else ""
    sections = []
    summary = measures.summary(full, as_of)
    sections.append(("Summary", _table(summary), summary.notes))
    figures = (
        ("The membership network", membership_figure),
        ("Overlap of organizations", overlap_figure),
        ("Timeline", timeline_figure),
    )
    founded = any(e.founded for e in facts.entities.values() if e.kind != "city")
    for title, draw in figures:
        if not facts.memberships and draw is not timeline_figure:
            sections.append((title, "", [f"nothing to draw{when}: no membership in force"]))
            continue
        if draw is timeline_figure and not founded:
            sections.append((title, "", [f"nothing to draw{when}: no organization founded yet"]))
            continue
        figure, note = draw(facts)
        caption = f"<figcaption>{html.escape(_caption(draw, facts, when))}</figcaption>"
        sections.append(
            (title, f"<figure>{_svg(figure)}{caption}</figure>", [note] if note else [])
        )
        plt.close(figure)
    central = measures.centrality(full, as_of, top=top)
    sections.append((f"Centrality (top {top} by PageRank)", _table(central), central.notes))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>citygraph network report{html.escape(when)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>citygraph: the networks of cities{html.escape(when)}</h1>",
        '<p class="note">Generated by <code>citygraph report</code> from the knowledge graph '
        "(union of all sources). Where sources disagree the union keeps every claim: e.g. "
        "UCLG's predecessors include Metropolis (stated by some sources, not by Barcelona City "
        "Council's page), and the earliest founding date a source gives is used.</p>",
    ]
    for title, body, notes in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.extend(f'<p class="note">{html.escape(n)}</p>' for n in notes if n)
        parts.append(body)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _caption(draw: object, facts: Facts, when: str) -> str:
    """What a figure shows, at which date, and the sources it is drawn from (for a citation)."""
    if draw is timeline_figure:
        relations = [*facts.lineage, *facts.renamings]
        sources = {s for r in relations for s in r.sources}
        what = (
            "Organizations from their earliest founding date a source gives, with their "
            "mergers, successions and renamings"
        )
    else:
        sources = {s for m in facts.memberships for s in m.sources}
        what = (
            f"{len(facts.memberships)} memberships: cities and organizations, and the "
            "organizations they belong to"
            if draw is membership_figure
            else "Members shared by pairs of organizations, from the same memberships"
        )
    dated = when.strip() or "all dates"
    cited = ", ".join(sorted(sources)) or "none"
    if draw is timeline_figure:
        return (
            f"{what} ({dated}). Sources of the changes ({len(sources)}, id:source/...): "
            f"{cited}; each founding date's source: citygraph query founding-of-networks."
        )
    return f"{what} ({dated}). Sources ({len(sources)}, id:source/...): {cited}."


def write_report(facts: Facts, folder: Path, as_of: PartialDate | None = None) -> Path:
    """Write ``folder/index.html`` atomically (the folder only changes if everything worked)."""
    page = render_html(facts, as_of)
    with staged_folder(Path(folder)) as stage:
        (stage / "index.html").write_text(page, encoding="utf-8")
    return Path(folder) / "index.html"
