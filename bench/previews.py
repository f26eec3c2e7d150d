"""Previews benchmark: seconds to make the thumbnail and the first page images of a 50-page PDF
and of a 30-slide PPTX, and the worker's memory peak (its process group, LibreOffice included).

    .venv/bin/python bench/previews.py            # 1 and 10 pages, 3 runs each
    .venv/bin/python bench/previews.py --runs 5

Each measurement runs in a fresh process that calls storage/previews.py's `run_worker` (the
same bounded child process as in the portal) and reads the peak resident set size of its
waited-for children (getrusage RUSAGE_CHILDREN: the worker and the LibreOffice it started).
Prints the machine's load (`uptime`) first: figures on a busy host are slower.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
LINES = [
    "Identifying victims of trafficking in human beings at border crossing points.",
    "Indicators: documents held by another person, scripted answers, signs of control.",
    "Refer the person to the national referral mechanism; never interview in front of escorts.",
]


def make_pdf(path: Path, pages: int) -> None:
    from tests.storage.samples import pdf_with_pages

    text = [[f"Handbook, page {n}"] + [LINES[k % 3] for k in range(28)] for n in range(1, pages + 1)]
    path.write_bytes(pdf_with_pages(text))


def make_pptx(path: Path, slides: int) -> None:
    """A deck like a real one: a title, bullet points and a picture on every slide."""
    from PIL import Image
    from pptx import Presentation
    from pptx.util import Inches

    picture = io.BytesIO()
    Image.radial_gradient("L").resize((800, 600)).convert("RGB").save(picture, "JPEG", quality=85)
    deck = Presentation()
    for n in range(1, slides + 1):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Module 3, slide {n}"
        slide.placeholders[1].text = "\n".join(LINES)
        picture.seek(0)
        slide.shapes.add_picture(picture, Inches(6), Inches(4.5), width=Inches(3.5))
    deck.save(path)


def measure_one(kind: str, pages: int) -> None:
    """In a fresh process: one worker run; prints JSON {seconds, peak_mb, status, pages}."""
    from pan_platform.storage.previews import PreviewLimits, run_worker

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / f"source.{kind}"
        if kind == "pdf":
            make_pdf(source, 50)
            mime = "application/pdf"
        else:
            make_pptx(source, 30)
            mime = PPTX
        out = work / "out"
        out.mkdir()
        limits = PreviewLimits(memory_mb=2048, cpu_seconds=120, timeout_seconds=180, pages=pages)
        started = time.perf_counter()
        result = run_worker(source, mime, out, limits, shutil.which("soffice"))
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "status": result["status"],
                      "pages": result.get("pages"), "reason": result.get("reason")}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PAGES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        measure_one(args.one[0], int(args.one[1]))
        return 0
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if shutil.which("soffice") is None:
        print("LibreOffice (soffice) is not installed: the PPTX is measured as 'none'")
    print(f"{'file':<22} {'pages':>5} {'median s':>9} {'max s':>7} {'peak MB':>8}  status")
    for kind, label in (("pdf", "PDF, 50 pages"), ("pptx", "PPTX, 30 slides")):
        for pages in (1, 10):
            runs = []
            for _ in range(args.runs):
                done = subprocess.run([sys.executable, __file__, "--one", kind, str(pages)],
                                      capture_output=True, text=True, check=True, cwd=ROOT)
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            seconds = [r["seconds"] for r in runs]
            print(f"{label:<22} {pages:>5} {statistics.median(seconds):>9.2f} {max(seconds):>7.2f} "
                  f"{max(r['peak_mb'] for r in runs):>8.0f}  {runs[-1]['status']} {runs[-1]['reason'] or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
