"""Search benchmark: a deterministic multilingual corpus, indexing throughput, index size,
peak memory and query latency through the same code as the search page.

    .venv/bin/python bench/search_bench.py                 # 50,000 materials
    .venv/bin/python bench/search_bench.py --n 10000
    .venv/bin/python bench/search_bench.py --n 2000 --dump /tmp/corpus.jsonl
    .venv/bin/python bench/search_bench.py --corpus /tmp/corpus.jsonl

Each material has ~16 KB of text (title, summary, outcomes, keywords and extracted
file text) in one of 8 languages, sometimes with a translation, realistic facet
values and principals. Queries (one term, two terms, two-word phrases) each run with
an access filter (a user's principals), a facet filter, facet counts and snippets, via
`pan_platform.search.search()`. The query phase runs in a fresh process, so its peak
memory is that of a serving process, not of the indexer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREAS = ["police-reform", "organized-crime", "terrorism", "illicit-drugs", "human-trafficking",
         "cybercrime", "state-cooperation", "partner-cooperation"]
TYPES = ["handbook", "lesson-plan", "slide-deck", "case-study", "exercise", "video", "e-learning",
         "guideline", "assessment"]
AUDIENCES = ["recruits", "patrol-officers", "investigators", "specialists", "border-police",
             "supervisors", "senior-managers", "trainers"]
LEVELS = ["introductory", "intermediate", "advanced", "specialist"]
LANGUAGES = [("en", 30), ("ru", 20), ("fr", 10), ("de", 10), ("es", 8), ("it", 7), ("tr", 8), ("ar", 7)]
DOMAIN = {
    "en": "police investigation investigations trafficking victims evidence cybercrime border training officers "
          "community policing corruption interview witnesses forensic drugs terrorism prevention cooperation "
          "academy curriculum module handbook exercise human rights crime analysis intelligence patrol".split(),
    "ru": "полиция полицейских расследование расследования торговля жертвы доказательства киберпреступность "
          "граница обучение сотрудники коррупция допрос свидетели экспертиза наркотики терроризм профилактика "
          "сотрудничество академия программа модуль пособие упражнение права человека преступность анализ".split(),
    "fr": "police enquête enquêtes traite victimes preuves cybercriminalité frontière formation agents "
          "corruption audition témoins criminalistique drogues terrorisme prévention coopération académie "
          "programme module manuel exercice droits homme criminalité analyse renseignement patrouille".split(),
    "de": "Polizei Ermittlung Ermittlungen Menschenhandel Opfer Beweise Cyberkriminalität Grenze Ausbildung "
          "Beamte Korruption Vernehmung Zeugen Kriminaltechnik Drogen Terrorismus Prävention Zusammenarbeit "
          "Akademie Lehrplan Modul Handbuch Übung Menschenrechte Kriminalität Analyse Streife".split(),
    "es": "policía investigación investigaciones trata víctimas pruebas ciberdelincuencia frontera formación "
          "agentes corrupción entrevista testigos forense drogas terrorismo prevención cooperación academia "
          "programa módulo manual ejercicio derechos humanos delincuencia análisis patrulla".split(),
    "it": "polizia indagine indagini tratta vittime prove criminalità informatica frontiera formazione agenti "
          "corruzione interrogatorio testimoni forense droghe terrorismo prevenzione cooperazione accademia "
          "programma modulo manuale esercitazione diritti umani analisi pattuglia".split(),
    "tr": "polis soruşturma insan ticareti mağdurlar delil siber suç sınır eğitim memurlar yolsuzluk "
          "ifade tanıklar adli uyuşturucu terörizm önleme işbirliği akademi müfredat modül el kitabı".split(),
    "ar": "الشرطة التحقيق الاتجار الضحايا الأدلة الجرائم الإلكترونية الحدود التدريب الضباط الفساد "
          "الشهود المخدرات الإرهاب الوقاية التعاون الأكاديمية المنهج الوحدة الدليل التمرين".split(),
}
SYLLABLES = {
    "en": "ba ter con ment tion al ing pro re de in ex ple com ver sta ly ous ate ive".split(),
    "ru": "ка про ни ва ст ра то ли ко не ре ми де ло вы ско ть ие ных ого".split(),
    "fr": "con tion ment re de pré ai eur ique ité ou er ale au ence pro".split(),
    "de": "ver ge ung be schaft lich keit en er ein aus zu heit ter ste".split(),
    "es": "con ción mente re de pre ado ida os as ar er ía en pro".split(),
    "it": "con zione mente re de pre ato ita oni are ere ia ento pro".split(),
    "tr": "lar ler ma me si ka ya de da ın in gi ci lik lık ba".split(),
    "ar": "ال ات ين ية مح تم سا كا لم عر نا".split(),
}
NUM_ACADEMIES = 120
NUM_PARTNERS = 12


def _vocabulary(rng: random.Random, lang: str, size: int = 4000) -> list[str]:
    sylls = SYLLABLES[lang]
    words = {"".join(rng.choice(sylls) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return sorted(words)


def _sentences(rng: random.Random, lang: str, count: int = 1500) -> list[str]:
    vocab, domain = _vocabulary(rng, lang), DOMAIN[lang]
    out = []
    for _ in range(count):
        words = [rng.choice(domain) if rng.random() < 0.12 else rng.choice(vocab) for _ in range(rng.randint(8, 22))]
        out.append(" ".join(words).capitalize() + ".")
    return out


def _principals(rng: random.Random, owner: int) -> list[str]:
    roll = rng.random()
    own = f"org:{owner}"
    if roll < 0.40:
        return sorted({"public", own})
    if roll < 0.70:
        return sorted({"network", own})
    if roll < 0.85:
        return sorted({"network", "partners", own})
    if roll < 0.95:
        return sorted({"network", own, f"org:{1000 + rng.randrange(NUM_PARTNERS)}"})
    return [own]


def generate(n: int, seed: int = 20240501, body_kb: int = 16):
    """Yield n deterministic item records (the shape of pan_platform.search.documents.item_record)."""
    rng = random.Random(seed)
    pools = {lang: _sentences(random.Random(f"{seed}-{lang}"), lang) for lang, _w in LANGUAGES}
    codes, weights = zip(*LANGUAGES, strict=True)
    academies = [(i + 1, f"academy-{i + 1}", ["AT", "DE", "FR", "IT", "ES", "RU", "TR", "RS", "UA", "KZ",
                                             "GE", "AM", "MD", "AL", "BA"][i % 15]) for i in range(NUM_ACADEMIES)]
    base_time = 1_500_000_000
    body_chars = body_kb * 1024
    for item_id in range(1, n + 1):
        lang = rng.choices(codes, weights)[0]
        owner, slug, country = academies[rng.randrange(NUM_ACADEMIES)]
        pool = pools[lang]

        def text_in(code: str) -> dict:
            p = pools[code]
            title = " ".join(p[rng.randrange(len(p))].split()[: rng.randint(3, 8)]).rstrip(".")
            return {"lang": code, "title": title, "summary": " ".join(rng.sample(p, 2)),
                    "outcomes": "\n".join(rng.sample(p, 3))}

        texts = [text_in(lang)]
        if rng.random() < 0.3:
            texts.append(text_in(rng.choice([c for c in codes if c != lang])))
        parts, size = [], 0
        while size < body_chars:
            sentence = pool[rng.randrange(len(pool))]
            parts.append(sentence)
            size += len(sentence) + 1
        yield {
            "id": item_id, "kind": "material", "language": lang, "texts": texts,
            "keywords": rng.sample(DOMAIN[lang], 3), "body": " ".join(parts), "body_lang": lang,
            "academy": slug, "country": country, "areas": sorted(rng.sample(AREAS, rng.randint(1, 3))),
            "languages": sorted({t["lang"] for t in texts}), "type": rng.choice(TYPES),
            "audience": rng.choice(AUDIENCES), "level": rng.choice(LEVELS), "state": "published",
            "published": base_time + rng.randrange(250_000_000), "principals": _principals(rng, owner),
        }


def read_corpus(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def query_mix(seed: int, count: int) -> list[dict]:
    """One-term, two-term and phrase queries, each with a user and a facet filter."""
    rng = random.Random(seed)
    codes = [c for c, _w in LANGUAGES if c in DOMAIN]
    phrases = {c: _sentences(random.Random(f"{seed}-{c}"), c, 300) for c in codes}
    mix = []
    for i in range(count):
        lang = rng.choice(codes[:6])
        shape = i % 3
        if shape == 0:
            text = rng.choice(DOMAIN[lang])
        elif shape == 1:
            text = " ".join(rng.sample(DOMAIN[lang], 2))
        else:
            words = rng.choice(phrases[lang]).rstrip(".").split()
            start = rng.randrange(max(1, len(words) - 1))
            text = '"' + " ".join(words[start : start + 2]) + '"'
        facet = rng.choice(["area", "type", "language", "level"])
        value = {"area": rng.choice(AREAS), "type": rng.choice(TYPES), "language": lang,
                 "level": rng.choice(LEVELS)}[facet]
        user = rng.choice(["anonymous", "academy", "partner", "named"])
        mix.append({"q": text, "lang": lang, "filters": {facet: value}, "user": user,
                    "academy": 1 + rng.randrange(NUM_ACADEMIES), "partner": 1000 + rng.randrange(NUM_PARTNERS)})
    return mix


def _user(spec: dict):
    if spec["user"] == "anonymous":
        return None
    kind = "academy" if spec["user"] == "academy" else "partner"
    org_id = spec["academy"] if kind == "academy" else spec["partner"]
    return SimpleNamespace(is_authenticated=True, is_active=True, role="trainer", organisation_id=org_id,
                           organisation=SimpleNamespace(kind=kind, id=org_id))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run_queries(index_dir: str, count: int, seed: int) -> dict:
    """Query phase (run in a fresh process): latency of search() with filters, facets, snippets."""
    from pan_platform import search
    from pan_platform.app import create_app

    tmp = tempfile.mkdtemp(prefix="pan-bench-app-")
    app = create_app({"INSTANCE_DIR": tmp, "PAN_INDEX_DIR": index_dir, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/db.sqlite"})
    mix = query_mix(seed, count)
    timings, totals = [], []
    with app.test_request_context():
        from pan_platform.extensions import db

        db.create_all()  # a serving process has a migrated database (the thesaurus is read from it)
        first = time.perf_counter()
        search.search(None, "police", filters={"area": "cybercrime"}, lang="en")
        cold = time.perf_counter() - first
        for spec in mix[:10]:  # warm-up, not counted
            search.search(_user(spec), spec["q"], filters=spec["filters"], lang=spec["lang"])
        for spec in mix:
            started = time.perf_counter()
            result = search.search(_user(spec), spec["q"], filters=spec["filters"], lang=spec["lang"])
            timings.append((time.perf_counter() - started) * 1000)
            totals.append(result.total)
        freshness = _visible_after_commit(index_dir, app)
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "visible_after_commit_ms": freshness,
        "queries": len(timings), "cold_first_query_ms": round(cold * 1000, 1),
        "p50_ms": round(_percentile(timings, 50), 1), "p95_ms": round(_percentile(timings, 95), 1),
        "p99_ms": round(_percentile(timings, 99), 1), "max_ms": round(max(timings), 1),
        "mean_hits": round(statistics.mean(totals), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _visible_after_commit(index_dir: str, app, rounds: int = 5) -> dict:
    """Time from writing one new material into the index (what runs after a database
    commit) until a search finds it, while a server-like process has the index open."""
    from pan_platform import search
    from pan_platform.search import index as search_index
    from pan_platform.search.documents import build_document

    timings = []
    record = next(generate(1, seed=7, body_kb=16))
    for round_ in range(rounds):
        word = f"freshnessprobe{round_}x"
        record = {**record, "id": 10_000_000 + round_, "principals": ["public"],
                  "texts": [{**record["texts"][0], "title": f"{word} {record['texts'][0]['title']}"}]}
        started = time.perf_counter()
        search_index.write(Path(index_dir), [build_document(record)])
        while search.search(None, word, lang=record["language"]).total != 1:
            time.sleep(0.01)
        timings.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="materials to generate (default 50000)")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--body-kb", type=int, default=16, help="extracted text per material, KB")
    parser.add_argument("--dump", type=Path, help="write the corpus to this JSONL file")
    parser.add_argument("--corpus", type=Path, help="read the corpus from this JSONL file instead")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="indexing processes (default: one per core)")
    parser.add_argument("--index-dir", type=Path, help="keep the index here (default: a temp dir)")
    parser.add_argument("--query-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.query_only:
        print(json.dumps(run_queries(str(args.query_only), args.queries, args.seed)))
        return 0

    from pan_platform.search import index as search_index
    from pan_platform.search.documents import build_document

    records = read_corpus(args.corpus) if args.corpus else generate(args.n, args.seed, args.body_kb)
    if args.dump:
        args.dump.parent.mkdir(parents=True, exist_ok=True)
        with open(args.dump, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"corpus written to {args.dump}")
        records = read_corpus(args.dump)

    workdir = args.index_dir or Path(tempfile.mkdtemp(prefix="pan-bench-")) / "index"
    started = time.perf_counter()
    count = search_index.rebuild(workdir, (build_document(r) for r in records), procs=args.procs,
                                 expected=None if args.corpus else args.n)
    elapsed = time.perf_counter() - started
    size_mb = _dir_size(Path(os.path.realpath(workdir))) / 1024 / 1024
    print(f"indexed {count} materials in {elapsed:.1f} s: {count / elapsed:.0f} materials/s "
          f"(procs={args.procs}); index size {size_mb:.0f} MB; "
          f"indexer peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    out = subprocess.run(
        [sys.executable, __file__, "--query-only", str(workdir), "--queries", str(args.queries),
         "--seed", str(args.seed)],
        capture_output=True, text=True, check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"queries: {figures['queries']} (one-term, two-term, phrase; access filter, facet filter, "
          f"facet counts, snippets) p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
          f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; first query {figures['cold_first_query_ms']} ms; "
          f"mean hits {figures['mean_hits']}; serving process peak RSS {figures['peak_rss_mb']} MB")
    fresh = figures["visible_after_commit_ms"]
    print(f"a new material is found by search {fresh['median_ms']} ms after its index write "
          f"(median of 5, max {fresh['max_ms']} ms)")
    if not args.index_dir:
        shutil.rmtree(workdir.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
