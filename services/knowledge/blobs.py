"""Attachments: a content-addressed blob store, with the checks every upload passes.

A blob's id is the sha256 of its content, so the same file uploaded twice is
stored once, and a blob read back can be checked against its id. `BlobStore`
is the interface; `DiskBlobStore` keeps blobs under a directory
(REDRESS_MEDIA_DIR) as `ab/cd/<sha256>`, written to a temporary file and
renamed into place, so a crash never leaves half a blob under its id. An
object store can implement the same four methods later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024

# What an article may carry, and how each type's content begins: a declared
# type is believed only if the bytes agree.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "audio/wav": (b"RIFF",),
    "audio/ogg": (b"OggS",),
    "video/mp4": (),  # "ftyp" at offset 4, checked below
    "video/webm": (b"\x1a\x45\xdf\xa3",),
}


def content_matches(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file are what its declared type says."""
    if content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if content_type == "audio/wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return any(head.startswith(s) for s in SIGNATURES.get(content_type, ()))


class TooLarge(ValueError):
    pass


class BlobCorrupt(OSError):
    pass


@dataclass(frozen=True)
class StoredBlob:
    blob_id: str  # sha256 hex
    size: int
    head: bytes  # the first bytes, for type checks


class BlobStore(Protocol):
    async def put(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredBlob: ...

    def exists(self, blob_id: str) -> bool: ...

    def read(self, blob_id: str, chunk_size: int = CHUNK) -> Iterator[bytes]: ...

    def delete(self, blob_id: str) -> None: ...


class DiskBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "incoming").mkdir(exist_ok=True)

    def path(self, blob_id: str) -> Path:
        if len(blob_id) != 64 or any(c not in "0123456789abcdef" for c in blob_id):
            raise KeyError(blob_id)
        return self.root / blob_id[:2] / blob_id[2:4] / blob_id

    async def put(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredBlob:
        """Stores a stream; refuses it (storing nothing) once it passes max_bytes."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, name = await asyncio.to_thread(tempfile.mkstemp, dir=self.root / "incoming")
        f = os.fdopen(fd, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"larger than {max_bytes} bytes")
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                await asyncio.to_thread(f.write, chunk)
            await asyncio.to_thread(self._settle, f, name, digest.hexdigest())
            return StoredBlob(digest.hexdigest(), size, head)
        except BaseException:
            await asyncio.to_thread(self._discard, f, name)
            raise

    def _settle(self, f: BinaryIO, name: str, blob_id: str) -> None:
        f.flush()
        os.fsync(f.fileno())
        f.close()
        target = self.path(blob_id)
        if target.exists() and self._intact(target, blob_id):
            os.unlink(name)
        else:
            # New, or a stored copy damaged on disk: the upload replaces it.
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(name, target)

    @staticmethod
    def _intact(path: Path, blob_id: str) -> bool:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == blob_id

    @staticmethod
    def _discard(f: BinaryIO, name: str) -> None:
        f.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)

    def exists(self, blob_id: str) -> bool:
        try:
            return self.path(blob_id).exists()
        except KeyError:
            return False

    def read(self, blob_id: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """The blob in chunks; the checksum is verified as it is read, and a
        blob whose content no longer matches its id raises BlobCorrupt at the end."""
        digest = hashlib.sha256()
        with open(self.path(blob_id), "rb") as f:
            while chunk := f.read(chunk_size):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != blob_id:
            raise BlobCorrupt(f"blob {blob_id} does not match its checksum")

    def delete(self, blob_id: str) -> None:
        try:
            self.path(blob_id).unlink()
        except FileNotFoundError:
            pass
