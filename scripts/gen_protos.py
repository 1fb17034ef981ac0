"""Generate the Python gRPC stubs (with .pyi) from protos/, or check they are current.

Usage: python -m scripts.gen_protos [--check] OUT_DIR
"""

from __future__ import annotations

import filecmp
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"


def generate(out_dir: Path) -> list[Path]:
    """Write stubs for every proto under protos/ into out_dir; return the files written."""
    protos = sorted(p.relative_to(PROTO_ROOT) for p in PROTO_ROOT.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *map(str, protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for proto in protos:
        for package in proto.parents:
            if package != Path("."):
                (out_dir / package / "__init__.py").touch()
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    check = "--check" in argv
    target = ROOT / next(a for a in argv if not a.startswith("--"))
    if not check:
        generate(ROOT)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        stale = []
        for path in fresh:
            rel = path.relative_to(tmp)
            committed = ROOT / rel
            if not committed.exists() or not filecmp.cmp(path, committed, shallow=False):
                stale.append(str(rel))
        generated = {str(p.relative_to(tmp)) for p in fresh}
        for path in target.rglob("*_pb2*.py*"):
            if "__pycache__" in path.parts:
                continue  # bytecode of the stubs (`make bytecode`), not a stub
            if str(path.relative_to(ROOT)) not in generated:
                stale.append(str(path.relative_to(ROOT)))
    if stale:
        print("generated stubs are out of date; run `make proto`:", *stale, sep="\n  ")
        return 1
    print("generated stubs match protos/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
