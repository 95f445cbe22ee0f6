"""Generates the Python gRPC code from protos/ into redress/<service>/v1/.

`python -m redress.devtools.protogen` regenerates; `--check` regenerates into
a scratch directory and fails if the committed code differs (stale).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
PACKAGES = ["common", "intake", "cases", "followup", "knowledge", "reporting"]


def proto_files() -> list[Path]:
    return sorted(PROTOS.glob("redress/*/v1/*.proto"))


def generate(out: Path) -> None:
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTOS)) for p in proto_files()]
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    for package_dir in {p.parent for p in (out / "redress").glob("*/v1/*_pb2.py")}:
        (package_dir / "__init__.py").touch()
        (package_dir.parent / "__init__.py").touch()


def generated_files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in (root / "redress").glob("*/v1/*")
        if p.name.endswith((".py", ".pyi"))
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated code is stale")
    args = parser.parse_args()
    if not args.check:
        generate(ROOT)
        print(f"generated code for {len(proto_files())} proto files")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch)
        generate(fresh)
        want, have = generated_files(fresh), generated_files(ROOT)
        stale = sorted(
            name
            for name in want | have
            if name not in want
            or name not in have
            or not filecmp.cmp(fresh / name, ROOT / name, shallow=False)
        )
    if stale:
        print("generated code is stale; run `make protos` and commit:", *stale, sep="\n  ")
        return 1
    print("generated code is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
