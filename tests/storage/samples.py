"""Real and crafted files, built in the test run (nothing binary is checked in)."""

from __future__ import annotations

import io
import zipfile
import zlib


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _page_objects(content: bytes, compressed: bool = False) -> list[bytes]:
    if compressed:
        data = zlib.compress(content, 9)
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    else:
        stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        stream,
    ]


def pdf_with_text(lines: list[str]) -> bytes:
    ops = [b"BT", b"/F1 11 Tf", b"60 780 Td", b"14 TL"]
    for line in lines:
        escaped = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(b"(" + escaped + b") Tj T*")
    ops.append(b"ET")
    return _pdf(_page_objects(b"\n".join(ops) + b"\n"))


def pdf_with_pages(pages: list[list[str]]) -> bytes:
    """A PDF of several A4 pages, each with its lines of text."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for number, lines in enumerate(pages):
        ops = [b"BT", b"/F1 18 Tf", b"60 780 Td", b"24 TL"]
        ops += [b"(" + line.encode("cp1252") + b") Tj T*" for line in lines]
        content = b"\n".join([*ops, b"ET"]) + b"\n"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * number))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return _pdf(objects)


def pdf_parsing_loop() -> bytes:
    """~100 KB that expands to millions of text operators: parsing runs for many seconds."""
    content = b"BT /F1 10 Tf 60 780 Td " + b"(AB) Tj " * 8_000_000 + b"ET\n"
    return _pdf(_page_objects(content, compressed=True))


def pdf_memory_bomb() -> bytes:
    """A small stream declared as FlateDecode that inflates to 200 MB."""
    content = b"BT /F1 10 Tf 60 780 Td (A) Tj ET\n" + b" " * (200 * 1024 * 1024)
    return _pdf(_page_objects(content, compressed=True))


def docx_with_text(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx_with_text(slides: list[tuple[str, str]]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def xlsx_with_text(cells: list[str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row, value in enumerate(cells, start=1):
        book.active.cell(row=row, column=1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt_with_text(paragraphs: list[str]) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _replace_member(original: bytes, name: str, writer) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(original))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == name:
                writer(archive)
            else:
                archive.writestr(info, source.read(info.filename))
    return out.getvalue()


def docx_zip_bomb() -> bytes:
    """A DOCX whose document.xml inflates to 350 MB from a few hundred KB."""

    def writer(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            chunk = b" " * (1024 * 1024)
            for _ in range(350):
                member.write(chunk)
            member.write(b"</w:body></w:document>")

    return _replace_member(docx_with_text(["bomb"]), "word/document.xml", writer)


def docx_external_entity(target: str) -> bytes:
    """A DOCX whose document.xml declares an external entity pointing at a local file."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{target}">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    return _replace_member(docx_with_text(["x"]), "word/document.xml", lambda a: a.writestr("word/document.xml", xml))


HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf_with_many_objects(count: int) -> bytes:
    """A one-page PDF whose page refers to `count` small objects (cheap to build, slow to rewrite)."""
    objects = _page_objects(b"BT /F1 11 Tf 60 780 Td (Many objects) Tj ET\n")
    objects[2] = objects[2].replace(b"/Contents 5 0 R", b"/Contents 5 0 R /PieceInfo 6 0 R")
    first = len(objects) + 2
    refs = b" ".join(b"%d 0 R" % n for n in range(first, first + count))
    objects.append(b"<< /Parts [" + refs + b"] >>")
    objects.extend(b"<< /N %d >>" % n for n in range(count))
    return _pdf(objects)
