"""Which uploads the platform accepts: decided by the bytes, never by the name or Content-Type.

`sniff()` reads the content, tells the type from its magic bytes (and, for ZIP-based
office formats, from the names of the archive's members), and checks that the file
name's extension, when there is one, agrees. Anything not on the allow-list is refused
with a message in the user's language.
"""

from __future__ import annotations

import codecs
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from pan_platform.i18n import _

# Detected type -> (stored MIME type, file name extensions that may carry it).
ALLOWED = {
    "pdf": ("application/pdf", {".pdf"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {".pptx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "odt": ("application/vnd.oasis.opendocument.text", {".odt"}),
    "odp": ("application/vnd.oasis.opendocument.presentation", {".odp"}),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {".ods"}),
    "txt": ("text/plain; charset=utf-8", {".txt", ".text"}),
    "md": ("text/markdown; charset=utf-8", {".md", ".markdown"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "gif": ("image/gif", {".gif"}),
    "webp": ("image/webp", {".webp"}),
    "mp4": ("video/mp4", {".mp4", ".m4v"}),
}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.presentation": "odp",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# Text that a browser would treat as markup is never accepted as "plain text".
MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe", b"<!--")
MAX_ZIP_MEMBERS = 10_000
# A PDF starts with "%PDF-" at byte 0 and ends with its trailer in the last KB.
PDF_TAIL = 1024
PDF_TRAILER = re.compile(rb"startxref\s+(\d{1,15})\s+%%EOF")


class UploadRejected(ValueError):
    """The upload is refused; str(error) is a translated message for the user."""


@dataclass(frozen=True)
class Detected:
    kind: str
    mime_type: str


def safe_filename(name: str | None) -> str:
    """The original name, kept only as metadata: last path part, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "file"


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lower()


def _zip_member_count(stream: BinaryIO) -> int | None:
    """Entries declared in the end-of-central-directory record, read without loading the directory."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    tail_len = min(size, 22 + 65535)
    stream.seek(size - tail_len)
    tail = stream.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def _sniff_zip(stream: BinaryIO) -> str | None:
    count = _zip_member_count(stream)
    if count is None:
        raise UploadRejected(_("The file is damaged and cannot be read."))
    if count == 0xFFFF or count > MAX_ZIP_MEMBERS:
        raise UploadRejected(_("The archive holds too many entries to be an office document."))
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    kind = ODF_MIMETYPES.get(archive.read("mimetype").strip())
                    if kind:
                        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError) as error:
        raise UploadRejected(_("The file is damaged and cannot be read.")) from error
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def _is_utf8_text(stream: BinaryIO) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    while chunk := stream.read(1024 * 1024):
        if b"\x00" in chunk:
            return False
        if first:
            head = chunk.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
            if head.startswith(MARKUP_STARTS):
                return False
            first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not first  # an empty file is not a document


def _check_pdf_trailer(stream: BinaryIO) -> None:
    """A PDF ends with `startxref <offset> %%EOF` (readers look in the last KB): without it
    the file is cut off, or something else wearing a PDF header."""
    size = stream_size(stream)
    stream.seek(max(0, size - PDF_TAIL))
    tail = stream.read(PDF_TAIL)
    if not any(int(match.group(1)) < size for match in PDF_TRAILER.finditer(tail)):
        raise UploadRejected(_("The PDF file is damaged or incomplete (its end is missing). "
                               "Please save or export it again and upload the new file."))


def _detect(stream: BinaryIO, filename: str) -> str | None:
    stream.seek(0)
    head = stream.read(1024)
    if head.startswith(b"%PDF-"):
        _check_pdf_trailer(stream)
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"):
        return "mp4"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    if _is_utf8_text(stream):
        return "md" if _extension(filename) in ALLOWED["md"][1] else "txt"
    return None


def sniff(stream: BinaryIO, filename: str, size: int | None = None) -> Detected:
    """The accepted type of a seekable stream, or UploadRejected. Leaves the stream at 0."""
    try:
        kind = _detect(stream, filename)
    finally:
        stream.seek(0)
    if kind is None:
        raise UploadRejected(
            _("This type of file is not accepted. Upload PDF, Word, PowerPoint, Excel, OpenDocument, "
              "text or Markdown files, images, or MP4 videos.")
        )
    mime, extensions = ALLOWED[kind]
    extension = _extension(filename)
    if extension and extension not in extensions:
        raise UploadRejected(
            _("The content of the file does not match its name (%(name)s): it is not a %(ext)s file.",
              name=filename, ext=extension.lstrip(".").upper())
        )
    if kind == "mp4" and size is not None:
        cap = current_app.config["PAN_MAX_VIDEO_MB"] * 1024 * 1024
        if size > cap:
            raise UploadRejected(
                _("Videos larger than %(mb)d MB cannot be uploaded; add a link to the video instead.",
                  mb=cap // (1024 * 1024))
            )
    return Detected(kind, mime)


def stream_size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
