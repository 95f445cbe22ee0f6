"""Generates the Python gRPC code from protos/ into redress/<service>/v1/,
and redress/proto_comments.json: the protos' comments by element's full name
(the HTTP/JSON gateway's OpenAPI description carries them).

`python -m redress.devtools.protogen` regenerates; `--check` regenerates into
a scratch directory and fails if the committed code differs (stale).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
PACKAGES = ["common", "intake", "cases", "followup", "knowledge", "reporting"]
COMMENTS = "redress/proto_comments.json"


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
    with tempfile.TemporaryDirectory() as scratch:
        descriptors = Path(scratch) / "descriptors.pb"
        args += [f"--descriptor_set_out={descriptors}", "--include_source_info"]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed; see the messages above")
        files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes())
    comments = proto_comments(files)
    (out / COMMENTS).write_text(json.dumps(comments, indent=0, sort_keys=True) + "\n")
    for package_dir in {p.parent for p in (out / "redress").glob("*/v1/*_pb2.py")}:
        (package_dir / "__init__.py").touch()
        (package_dir.parent / "__init__.py").touch()


def generated_files(root: Path) -> set[str]:
    found = {
        str(p.relative_to(root))
        for p in (root / "redress").glob("*/v1/*")
        if p.name.endswith((".py", ".pyi"))
    }
    return found | ({COMMENTS} if (root / COMMENTS).exists() else set())


# Where a FileDescriptorProto keeps what (descriptor.proto's field numbers).
_MESSAGES, _ENUMS, _SERVICES = 4, 5, 6
_FIELDS, _NESTED, _NESTED_ENUMS, _VALUES, _METHODS = 2, 3, 4, 2, 2


def proto_comments(files: descriptor_pb2.FileDescriptorSet) -> dict[str, str]:
    """Each documented message, field, enum, enum value, service and method's
    leading comment (else its trailing one), by full name."""
    found: dict[str, str] = {}
    for file in files.file:
        if not file.package.startswith("redress."):
            continue
        names: dict[tuple[int, ...], str] = {}

        def messages(
            items: object, prefix: str, path: tuple[int, ...]
        ) -> None:
            for i, message in enumerate(items):  # type: ignore[attr-defined]
                name, at = f"{prefix}.{message.name}", (*path, i)
                names[at] = name
                for j, field in enumerate(message.field):
                    names[(*at, _FIELDS, j)] = f"{name}.{field.name}"
                messages(message.nested_type, name, (*at, _NESTED))
                enums(message.enum_type, name, (*at, _NESTED_ENUMS))

        def enums(items: object, prefix: str, path: tuple[int, ...]) -> None:
            for i, enum in enumerate(items):  # type: ignore[attr-defined]
                name, at = f"{prefix}.{enum.name}", (*path, i)
                names[at] = name
                for j, value in enumerate(enum.value):
                    names[(*at, _VALUES, j)] = f"{prefix}.{value.name}"

        messages(file.message_type, file.package, (_MESSAGES,))
        enums(file.enum_type, file.package, (_ENUMS,))
        for i, service in enumerate(file.service):
            name = f"{file.package}.{service.name}"
            names[(_SERVICES, i)] = name
            for j, method in enumerate(service.method):
                names[(_SERVICES, i, _METHODS, j)] = f"{name}.{method.name}"
        for location in file.source_code_info.location:
            name = names.get(tuple(location.path))
            text = location.leading_comments or location.trailing_comments
            if name and text.strip():
                lines = text.strip("\n").rstrip().splitlines()
                found[name] = "\n".join(line.removeprefix(" ").rstrip() for line in lines)
    return found


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
