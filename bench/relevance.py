"""Relevance benchmark: judged queries over a multilingual corpus of police-training materials.

    .venv/bin/python bench/relevance.py                    # every query, both viewers
    .venv/bin/python bench/relevance.py --quick            # a fixed subset of the queries
    .venv/bin/python bench/relevance.py --json out.json --min-recall 0.85

A fresh temporary instance (SQLite, file store and index in a temporary directory) is
built, with the thesaurus of `seed_data/thesaurus.csv` as `pan seed` loads it; the corpus
under `bench/relevance/corpus/` is loaded through the real import path
(`catalogue.importer.import_archive`, as `pan import` does: one ZIP per academy with a
manifest.json and generated TXT/Markdown/DOCX/PDF files), translations and language
versions are added through the editor operations, text is extracted synchronously in the
bounded worker, and the index is built by `search.rebuild()`. Every query of
`bench/relevance/queries.json` is then run through `search.search()` with the filters
parsed by the search page's own `read_filters()` and the page's ordering of language
versions (`prefer_language`), in the searcher's interface language, once as an anonymous
visitor and once as a signed-in trainer of an academy that owns nothing in the corpus.

A judged item counts as relevant for a viewer only when `can(viewer, "read", item)`; a
query with nothing relevant that the viewer may read is not counted for that viewer.
Printed: recall@10 (found / min(10, relevant)), MRR and nDCG@10 (binary gains) per kind
and overall for both viewers,
median and p95 latency per query, and the worst queries. The judgements are frozen: see
bench/relevance/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = Path(__file__).resolve().parent / "relevance"
CORPUS = DATA / "corpus"
QUERIES = DATA / "queries.json"
SEED = ROOT / "seed_data"
K = 10
VIEWERS = ("anonymous", "academy")
# Corpus-only fields: not part of the import manifest.
EXTRA_FIELDS = ("body", "format", "translations", "topics", "owner")
QUICK_EVERY = 2  # --quick runs every second query of each kind


# ------------------------------------------------------------------ data

def load_corpus() -> list[dict]:
    """One dict per corpus file: {"academy": slug, "items": [...], "versions": [[key, ...], ...]}."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.json"))]


def by_owner(group: dict) -> dict[str, list[dict]]:
    """The file's items per owner academy: an item's `owner`, else the file's `academy`;
    children belong to their parent's owner (an import creates items in one academy)."""
    owner_of: dict[str, str] = {}
    batches: dict[str, list[dict]] = {}
    for entry in group["items"]:
        owner = owner_of.get(entry.get("parent", ""), entry.get("owner", group["academy"]))
        owner_of[entry["key"]] = owner
        batches.setdefault(owner, []).append(entry)
    return batches


def load_queries() -> list[dict]:
    return json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]


def quick_subset(queries: list[dict]) -> list[dict]:
    seen: dict[str, int] = {}
    chosen = []
    for query in queries:
        n = seen.get(query["kind"], 0)
        seen[query["kind"]] = n + 1
        if n % QUICK_EVERY == 0:
            chosen.append(query)
    return chosen


# ------------------------------------------------------------------ files

