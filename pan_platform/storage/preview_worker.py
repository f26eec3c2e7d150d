"""Preview images of one stored file, made in a separate process:
`python -I pan_platform/storage/preview_worker.py PATH MIME OUTDIR --pages 10`.

Writes `thumb.webp` (THUMB_WIDTH wide) and `page-1.webp` ... `page-N.webp` (PAGE_WIDTH wide)
into OUTDIR and prints one JSON object on stdout:
    {"status": "done"|"failed"|"none", "pages": n, "page_count": total, "reason": ...}
The parent (previews.py) starts it in its own process group with memory and CPU limits and
a wall-clock timeout, so a crafted file (or a LibreOffice hang) kills at worst this group.

PDF pages are rendered with pdfium (pypdfium2); office documents are first converted to PDF
by LibreOffice headless (`--soffice PATH`; without it they get "none"); images are scaled.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

THUMB_WIDTH = 320
PAGE_WIDTH = 1000
MAX_PAGE_HEIGHT = 4000  # a strip-shaped page is cut, not rendered to a huge image
MAX_IMAGE_PIXELS = 50_000_000  # larger pictures are refused (decompression bombs)
WEBP_QUALITY = 80

# MIME type (without parameters) -> the extension LibreOffice recognises the file by.
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class Refused(Exception):
    """No preview can be made of this file (damaged, over a limit, not convertible)."""


def save_scaled(image, width: int, target: Path) -> None:
    """Save `image` scaled down to `width` (never up), as WebP."""
    from PIL import Image  # lazy: loaded only in this child, and only for a file it renders

    image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    if image.height > MAX_PAGE_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_PAGE_HEIGHT))
    image.save(target, "WEBP", quality=WEBP_QUALITY)


def render_pdf(path: Path, outdir: Path, pages: int) -> dict:
    import pypdfium2 as pdfium  # lazy: loaded only in this child

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        raise Refused(f"unreadable PDF: {error}") from error
    try:
        total = len(document)
        if total == 0:
            raise Refused("the PDF has no pages")
        made = 0
        for index in range(min(total, pages)):
            page = document[index]
            width_pt = page.get_width() or 1
            image = page.render(scale=PAGE_WIDTH / width_pt).to_pil()
            page.close()
            if index == 0:
                save_scaled(image, THUMB_WIDTH, outdir / "thumb.webp")
            save_scaled(image, PAGE_WIDTH, outdir / f"page-{index + 1}.webp")
            made += 1
        return {"status": "done", "pages": made, "page_count": total}
    finally:
        document.close()


def convert_to_pdf(path: Path, extension: str, soffice: str, workdir: Path, timeout: float) -> Path:
    """LibreOffice headless: the document as PDF in `workdir` (its own profile there)."""
    source = workdir / f"document{extension}"
    source.symlink_to(path.resolve())
    profile = workdir / "profile"
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
        "--nologo", "--nodefault", "--convert-to", "pdf", "--outdir", str(workdir), str(source),
    ]
    try:
        subprocess.run(command, capture_output=True, timeout=timeout, check=False, cwd=workdir)
    except subprocess.TimeoutExpired as error:
        raise Refused("LibreOffice did not finish in time") from error
    converted = workdir / "document.pdf"
    if not converted.is_file() or converted.stat().st_size == 0:
        raise Refused("LibreOffice could not convert the document")
    return converted


def render_image(path: Path, outdir: Path) -> dict:
    from PIL import Image  # lazy: loaded only in this child, and only for a file it renders

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # over twice this, Pillow raises instead of warning
    try:
        with Image.open(path) as image:
            image.load()
            save_scaled(image, THUMB_WIDTH, outdir / "thumb.webp")
            save_scaled(image, PAGE_WIDTH, outdir / "page-1.webp")
    except (OSError, Image.DecompressionBombError, ValueError) as error:
        raise Refused(f"unreadable image: {error}") from error
    return {"status": "done", "pages": 1, "page_count": 1}


def make(path: Path, mime: str, outdir: Path, pages: int, soffice: str | None, timeout: float) -> dict:
    mime = mime.split(";")[0].strip()
    if mime == "application/pdf":
        return render_pdf(path, outdir, pages)
    if mime in IMAGE_TYPES:
        return render_image(path, outdir)
    if mime in OFFICE_TYPES:
        if not soffice:
            return {"status": "none", "reason": "LibreOffice is not installed"}
        with tempfile.TemporaryDirectory(dir=outdir) as workdir:
            converted = convert_to_pdf(path, OFFICE_TYPES[mime], soffice, Path(workdir), timeout)
            return render_pdf(converted, outdir, pages)
    return {"status": "none"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("mime")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--soffice", default=None)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for LibreOffice")
    args = parser.parse_args(argv)
    try:
        result = make(args.path, args.mime, args.outdir, args.pages, args.soffice, args.timeout)
    except Refused as error:
        result = {"status": "failed", "reason": str(error)}
    except MemoryError:
        result = {"status": "failed", "reason": "memory limit"}
    except Exception as error:  # any renderer failure on a damaged file ends here, reported
        result = {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:500]}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
