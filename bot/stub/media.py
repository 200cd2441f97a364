"""Files the bot uploads and users send: kept byte for byte so tests can look at them.

Telegram gives every stored file a ``file_id`` (to resend it) and a ``file_unique_id`` (to
recognise it); photos come back as a list of sizes with pixel dimensions.  The stand-in
keeps the uploaded bytes, filename and MIME type under such ids, reads the dimensions from
the image header (PNG, JPEG, GIF, WebP) and refuses what Telegram could not decode as a
photo.  Images are not re-encoded: every listed size serves the original bytes.  For files
a simulated user sends (photos, stickers, voice notes) tests need no real media: the
``placeholder_*`` helpers make a few bytes with a valid header.
"""

from __future__ import annotations

import gzip
import itertools
import mimetypes
import secrets
import struct
import zlib
from dataclasses import dataclass, field

from bot.stub.errors import IMAGE_PROCESS_FAILED, WRONG_FILE_ID, bad_request

THUMBNAIL_SIDE = 90
# Telegram's file_id prefixes and file_path folders by kind of file.
_ID_PREFIX = {
    "photo": "AgAC",
    "document": "BQAC",
    "voice": "AwAC",
    "sticker": "CAAC",
    "animation": "CgAC",
}
_FOLDER = {
    "photo": "photos",
    "document": "documents",
    "voice": "voice",
    "sticker": "stickers",
    "animation": "animations",
}
_EXTENSIONS = {"application/x-tgsticker": ".tgs", "audio/ogg": ".oga"}


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
        """Keep ``data`` under fresh ids; ``kind`` ("photo", "document", "voice",
        "sticker") shapes the ids and the path."""
        file_id, unique_id, n = self._new_ids(_ID_PREFIX.get(kind, "BQAC"))
        mime = mime_type or ""
        ext = _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=data,
            filename=filename,
            mime_type=mime_type,
            width=width,
            height=height,
            url=url,
            file_path=f"{_FOLDER.get(kind, kind + 's')}/file_{n}{ext}",
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
            size = image_size(value.data) if kind == "animation" else None
            return self.store(
                value.data,
                filename=filename,
                mime_type=mime,
                kind=kind,
                width=size[0] if size else None,
                height=size[1] if size else None,
            )
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


# -- a few bytes with a valid header, for what simulated users send -----------------------


def placeholder_png(width: int = 1280, height: int = 960) -> bytes:
    """A PNG header announcing ``width`` x ``height`` plus a little payload."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"placeholder"
    )


def placeholder_webp(width: int = 512, height: int = 512) -> bytes:
    """An extended-format (VP8X) WebP header announcing ``width`` x ``height``."""
    body = (
        b"WEBP"
        + b"VP8X"
        + struct.pack("<I", 10)
        + b"\x00\x00\x00\x00"
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def placeholder_ogg() -> bytes:
    """The first page of an Ogg Opus stream: what a voice note starts with."""
    return b"OggS\x00\x02" + bytes(20) + b"\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00"


def placeholder_tgs() -> bytes:
    """An animated sticker: gzip-compressed Lottie JSON."""
    return gzip.compress(b'{"tgs":1,"v":"5.5.2","fr":60,"w":512,"h":512,"layers":[]}', mtime=0)


def placeholder_webm() -> bytes:
    """The EBML header a video sticker (WebM) starts with."""
    return b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\x82\x84webm"
