"""Rebuild benchmark: the full search-index rebuild from the database, as `pan reindex` runs it.

    .venv/bin/python bench/reindex_bench.py                        # 50,000 materials
    .venv/bin/python bench/reindex_bench.py --n 2000
    .venv/bin/python bench/reindex_bench.py --n 2000 --procs 1
    .venv/bin/python bench/reindex_bench.py --keep /tmp/reindex-data   # keep the data; reused when present
    .venv/bin/python bench/reindex_bench.py --measure /tmp/reindex-data   # rebuild and checks only (to profile)

A temporary SQLite database is filled with the materials of search_bench.generate():
academies, partner organisations, items with translations, priority areas, languages,
shares and a current file version whose extracted text is the record's body. The rows
are inserted in batches with Core inserts; the derived reader rows are written by the
access module's own `refresh_readers()`. No file blobs are stored: a rebuild reads only
the extracted text. There is no index during the inserts, so commits do not index.

Then `pan_platform.search.rebuild()` is timed in a fresh process (its peak RSS is the
rebuild's, not the inserts'), and the result is checked: `search.check()` is clean, the
index holds every item, a sample of documents equals those built from the corpus records,
and a title word of one item finds it. The exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import NUM_PARTNERS, _dir_size, generate  # noqa: E402

BATCH = 1000
SAMPLE_EVERY = 100  # every 100th record's document is compared with the index's


def _app(workdir: Path):
    from pan_platform.app import create_app

    return create_app({
        "INSTANCE_DIR": str(workdir / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'db.sqlite'}",
        "PAN_STORAGE_DIR": str(workdir / "storage"),
        "PAN_INDEX_DIR": str(workdir / "index"),
    })


def _access(principals: list[str], owner: int) -> tuple[str, str, list[int]]:
    """Visibility, partner scope and shared-with organisations that grant exactly these labels."""
    labels = set(principals) - {f"org:{owner}"}
    partners = sorted(int(label[4:]) for label in labels if label.startswith("org:"))
    if "public" in labels:
        return "public", "named", partners
    if "partners" in labels:
        return "partners", "all", partners
    if partners:
        return "partners", "named", partners
    if "network" in labels:
        return "network", "named", []
    return "private", "named", []


def populate(workdir: Path, n: int, seed: int, body_kb: int) -> dict[str, str]:
    """Fill the database with n materials; returns the expected stamps of a sample, by id."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import selectinload

    from pan_platform import search
    from pan_platform.access.readers import refresh_readers
    from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage, ItemTranslation
    from pan_platform.extensions import db
    from pan_platform.organisations.models import Country, Organisation
    from pan_platform.search import index as search_index
    from pan_platform.search.documents import build_document
    from pan_platform.seeding import ensure_priority_areas
    from pan_platform.sharing.models import ItemShare
    from pan_platform.storage.models import FileVersion, MaterialFile

    expected: dict[str, str] = {}
    with _app(workdir).app_context():
        if search_index.live_dir(search.index_path()) is not None:
            raise SystemExit("an index exists already: the inserts would update it")
        db.create_all()
        ensure_priority_areas()
        db.session.execute(insert(Organisation.__table__), [
            {"id": 1000 + i, "slug": f"partner-{i + 1}", "kind": "partner", "name": f"Partner organisation {i + 1}"}
            for i in range(NUM_PARTNERS)
        ])
        db.session.commit()
        countries: set[str] = set()
        academies: set[int] = set()
        records = generate(n, seed, body_kb)
        while chunk := list(islice(records, BATCH)):
            rows: dict[type, list[dict]] = {model: [] for model in (
                Country, Organisation, Item, ItemTranslation, ItemArea, ItemLanguage, ItemShare, MaterialFile,
                FileVersion)}
            for r in chunk:
                item_id, owner = r["id"], int(r["academy"].rsplit("-", 1)[1])
                if r["country"] not in countries:
                    countries.add(r["country"])
                    rows[Country].append({"code": r["country"], "kind": "participating"})
                if owner not in academies:
                    academies.add(owner)
                    rows[Organisation].append({"id": owner, "slug": r["academy"], "kind": "academy",
                                               "name": f"Police academy {owner}", "country_code": r["country"]})
                visibility, scope, partners = _access(r["principals"], owner)
                when = datetime.fromtimestamp(r["published"], UTC).replace(tzinfo=None)
                original, *translations = r["texts"]
                rows[Item].append({
                    "id": item_id, "kind": r["kind"], "owner_id": owner, "title": original["title"],
                    "summary": original["summary"], "learning_outcomes": original["outcomes"],
                    "language": r["language"], "keywords": r["keywords"], "audience": r["audience"],
                    "level": r["level"], "resource_type": r["type"], "state": r["state"],
                    "visibility": visibility, "partner_scope": scope,
                    "created_at": when, "updated_at": when, "published_at": when,
                })
                rows[ItemTranslation] += [{"item_id": item_id, "language": t["lang"], "title": t["title"],
                                           "summary": t["summary"], "learning_outcomes": t["outcomes"]}
                                          for t in translations]
                rows[ItemArea] += [{"item_id": item_id, "area_code": code} for code in r["areas"]]
                rows[ItemLanguage] += [{"item_id": item_id, "language": code} for code in r["languages"]]
                rows[ItemShare] += [{"item_id": item_id, "organisation_id": p, "created_at": when} for p in partners]
                body = r["body"].encode()
                rows[MaterialFile].append({"id": item_id, "item_id": item_id, "role": "other",
                                           "language": r["language"], "position": 0, "created_at": when})
                rows[FileVersion].append({
                    "item_id": item_id, "file_id": item_id, "number": 1, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
                    "mime_type": "text/plain", "original_name": f"material-{item_id}.txt", "uploaded_at": when,
                    "text": r["body"], "text_status": "done", "text_language": r["body_lang"],
                })
                if item_id % SAMPLE_EVERY == 1:
                    expected[str(item_id)] = build_document(r)["stamp"]
            for model, model_rows in rows.items():
                if model_rows:
                    db.session.execute(insert(model.__table__), model_rows)
            # The derived reader rows: written by the access module, as on any flush of an item.
            ids = [r["id"] for r in chunk]
            for item in db.session.scalars(select(Item).where(Item.id.in_(ids)).options(
                selectinload(Item.owner), selectinload(Item.shares), selectinload(Item.area_rows),
                selectinload(Item.reader_rows), selectinload(Item.children),
            )):
                refresh_readers(item)
            db.session.commit()
            db.session.expunge_all()
        if search_index.live_dir(search.index_path()) is not None:
            raise SystemExit("the inserts created an index")
    return expected


