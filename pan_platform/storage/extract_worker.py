"""Text extraction, run as a separate process: `python -m pan_platform.storage.extract_worker`.

Reads one stored file and prints one JSON object on stdout:
    {"status": "done"|"failed"|"none", "text": ..., "language": ..., "reason": ...}
The parent (extract.py) starts it with memory and CPU limits and a wall-clock timeout,
so a crafted file can at worst kill this process, never the web worker.

Office files are ZIP archives of XML: the archive is checked (member count, expanded size,
compression ratio) before anything is read, each member is read with a size cap, and XML
carrying a DOCTYPE (the door to entity expansion and external entities) is refused.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import zipfile

MAX_MEMBERS = 10_000
MAX_EXPANDED = 300 * 1024 * 1024  # bytes, whole archive as declared
MAX_MEMBER_READ = 64 * 1024 * 1024  # bytes, one XML member actually read
MAX_RATIO = 200  # a larger member compressed more than this is a bomb
RATIO_MIN_SIZE = 10 * 1024 * 1024

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
S_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class Refused(Exception):
    """The file is not extracted (crafted, damaged or over a limit)."""


# ---------------------------------------------------------------- ZIP + XML

def check_archive(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused("too many members")
    if sum(i.file_size for i in infos) > MAX_EXPANDED:
        raise Refused("expanded size too large")
    for info in infos:
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused(f"member {info.filename!r} is a compression bomb")


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one member, never more than MAX_MEMBER_READ bytes (declared sizes may lie)."""
    with archive.open(name) as fh:
        data = fh.read(MAX_MEMBER_READ + 1)
    if len(data) > MAX_MEMBER_READ:
        raise Refused(f"member {name!r} too large")
    return data


def parse_xml(data: bytes):
    from lxml import etree  # lazy: heavy, and only this child process's formats need it

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Refused("XML with a DOCTYPE")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise Refused(f"XML syntax error: {error}") from error
    if root.getroottree().docinfo.doctype:  # e.g. a UTF-16 document the byte check missed
        raise Refused("XML with a DOCTYPE")
    return root


def paragraphs(root, para_tag: str, text_tag: str) -> list[str]:
    out = []
    for para in root.iter(para_tag):
        line = "".join(t.text or "" for t in para.iter(text_tag))
        if line.strip():
            out.append(line)
    return out


def _numbered(names: list[str], pattern: str) -> list[str]:
    found = [(int(m.group(1)), n) for n in names if (m := re.fullmatch(pattern, n))]
    return [n for _, n in sorted(found)]


def extract_docx(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    parts = ["word/document.xml"] + _numbered(names, r"word/(?:header|footer)(\d+)\.xml")
    lines: list[str] = []
    for name in parts:
        if name in names:
            lines += paragraphs(parse_xml(read_member(archive, name)), f"{W_NS}p", f"{W_NS}t")
    return "\n".join(lines)


def extract_pptx(archive: zipfile.ZipFile) -> str:
    lines: list[str] = []
    for name in _numbered(archive.namelist(), r"ppt/slides/slide(\d+)\.xml"):
        lines += paragraphs(parse_xml(read_member(archive, name)), f"{A_NS}p", f"{A_NS}t")
    return "\n".join(lines)


def extract_xlsx(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    lines: list[str] = []
    if "xl/sharedStrings.xml" in names:
        root = parse_xml(read_member(archive, "xl/sharedStrings.xml"))
        lines += ["".join(t.text or "" for t in si.iter(f"{S_NS}t")) for si in root.iter(f"{S_NS}si")]
    for name in _numbered(names, r"xl/worksheets/sheet(\d+)\.xml"):
        root = parse_xml(read_member(archive, name))
        lines += [t.text for t in root.iter(f"{S_NS}t") if t.text]  # inline strings
    return "\n".join(line for line in lines if line.strip())


def extract_odf(archive: zipfile.ZipFile) -> str:
    root = parse_xml(read_member(archive, "content.xml"))
    lines = []
    for element in root.iter(f"{TEXT_NS}p", f"{TEXT_NS}h"):
        line = "".join(element.itertext())
        if line.strip():
            lines.append(line)
    return "\n".join(lines)


ZIP_EXTRACTORS = {
    "wordprocessingml": extract_docx,
    "presentationml": extract_pptx,
    "spreadsheetml": extract_xlsx,
    "opendocument": extract_odf,
}


def extract_zip(path: str, mime: str) -> str:
    extractor = next((fn for key, fn in ZIP_EXTRACTORS.items() if key in mime), None)
    if extractor is None:
        raise Refused("no extractor")
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive)
            return extractor(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError) as error:
        raise Refused(f"damaged archive: {error}") from error


# ---------------------------------------------------------------- PDF, text

def extract_pdf(path: str, cap: int) -> str:
    import pypdf  # lazy: heavy, loaded only for a PDF

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings on damaged files are expected
    reader = pypdf.PdfReader(path, strict=False)
    chunks, total = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        chunks.append(text)
        total += len(text)
        if total >= cap:
            break
    return "\n".join(chunks)


def extract_text_file(path: str, cap: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read(cap)


def detect_language(text: str) -> str | None:
    from langdetect import DetectorFactory, LangDetectException, detect  # lazy: loads its profiles

    DetectorFactory.seed = 0  # deterministic results
    sample = text[:5000]
    if len(sample.strip()) < 20:
        return None
    try:
        return detect(sample).split("-")[0][:8]
    except LangDetectException:
        return None


def extract(path: str, mime: str, cap: int) -> dict:
    if mime == "application/pdf":
        text = extract_pdf(path, cap)
    elif mime.startswith("text/"):
        text = extract_text_file(path, cap)
    elif mime.startswith("application/vnd."):
        text = extract_zip(path, mime)
    else:
        return {"status": "none", "text": None, "language": None}
    text = text.replace("\x00", "")[:cap]
    if not text.strip():
        return {"status": "failed", "text": None, "language": None, "reason": "no text found"}
    return {"status": "done", "text": text, "language": detect_language(text)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("mime")
    parser.add_argument("--cap", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    try:
        result = extract(args.path, args.mime, args.cap)
    except RecursionError:
        result = {"status": "failed", "reason": "nesting too deep"}
    except Refused as error:
        result = {"status": "failed", "reason": str(error)}
    except MemoryError:
        result = {"status": "failed", "reason": "memory limit"}
    except Exception as error:  # any parser failure on a damaged file ends here, reported
        result = {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:500]}
    json.dump(result, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