def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def _latin1_safe(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def write_file(folder: Path, entry: dict) -> str:
    """Write the entry's body as a file of its `format`; return its path inside the ZIP."""
    from seed_data.make_files import write_docx, write_pdf

    fmt = entry.get("format", "md")
    title, body, lang = entry["title"], entry["body"], entry.get("language", "en")
    if fmt == "pdf" and not (_latin1_safe(title + body) and len(body) < 3000):
        fmt = "docx"  # the hand-written PDF holds one page of Latin-script text only
    name = f"files/{entry['key']}.{fmt}"
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        write_pdf(path, title, _paragraphs(body), lang)
    elif fmt == "docx":
        write_docx(path, title, _paragraphs(body), lang, rtl=lang == "ar")
    elif fmt == "md":
        path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    else:
        path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return name


def build_archive(entries: list[dict], folder: Path) -> Path:
    """A ZIP as an academy editor would upload it: manifest.json and the files it names."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for entry in entries:
        row = {k: v for k, v in entry.items() if k not in EXTRA_FIELDS}
        if entry.get("body"):
            row["file"] = write_file(folder, entry)
        row.setdefault("state", "published")
        # The corpus is mostly public: restricted items say so (network, partners).
        row.setdefault("visibility", "inherit" if row.get("parent") else "public")
        manifest.append(row)
    (folder / "manifest.json").write_text(json.dumps({"items": manifest}, ensure_ascii=False), encoding="utf-8")
    from pan_platform.catalogue.importer import build_zip

    return build_zip(folder, folder.with_suffix(".zip"))


# ------------------------------------------------------------------ instance

@dataclass
class Instance:
    app: object
    items: dict[str, int]  # key -> item id
    viewers: dict[str, object]
    load_seconds: float
    tmp: tempfile.TemporaryDirectory


def make_app(tmp: Path):
    from pan_platform.app import create_app

    return create_app({
        "TESTING": True,
        "INSTANCE_DIR": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
        "PAN_STORAGE_DIR": str(tmp / "storage"),
        "PAN_INDEX_DIR": str(tmp / "index"),
        "PAN_EXTRACT_SYNC": True,
        "PAN_MAIL_BACKEND": "memory",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    })


def _user(org_slug: str, role: str):
    from sqlalchemy import select

    from pan_platform.accounts.models import User
    from pan_platform.extensions import db
    from pan_platform.organisations.models import Organisation

    email = f"{role}@{org_slug}.bench"
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:  # several corpus files may belong to one academy
        return existing
    org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    user = User(email=email, name=f"{role} {org_slug}", organisation=org, role=role)
    user.set_password("bench-password-not-secret")
    db.session.add(user)
    db.session.commit()
    return user


def _add_translations(editor, entries: list[dict], items: dict[str, int]) -> None:
    from pan_platform.catalogue.models import Item
    from pan_platform.catalogue.translation_ops import TranslationText, save_translation
    from pan_platform.extensions import db

    for entry in entries:
        for language, text in (entry.get("translations") or {}).items():
            item = db.session.get(Item, items[entry["key"]])
            outcomes = text.get("learning_outcomes") or []
            save_translation(editor, item, language, TranslationText(
                title=text["title"], summary=text.get("summary", ""),
                learning_outcomes="\n".join(outcomes) if isinstance(outcomes, list) else outcomes,
            ))


def _link_versions(group: dict, items: dict[str, int]) -> None:
    """Versions of one work, linked by an editor of their (common) owner academy."""
    from pan_platform.catalogue.language_versions import link_versions
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db

    for keys in group.get("versions", []):
        first = db.session.get(Item, items[keys[0]])
        editor = _user(first.owner.slug, "editor")
        for other in keys[1:]:
            link_versions(editor, first, db.session.get(Item, items[other]))


@contextmanager
def _parallel_extraction():
    """One extraction worker per core instead of the portal's one while the corpus loads:
    the same bounded worker process per file, only more of them at once (extraction
    dominates the load time). The portal's pool is put back afterwards."""
    from pan_platform.storage import extract

    original = extract._pool
    extract._pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="pan-extract")
    try:
        yield
    finally:
        extract._pool.shutdown(wait=True)
        extract._pool = original


