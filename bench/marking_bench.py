"""Marking benchmark: download times of marked PDFs (first and second download) against an
unmarked one, through the portal's download route.

    .venv/bin/python bench/marking_bench.py                       # 20,000 and 100,000 objects
    .venv/bin/python bench/marking_bench.py --objects 5000 50000

Each PDF is a one-page file whose page refers to N small objects (tests/storage/samples.py).
The default limits apply (PAN_MARK_MAX_OBJECTS 50,000): larger files are sent as stored.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(client, url: str) -> tuple[float, int, bool]:
    started = time.monotonic()
    response = client.get(url)
    seconds = time.monotonic() - started
    return seconds, len(response.data), b"/Marking" in response.data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args(argv)

    from pan_platform.extensions import db
    from pan_platform.sharing import operations
    from pan_platform.storage.files import add_version
    from tests.conftest import make_app, running, sign_in
    from tests.factories import make_item, make_org, make_user
    from tests.storage import samples

    workdir = Path(tempfile.mkdtemp(prefix="pan-marking-bench-"))
    try:
        with running(make_app(workdir)) as app:
            own = make_org("academy", slug="own-academy")
            editor = make_user(own, "editor")
            db.session.commit()
            client = app.test_client()
            sign_in(client, editor)
            print(f"{'objects':>8} {'MB':>6} {'marking':>8} {'1st s':>7} {'2nd s':>7} {'marked':>7}")
            for count in args.objects:
                data = samples.pdf_with_many_objects(count)
                for marking in (None, "law-enforcement-only"):
                    item = make_item(own, visibility="network")
                    version = add_version(item, io.BytesIO(data + b"%" + str(marking).encode()), "f.pdf",
                                          "application/pdf")
                    db.session.commit()
                    if marking:
                        operations.set_item_policy(editor, item, marking, "same")
                    url = f"/files/{version.id}/download"
                    first, size, _ = _timed(client, url)
                    second, _size, is_marked = _timed(client, url)
                    print(f"{count:>8} {size / 1e6:>6.1f} {'yes' if marking else 'no':>8} "
                          f"{first:>7.2f} {second:>7.2f} {'yes' if is_marked else 'no':>7}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
