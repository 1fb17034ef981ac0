"""Iwi and hapū reference data (reference/iwi.yaml), validated when first read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from services.common.sites import regions

IWI_FILE = Path(__file__).resolve().parents[2] / "reference" / "iwi.yaml"
_CODE = re.compile(r"[a-z][a-z0-9-]{1,63}")


@dataclass(frozen=True)
class Iwi:
    code: str
    name: str
    regions: tuple[str, ...]
    weight: int
    hapu: tuple[str, ...]


def hapu_code(iwi: str, n: int) -> str:
    return f"{iwi}-h{n:02d}"


@cache
def load_iwi(path: Path = IWI_FILE) -> dict[str, Iwi]:
    """Read and validate the iwi file; raise ValueError naming what is wrong."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known_regions = regions()
    found: dict[str, Iwi] = {}
    for entry in data["iwi"]:
        code = entry["code"]
        if not isinstance(code, str) or not _CODE.fullmatch(code) or code in found:
            raise ValueError(f"{path}: iwi code {code!r} is malformed or repeated")
        unknown = [r for r in entry["regions"] if r not in known_regions]
        if unknown:
            raise ValueError(f"{path}: iwi {code} names unknown regions {unknown}")
        count = int(entry["hapu"])
        found[code] = Iwi(
            code=code,
            name=str(entry["name"]),
            regions=tuple(entry["regions"]),
            weight=int(entry["weight"]),
            hapu=tuple(hapu_code(code, n) for n in range(1, count + 1)),
        )
    return found


@cache
def hapu_iwi() -> dict[str, str]:
    """Each hapū code's iwi code."""
    return {hapu: iwi.code for iwi in load_iwi().values() for hapu in iwi.hapu}
