"""Quality checks a researcher wants on a membership table: warnings, not rejections.

A warning names the row, the check and what looks wrong; the value is still imported, since it is
what the source says. Only what cannot be represented in the model is rejected elsewhere (a city
without an ISO country, a latitude of 200).

The country boxes of ``country_bbox.csv`` are coarse and generous (about a degree of margin, the
European part only for countries with overseas departments): a point outside its box is almost
certainly misplaced, a point inside may still be in a neighbouring country.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

BBOX_FILE = Path(__file__).with_name("country_bbox.csv")

# ISO 3166-1 alpha-2 codes officially assigned (the list of ontology/shapes.ttl).
ISO_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
    CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a list of 249 codes reads better as text
)

EARLIEST_YEAR = 1800  # no network of cities is older; an earlier joining year is a typo


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        if not self.min_lat <= lat <= self.max_lat:
            return False
        if self.min_lon <= self.max_lon:
            return self.min_lon <= lon <= self.max_lon
        return lon >= self.min_lon or lon <= self.max_lon  # crosses the 180th meridian


@cache
def country_boxes() -> dict[str, Box]:
    """The shipped boxes by ISO code."""
    with BBOX_FILE.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {
        row["code"]: Box(
            float(row["min_lat"]),
            float(row["max_lat"]),
            float(row["min_lon"]),
            float(row["max_lon"]),
        )
        for row in csv.DictReader(lines)
    }


def outside_country(country: str, lat: Decimal, lon: Decimal) -> str | None:
    """A warning when the point is outside the country's box (None when inside or unknown)."""
    box = country_boxes().get(country)
    if box is None or box.contains(float(lat), float(lon)):
        return None
    return (
        f"coordinates {lat}, {lon} are outside the bounding box of {country} "
        f"(lat {box.min_lat}..{box.max_lat}, lon {box.min_lon}..{box.max_lon})"
    )


def impossible_year(year: int, founded: int | None = None) -> str | None:
    """A joining year in the future, before 1800, or before the network was founded."""
    this_year = datetime.date.today().year
    if year > this_year:
        return f"joining year {year} is in the future"
    if year < EARLIEST_YEAR:
        return f"joining year {year} is before {EARLIEST_YEAR}"
    if founded is not None and year < founded:
        return f"joining year {year} is before the network was founded ({founded})"
    return None


# Kinds of members (cg:memberKind concepts of the curated data) that only cities satisfy, and
# those that only organizations (associations) satisfy.
CITY_ONLY_KINDS = frozenset(
    {"cities", "capitals-and-metropolises", "coastal-cities", "port-cities"}
)
ORGANIZATION_ONLY_KINDS = frozenset({"national-associations"})


def kind_contradiction(actor_kind: str, member_kinds: set[str]) -> str | None:
    """A warning when the network's known member kinds exclude this kind of actor."""
    if not member_kinds:
        return None
    if actor_kind == "network" and member_kinds <= CITY_ONLY_KINDS:
        return (
            f"an association is a member, but the network admits {', '.join(sorted(member_kinds))}"
        )
    if actor_kind == "city" and member_kinds <= ORGANIZATION_ONLY_KINDS:
        return f"a city is a member, but the network admits {', '.join(sorted(member_kinds))}"
    return None


def below_population(population: int, minimum: int) -> str | None:
    if population < minimum:
        return (
            f"population {population} is below the network's criterion of more than "
            f"{minimum} inhabitants"
        )
    return None
