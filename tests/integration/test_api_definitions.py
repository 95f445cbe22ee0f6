"""The v1 protos lint clean, stay backward compatible, and match the generated code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from redress.devstack import binaries

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_buf_lint_is_clean():
    result = run(str(binaries.venv_binary("buf")), "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_not_stale():
    result = run(sys.executable, "-m", "redress.devtools.protogen", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_breaking_change_against_the_previous_commit():
    """Each commit on main keeps the v1 API compatible with the one before it."""
    has_parent = run("git", "rev-parse", "--verify", "--quiet", "HEAD~1").returncode == 0
    if not has_parent:
        # The first commit has nothing to break; a shallow clone must not hide one.
        shallow = run("git", "rev-parse", "--is-shallow-repository").stdout.strip()
        assert shallow == "false", "CI needs the git history to check for breaking changes"
        return
    result = run(str(binaries.venv_binary("buf")), "breaking", "--against", ".git#ref=HEAD~1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rpc_and_message_is_documented():
    undocumented = []
    for proto in sorted((ROOT / "protos").rglob("*.proto")):
        lines = proto.read_text().splitlines()
        for i, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith(("service ", "rpc ")):
                previous = lines[i - 1].strip() if i else ""
                if not previous.startswith("//"):
                    undocumented.append(f"{proto.relative_to(ROOT)}:{i + 1}: {stripped}")
    assert not undocumented, "\n".join(undocumented)
