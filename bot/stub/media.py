"""Files the bot uploads: kept byte for byte so tests can look at what a user would see.

Telegram gives every stored file a ``file_id`` (to resend it) and a ``file_unique_id`` (to
recognise it); photos come back as a list of sizes with pixel dimensions.  The stand-in
keeps the uploaded bytes, filename and MIME type under such ids, reads the dimensions from
the image header (PNG, JPEG, GIF, WebP) and refuses what Telegram could not decode as a
photo.  Images are not re-encoded: every listed size serves the original bytes.
"""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import struct
from dataclasses import dataclass, field

from bot.stub.errors import IMAGE_PROCESS_FAILED, WRONG_FILE_ID, bad_request

THUMBNAIL_SIDE = 90


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One multipart file part as it arrived."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file the stand-in holds, addressable by ``file_id`` like on Telegram's servers."""

    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    filename: str | None
    mime_type: str | None
    width: int | None = None
    height: int | None = None
    url: str | None = None  # set when the bot sent an HTTP URL (never fetched)
    file_path: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, GIF or WebP header; None if not such an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


class FileStore:
    """All files known to the stand-in, by ``file_id``."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def __len__(self) -> int:
        return len(self._files)

    def _new_ids(self, prefix: str) -> tuple[str, str, int]:
        n = next(self._counter)
        return f"{prefix}{n:06d}{secrets.token_urlsafe(24)}", f"AQAD{n:06d}", n

    def store(
        self,
        data: bytes,
        *,
        filename: str | None,
        mime_type: str | None,
        kind: str,
        width: int | None = None,
        height: int | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Keep ``data`` under fresh ids; ``kind`` ("photo", "document") shapes the path."""
        prefix = "AgAC" if kind == "photo" else "BQAC"
        file_id, unique_id, n = self._new_ids(prefix)
        ext = mimetypes.guess_extension(mime_type or "") or ".bin"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=data,
            filename=filename,
            mime_type=mime_type,
            width=width,
            height=height,
            url=url,
            file_path=f"{kind}s/file_{n}{ext}",
        )
        self._files[file_id] = stored
        return stored

    def alias(self, original: StoredFile, *, width: int, height: int) -> StoredFile:
        """Another id for the same bytes (a photo's thumbnail size)."""
        file_id, unique_id, _ = self._new_ids("AgAC")
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=original.data,
            filename=original.filename,
            mime_type=original.mime_type,
            width=width,
            height=height,
            url=original.url,
            file_path=original.file_path,
        )
        self._files[file_id] = stored
        return stored

    def by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self._files.values() if f.file_path == file_path), None)

    def resolve(self, value: UploadedFile | str, *, kind: str, default_name: str) -> StoredFile:
        """The file a sendPhoto/sendDocument parameter designates.

        An upload is stored; a known ``file_id`` is reused; an HTTP URL is recorded without
        being fetched (the stand-in has no network); anything else is refused as Telegram
        refuses it.
        """
        if isinstance(value, UploadedFile):
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename or "")[0] or mime
            filename = value.filename or default_name
            if kind == "photo":
                size = image_size(value.data)
                if size is None:
                    raise bad_request(IMAGE_PROCESS_FAILED)
                return self.store(
                    value.data,
                    filename=filename,
                    mime_type=mime,
                    kind=kind,
                    width=size[0],
                    height=size[1],
                )
            return self.store(value.data, filename=filename, mime_type=mime, kind=kind)
        known = self._files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or default_name
            mime = mimetypes.guess_type(name)[0]
            return self.store(
                b"",
                filename=name,
                mime_type=mime,
                kind=kind,
                width=1 if kind == "photo" else None,
                height=1 if kind == "photo" else None,
                url=value,
            )
        raise bad_request(WRONG_FILE_ID)

    def photo_sizes(self, original: StoredFile) -> list[StoredFile]:
        """Sizes listed in Message.photo: a thumbnail when the image is big, then the original."""
        width, height = original.width or 1, original.height or 1
        sizes: list[StoredFile] = []
        longest = max(width, height)
        if longest > THUMBNAIL_SIDE:
            scale = THUMBNAIL_SIDE / longest
            sizes.append(
                self.alias(
                    original,
                    width=max(1, round(width * scale)),
                    height=max(1, round(height * scale)),
                )
            )
        sizes.append(original)
        return sizes
