"""Dashboard benchmark: the time of the overview page (/overview) on a large catalogue.

    .venv/bin/python bench/dashboard.py                      # 10,000 materials
    .venv/bin/python bench/dashboard.py --n 50000            # 50,000 materials
    .venv/bin/python bench/dashboard.py --keep /tmp/dash-10k # keep (and reuse) the data

A temporary SQLite database is filled by bench/reindex_bench.py populate() (academies in
15 countries, partners, items with translations, areas, languages, shares and reader
rows), then given a year of usage (one row per item, month and country, for a third of
the items) and adapted copies (one item in twenty points at an earlier one of another
academy, some copies of copies). No search index is needed.

Then the page is asked for by three viewers, each on a cold cache (the counts cache
emptied: every dataset computed) and warm (from the cache, as every later viewer with
the same reader labels): a visitor (public version), an academy trainer and a platform
administrator (the richer version). Printed: the catalogue's size, each viewer's cold
time, warm median of 5 and the page's size, and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.reindex_bench import populate  # noqa: E402

WARM_RUNS = 5


def _app(workdir: Path):
    from pan_platform.app import create_app

    return create_app({
        "INSTANCE_DIR": str(workdir / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'db.sqlite'}",
        "PAN_STORAGE_DIR": str(workdir / "storage"),
        "PAN_INDEX_DIR": str(workdir / "index"),
        "WTF_CSRF_ENABLED": False,
        "PAN_RATE_LIMIT_STORE": "memory",
        "PAN_INPROCESS_SCHEDULER": False,
    })


def add_usage_and_adaptations(workdir: Path, seed: int) -> dict:
    """A year of usage for a third of the items, and adapted copies (5%)."""
    from sqlalchemy import func, insert, select, update

    from pan_platform.accounts.models import User
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db
    from pan_platform.organisations.models import Organisation
    from pan_platform.overview.models import ItemUsage

    rng = random.Random(seed)
    with _app(workdir).app_context():
        db.create_all()  # the usage table, when the data were made before it existed
        if db.session.scalar(select(func.count()).select_from(ItemUsage)):
            return _sizes(db, Item, ItemUsage)
        items = db.session.execute(select(Item.id, Item.owner_id).order_by(Item.id)).all()
        countries = ["AT", "DE", "FR", "IT", "ES", "RU", "TR", "RS", "UA", "KZ", "GE", "AM", "MD", "AL", "BA", ""]
        months = [f"{2026 - (m < 0)}-{(m % 12) + 1:02d}" for m in range(-1, 11)]
        rows = []
        for item_id, _owner in items[::3]:
            for month in months:
                rows.append({"item_id": item_id, "month": month, "country": rng.choice(countries),
                             "views": rng.randint(1, 60), "downloads": rng.randint(0, 20)})
                if len(rows) >= 5000:
                    db.session.execute(insert(ItemUsage.__table__), rows)
                    rows = []
        if rows:
            db.session.execute(insert(ItemUsage.__table__), rows)
        for index in range(20, len(items), 20):
            item_id, owner = items[index]
            for _try in range(5):
                source_id, source_owner = items[rng.randrange(index)]
                if source_owner != owner:
                    db.session.execute(update(Item).where(Item.id == item_id).values(adapted_from_id=source_id))
                    break
        academy = db.session.scalar(select(Organisation).where(Organisation.kind == "academy").order_by(Organisation.id))
        secretariat = Organisation(slug="secretariat", kind="secretariat", name="Secretariat")
        db.session.add(secretariat)
        for email, role, org in (("trainer@bench.example", "trainer", academy),
                                 ("admin@bench.example", "platform_admin", secretariat)):
            user = User(email=email, name=role, organisation=org, role=role)
            user.set_password("bench-password-2026")
            db.session.add(user)
        db.session.commit()
        return _sizes(db, Item, ItemUsage)


def _sizes(db, Item, ItemUsage) -> dict:
    from sqlalchemy import func, select

    return {"items": db.session.scalar(select(func.count()).select_from(Item)),
            "usage_rows": db.session.scalar(select(func.count()).select_from(ItemUsage)),
            "adapted": db.session.scalar(select(func.count()).where(Item.adapted_from_id.is_not(None)))}


def measure(workdir: Path) -> list[dict]:
    from flask import g

    app = _app(workdir)
    out = []
    with app.app_context():
        for viewer, email in (("visitor", None), ("academy trainer", "trainer@bench.example"),
                              ("platform admin", "admin@bench.example")):
            client = app.test_client()
            if email:
                client.post("/sign-in", data={"email": email, "password": "bench-password-2026"})
                g.pop("_login_user", None)
            app.extensions.pop("pan_counts", None)  # cold: every dataset computed
            started = time.perf_counter()
            response = client.get("/en/overview")
            cold = time.perf_counter() - started
            assert response.status_code == 200, (viewer, response.status_code)
            body = response.get_data()
            warm = []
            for _run in range(WARM_RUNS):
                g.pop("_login_user", None)
                started = time.perf_counter()
                assert client.get("/en/overview").status_code == 200
                warm.append(time.perf_counter() - started)
            member = b'data-dataset="usage"' in body
            out.append({"viewer": viewer, "version": "member" if member else "public",
                        "cold_ms": round(cold * 1000), "warm_median_ms": round(statistics.median(warm) * 1000),
                        "page_kb": round(len(body) / 1024)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="materials (default 10000; 50000 on request)")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--keep", type=Path, help="keep the data in this directory (reused when it holds a database)")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="pan-dashboard-"))
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        if not (workdir / "db.sqlite").exists():
            started = time.perf_counter()
            populate(workdir, args.n, args.seed, body_kb=1)
            print(f"populated {args.n} materials in {time.perf_counter() - started:.0f} s", flush=True)
        sizes = add_usage_and_adaptations(workdir, args.seed)
        print(f"catalogue: {sizes['items']} items, {sizes['usage_rows']} usage rows, {sizes['adapted']} adapted copies")
        print(f"{'viewer':<18} {'version':<8} {'cold ms':>8} {'warm ms':>8} {'page KB':>8}")
        for row in measure(workdir):
            print(f"{row['viewer']:<18} {row['version']:<8} {row['cold_ms']:>8} {row['warm_median_ms']:>8} {row['page_kb']:>8}")
        print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