def build_instance(reader_academy: str = "academy-poland") -> Instance:
    """A fresh instance with the corpus imported, text extracted and the index built."""
    from sqlalchemy import select

    from pan_platform import search
    from pan_platform.accounts.models import use_fast_password_hashing
    from pan_platform.catalogue.importer import import_archive
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db
    from pan_platform.seeding import ensure_priority_areas, load_countries, load_organisations
    from pan_platform.storage.extract import pending_ids
    from pan_platform.thesaurus.operations import seed_if_empty

    use_fast_password_hashing()
    started = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="pan-relevance-")
    base = Path(tmp.name)
    app = make_app(base)
    with app.app_context(), _parallel_extraction():
        db.create_all()
        ensure_priority_areas()
        load_countries(SEED)
        db.session.flush()
        load_organisations(SEED)
        seed_if_empty(SEED / "thesaurus.csv")  # as `pan seed` does: query expansion needs it
        db.session.commit()
        for number, group in enumerate(load_corpus()):
            for owner, entries in by_owner(group).items():
                editor = _user(owner, "editor")
                archive = build_archive(entries, base / "zips" / f"{number}-{owner}")
                import_archive(editor, archive, source_name=archive.name)
                keys = [e["key"] for e in entries]
                items = dict(db.session.execute(
                    select(Item.source_key, Item.id).where(Item.source_key.in_(keys))).all())
                _add_translations(editor, entries, items)
        items = dict(db.session.execute(select(Item.source_key, Item.id)).all())
        for group in load_corpus():  # versions may link items of several corpus files
            _link_versions(group, items)
        left = pending_ids()
        if left:
            raise SystemExit(f"text extraction left {len(left)} file versions pending")
        reader = _user(reader_academy, "trainer")
        search.rebuild()
        items = dict(db.session.execute(select(Item.source_key, Item.id)).all())
        viewers = {"anonymous": None, "academy": reader.id}
    return Instance(app, items, viewers, time.perf_counter() - started, tmp)


# ------------------------------------------------------------------ measuring

@dataclass
class Outcome:
    query: dict
    viewer: str
    relevant: list[str]
    found: list[str]
    seconds: float
    recall: float = 0.0
    mrr: float = 0.0
    ndcg: float = 0.0
    missing: list[str] = field(default_factory=list)


def score(found: list[str], relevant: list[str]) -> tuple[float, float, float]:
    """recall@K, reciprocal rank and nDCG@K with binary gains.

    recall@K counts the relevant items found in the first K against min(K, relevant):
    a query with 30 relevant items (every item of a priority area) is fully served by
    10 of them on the first page."""
    wanted = set(relevant)
    top = found[:K]
    hits = [key in wanted for key in top]
    recall = sum(hits) / min(len(wanted), K)
    mrr = next((1.0 / (rank + 1) for rank, hit in enumerate(hits) if hit), 0.0)
    dcg = sum(1.0 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(wanted), K)))
    return recall, mrr, dcg / ideal


