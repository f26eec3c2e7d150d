"""Previews benchmark: seconds to make the thumbnail and the first page images of a 50-page PDF
and of a 30-slide PPTX, and the worker's memory peak (its process group, LibreOffice included).

    .venv/bin/python bench/previews.py            # 1 and 10 pages, 3 runs each
    .venv/bin/python bench/previews.py --runs 5

Each measurement runs in a fresh process that calls storage/previews.py's `run_worker` (the
same bounded child process as in the portal, with the portal's limits from config.py) and
reports two memory figures:
- "group MB": the peak of the summed resident set size of the worker's process group (the
  worker and the LibreOffice it started), sampled from /proc every 20 ms: what the host must
  have free while a preview is made;
- "proc MB": the peak resident set size of the largest single process (getrusage
  RUSAGE_CHILDREN over the waited-for worker and LibreOffice): not summed, and it counts
  the pages the child shares with this process right after fork (about 60 MB here).
Prints the machine's load (`uptime`) first: figures on a busy host are slower.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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


def _processes() -> list[tuple[int, int, int, int]]:
    """(pid, parent pid, session id, resident bytes) of every process readable in /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (name) "
        found.append((int(entry.name), int(fields[1]), int(fields[3]), int(fields[21]) * page))
    return found


class GroupSampler(threading.Thread):
    """Samples the summed RSS of the session our child worker leads (it starts in its own
    session: start_new_session=True), LibreOffice included; keeps the peak."""

    def __init__(self, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self.stop = interval, 0, threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            processes = _processes()
            sessions = {pid for pid, parent, session, _rss in processes if parent == me and session == pid}
            if sessions:
                self.peak = max(self.peak, sum(rss for _pid, _parent, session, rss in processes if session in sessions))
            self.stop.wait(self.interval)


def measure_one(kind: str, pages: int) -> None:
    """In a fresh process: one worker run; prints JSON {seconds, group_mb, proc_mb, status, pages}."""
    from config import load_config
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
        portal = PreviewLimits.from_config(load_config({"INSTANCE_DIR": str(work / "instance")}))
        limits = PreviewLimits(portal.memory_mb, portal.cpu_seconds, portal.timeout_seconds, pages=pages)
        sampler = GroupSampler()
        sampler.start()
        started = time.perf_counter()
        result = run_worker(source, mime, out, limits, shutil.which("soffice"))
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        made = sorted(p.name for p in out.iterdir())
    proc_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "group_mb": sampler.peak / 2**20, "proc_mb": proc_mb,
                      "status": result["status"], "pages": result.get("pages"), "made": len(made),
                      "reason": result.get("reason")}))


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
    print(f"{'file':<22} {'pages':>5} {'median s':>9} {'max s':>7} {'group MB':>9} {'proc MB':>8}  status")
    for kind, label in (("pdf", "PDF, 50 pages"), ("pptx", "PPTX, 30 slides")):
        for pages in (1, 10):
            runs = []
            for _ in range(args.runs):
                done = subprocess.run([sys.executable, __file__, "--one", kind, str(pages)],
                                      capture_output=True, text=True, check=True, cwd=ROOT)
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            seconds = [r["seconds"] for r in runs]
            print(f"{label:<22} {pages:>5} {statistics.median(seconds):>9.2f} {max(seconds):>7.2f} "
                  f"{max(r['group_mb'] for r in runs):>9.0f} {max(r['proc_mb'] for r in runs):>8.0f}  "
                  f"{runs[-1]['status']} ({runs[-1]['pages']} pages) {runs[-1]['reason'] or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
