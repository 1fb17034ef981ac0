"""Site reference data: Kahu's 25 sites, their regions and anniversary-day subdivisions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from holidays.countries.new_zealand import NewZealand

SITES_FILE = Path(__file__).resolve().parents[2] / "reference" / "sites.yaml"


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    region: str
    anniversary: str


@cache
def load_sites(path: Path = SITES_FILE) -> dict[str, Site]:
    """Read and validate the site file; raise ValueError naming what is wrong."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    regions = set(data["regions"])
    subdivisions = set(NewZealand.subdivisions)
    sites: dict[str, Site] = {}
    for entry in data["sites"]:
        site = Site(**entry)
        if site.region not in regions:
            raise ValueError(f"{path}: site {site.code} names unknown region {site.region}")
        if site.anniversary not in subdivisions:
            raise ValueError(f"{path}: site {site.code} names unknown subdivision {site.anniversary}")
        if site.code in sites:
            raise ValueError(f"{path}: site {site.code} appears twice")
        sites[site.code] = site
    return sites


def regions() -> frozenset[str]:
    return frozenset(site.region for site in load_sites().values())