def run_query(query: dict, user, keys_by_id: dict[int, str]) -> tuple[list[str], float]:
    """The search page's path: filters parsed by the page, search(), rows in the page's order."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    from pan_platform import search
    from pan_platform.catalogue.filters import read_filters
    from pan_platform.catalogue.language_versions import prefer_language
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db

    lang = query["language"]
    filters = read_filters(MultiDict(query.get("filters") or {})).criteria()
    started = time.perf_counter()
    with force_locale(lang):
        result = search.search(user, query["query"], filters=filters, page=1, sort="relevance", lang=lang,
                               per_page=20)
        rows = {item.id: item for item in db.session.query(Item).filter(Item.id.in_(result.ids))}
        ordered = prefer_language([rows[i] for i in result.ids if i in rows], lang)
    seconds = time.perf_counter() - started
    return [keys_by_id[item.id] for item in ordered], seconds


def measure(instance: Instance, queries: list[dict]) -> list[Outcome]:
    from pan_platform.access import can
    from pan_platform.accounts.models import User
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db

    outcomes = []
    keys_by_id = {v: k for k, v in instance.items.items()}
    with instance.app.test_request_context("/search"):
        for viewer in VIEWERS:
            user_id = instance.viewers[viewer]
            user = db.session.get(User, user_id) if user_id else None
            readable = {key for key, item_id in instance.items.items()
                        if can(user, "read", db.session.get(Item, item_id))}
            for query in queries:
                relevant = [k for k in query["relevant"] if k in readable]
                if not relevant:
                    continue  # nothing this viewer may read is relevant: the query does not count
                found, seconds = run_query(query, user, keys_by_id)
                outcome = Outcome(query, viewer, relevant, found, seconds)
                outcome.recall, outcome.mrr, outcome.ndcg = score(found, relevant)
                outcome.missing = [k for k in relevant if k not in found[:K]]
                outcomes.append(outcome)
    return outcomes


# ------------------------------------------------------------------ report

def summarise(outcomes: list[Outcome]) -> dict:
    table: dict = {}
    for viewer in VIEWERS:
        mine = [o for o in outcomes if o.viewer == viewer]
        kinds = sorted({o.query["kind"] for o in mine})
        rows = {}
        for kind in [*kinds, "overall"]:
            sel = mine if kind == "overall" else [o for o in mine if o.query["kind"] == kind]
            if not sel:
                continue
            rows[kind] = {
                "queries": len(sel),
                "recall@10": round(statistics.fmean(o.recall for o in sel), 3),
                "mrr": round(statistics.fmean(o.mrr for o in sel), 3),
                "ndcg@10": round(statistics.fmean(o.ndcg for o in sel), 3),
            }
        table[viewer] = rows
    times = sorted(o.seconds * 1000 for o in outcomes)
    latency = {
        "median_ms": round(statistics.median(times), 1) if times else 0.0,
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1) if times else 0.0,
    }
    return {"viewers": table, "latency": latency}


def print_report(summary: dict, outcomes: list[Outcome], instance: Instance, worst: int) -> None:
    print(f"corpus: {len(instance.items)} items, loaded, extracted and indexed in {instance.load_seconds:.1f} s")
    for viewer, rows in summary["viewers"].items():
        print(f"\n{viewer}:")
        print(f"  {'kind':<16}{'queries':>8}{'recall@10':>11}{'MRR':>8}{'nDCG@10':>9}")
        for kind, row in rows.items():
            print(f"  {kind:<16}{row['queries']:>8}{row['recall@10']:>11.3f}{row['mrr']:>8.3f}{row['ndcg@10']:>9.3f}")
    lat = summary["latency"]
    print(f"\nlatency per query: median {lat['median_ms']} ms, p95 {lat['p95_ms']} ms")
    print(f"\nworst {worst} queries (signed-in academy viewer, by recall@10 then nDCG@10):")
    mine = sorted((o for o in outcomes if o.viewer == "academy"), key=lambda o: (o.recall, o.ndcg))
    for o in mine[:worst]:
        q = o.query
        filters = f" {q['filters']}" if q.get("filters") else ""
        print(f"  {q['id']:<8}{q['kind']:<15}[{q['language']}] {q['query']!r}{filters}: "
              f"recall {o.recall:.2f}, nDCG {o.ndcg:.2f}, missing {', '.join(o.missing[:4])}"
              f"{' ...' if len(o.missing) > 4 else ''}")


def run(quick: bool = False) -> tuple[dict, list[Outcome], Instance]:
    queries = load_queries()
    if quick:
        queries = quick_subset(queries)
    instance = build_instance()
    try:
        outcomes = measure(instance, queries)
    finally:
        with instance.app.app_context():
            from pan_platform.extensions import db

            db.session.remove()
            db.engine.dispose()
    return summarise(outcomes), outcomes, instance


def overall_recall(summary: dict) -> float:
    """The lower of the two viewers' overall recall@10 (the guard's figure)."""
    return min(rows["overall"]["recall@10"] for rows in summary["viewers"].values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every second query of each kind")
    parser.add_argument("--json", type=Path, help="write the figures and every query's result here")
    parser.add_argument("--min-recall", type=float, help="exit with status 1 when overall recall@10 is below")
    parser.add_argument("--worst", type=int, default=15, help="how many of the worst queries to list")
    args = parser.parse_args(argv)
    summary, outcomes, instance = run(quick=args.quick)
    print_report(summary, outcomes, instance, args.worst)
    if args.json:
        detail = [{"id": o.query["id"], "kind": o.query["kind"], "viewer": o.viewer, "recall@10": round(o.recall, 3),
                   "mrr": round(o.mrr, 3), "ndcg@10": round(o.ndcg, 3), "ms": round(o.seconds * 1000, 1),
                   "missing": o.missing, "top10": o.found[:K]} for o in outcomes]
        args.json.write_text(json.dumps({**summary, "queries": detail}, ensure_ascii=False, indent=1), encoding="utf-8")
    instance.tmp.cleanup()
    if args.min_recall is not None and overall_recall(summary) < args.min_recall:
        print(f"\noverall recall@10 {overall_recall(summary):.3f} is below {args.min_recall}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