def measure(workdir: Path, procs: int | None) -> dict:
    """Time search.rebuild() and check its result (run in a fresh process)."""
    from sqlalchemy import select

    from pan_platform import search
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db
    from pan_platform.search import index as search_index
    from pan_platform.search.analysis import plain_words

    with _app(workdir).app_context():
        items = search.item_count()
        started = time.perf_counter()
        count = search.rebuild(procs=procs)
        seconds = time.perf_counter() - started
        out: dict = {
            "items": items, "indexed": count, "seconds": round(seconds, 1), "items_per_s": round(items / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "index_mb": round(_dir_size(Path(os.path.realpath(search.index_path()))) / 1024 / 1024),
        }
        started = time.perf_counter()
        report = search.check()
        out["check"] = {
            "clean": report.clean, "in_database": report.in_database, "in_index": report.in_index,
            "missing": len(report.missing), "stale": len(report.stale), "extra": len(report.extra),
            "pending": len(report.pending), "seconds": round(time.perf_counter() - started, 1),
        }
        searcher = search_index.searcher(search.index_path())
        out["doc_count"] = searcher.doc_count()
        expected_path = workdir / "expected.json"
        expected = json.loads(expected_path.read_text())["stamps"] if expected_path.exists() else {}
        out["sample"] = len(expected)
        out["sample_differs"] = [
            int(i) for i, stamp in expected.items() if (searcher.document(id=i) or {}).get("stamp") != stamp
        ]
        item = db.session.scalars(select(Item).where(Item.id >= max(1, items // 2)).order_by(Item.id)).first()
        word = max(plain_words(item.title), key=len)
        user = SimpleNamespace(is_authenticated=True, is_active=True, role="trainer", organisation_id=item.owner_id,
                               organisation=SimpleNamespace(kind="academy", id=item.owner_id))
        result = search.search(user, f"title:{word}", filters={"academy": item.owner.slug}, lang=item.language)
        out["probe"] = {"id": item.id, "query": f"title:{word}", "academy": item.owner.slug,
                        "total": result.total, "found": item.id in result.ids}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="materials (default 50000)")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--body-kb", type=int, default=16, help="extracted text per material, KB")
    parser.add_argument("--procs", type=int, default=0, help="indexing processes (default 0: as `pan reindex`, auto)")
    parser.add_argument("--keep", type=Path, help="keep the data in this directory (reused when it holds a database)")
    parser.add_argument("--measure", type=Path, help="only rebuild and check the data in this directory; print JSON")
    args = parser.parse_args(argv)
    procs = args.procs or None

    if args.measure:
        print(json.dumps(measure(args.measure.resolve(), procs)))
        return 0

    workdir = (args.keep or Path(tempfile.mkdtemp(prefix="pan-reindex-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    expected_path = workdir / "expected.json"
    if expected_path.exists():
        n = json.loads(expected_path.read_text())["n"]
        print(f"reusing the {n} materials in {workdir}")
    else:
        n = args.n
        started = time.perf_counter()
        stamps = populate(workdir, n, args.seed, args.body_kb)
        expected_path.write_text(json.dumps({"n": n, "stamps": stamps}))
        print(f"inserted {n} materials in {time.perf_counter() - started:.0f} s; database "
              f"{(workdir / 'db.sqlite').stat().st_size / 1024 / 1024:.0f} MB ({workdir})")

    run = subprocess.run([sys.executable, __file__, "--measure", str(workdir), "--procs", str(args.procs)],
                         stdout=subprocess.PIPE, text=True)
    if run.returncode != 0:
        print(f"the rebuild process failed (exit status {run.returncode})")
        return 1
    f = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"rebuild: {f['indexed']} of {f['items']} items in {f['seconds']} s, {f['items_per_s']} items/s "
          f"(procs={args.procs or 'auto'}, {os.cpu_count()} cores); peak RSS {f['peak_rss_mb']} MB "
          f"(rebuild process), {f['worker_peak_rss_mb']} MB (largest worker); index {f['index_mb']} MB")
    c, p = f["check"], f["probe"]
    checks = {
        f"search.check() clean: database {c['in_database']}, index {c['in_index']}, missing {c['missing']}, "
        f"stale {c['stale']}, extra {c['extra']}, pending {c['pending']} ({c['seconds']} s)": c["clean"],
        f"index doc count {f['doc_count']} = {n}": f["doc_count"] == n == f["indexed"],
        f"{f['sample'] - len(f['sample_differs'])} of {f['sample']} sampled documents equal the corpus' "
        f"{f['sample_differs'][:5] or ''}": not f["sample_differs"],
        f"{p['query']} in {p['academy']} finds item {p['id']} ({p['total']} hits)": p["found"],
    }
    for text, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {text}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
