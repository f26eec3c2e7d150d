"""The seed file's shape, `pan seed` loading it, and the export/import commands."""

from __future__ import annotations

import csv
from collections import defaultdict

from sqlalchemy import func, select

from config import BASE_DIR
from pan_platform.catalogue.vocabularies import PRIORITY_AREA_ORIGINALS
from pan_platform.extensions import db
from pan_platform.thesaurus import operations
from pan_platform.thesaurus.lookup import related_terms, words
from pan_platform.thesaurus.models import THESAURUS_LANGUAGES, ThesaurusTerm
from tests.factories import make_org
from tests.thesaurus.helpers import SAMPLE, load_sample

SEED = BASE_DIR / "seed_data" / "thesaurus.csv"


def test_the_seed_file_has_the_expected_shape():
    with SEED.open(encoding="utf-8", newline="") as fh:
        assert fh.readline() == "concept,area,lang,term,preferred\n"
        fh.seek(0)
        rows = list(csv.DictReader(fh))
    languages, preferred, areas, seen = defaultdict(set), defaultdict(int), defaultdict(set), set()
    for row in rows:
        assert row["area"] in PRIORITY_AREA_ORIGINALS or row["area"] == "", row
        assert row["lang"] in THESAURUS_LANGUAGES, row
        assert row["preferred"] in ("0", "1"), row
        assert row["term"] == row["term"].strip() and words(row["term"]), row
        key = (row["concept"], row["lang"], "".join(words(row["term"])))
        assert key not in seen, f"duplicate term: {row}"
        seen.add(key)
        languages[row["concept"]].add(row["lang"])
        preferred[(row["concept"], row["lang"])] += row["preferred"] == "1"
        areas[row["concept"]].add(row["area"])
    assert all(langs == set(THESAURUS_LANGUAGES) for langs in languages.values()), [
        c for c, langs in languages.items() if langs != set(THESAURUS_LANGUAGES)]
    assert set(preferred.values()) == {1}, [k for k, n in preferred.items() if n != 1]
    assert all(len(a) == 1 for a in areas.values())
    # Every priority area is itself a concept, and has concepts of its own.
    assert set(PRIORITY_AREA_ORIGINALS) <= set(languages)
    assert {a for (a,) in areas.values()} >= set(PRIORITY_AREA_ORIGINALS)


def test_the_seed_file_imports(app):
    operations.import_csv(SEED.read_bytes(), None)
    assert "киберпреступность" in [r.term for r in related_terms("cyber-crime", limit=50)]


def test_pan_seed_loads_the_thesaurus_once(app):
    make_org()  # a database with data: the demo catalogue is not loaded, the empty thesaurus is
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pan", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    count = db.session.scalar(select(func.count(ThesaurusTerm.id)))
    assert count == len(SEED.read_text(encoding="utf-8").splitlines()) - 1
    load_sample()  # the secretariat's own thesaurus is kept by a later seed
    runner.invoke(args=["pan", "seed", "--if-empty"])
    assert db.session.scalar(select(func.count(ThesaurusTerm.id))) == len(SAMPLE.strip().splitlines()) - 1


def test_cli_export_and_import(app, tmp_path):
    load_sample()
    runner = app.test_cli_runner()
    out = tmp_path / "thesaurus.csv"
    result = runner.invoke(args=["pan", "thesaurus", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == operations.export_csv()

    bad = tmp_path / "bad.csv"
    bad.write_text("concept,area,lang,term,preferred\nx,,xx,y,1\n", encoding="utf-8")
    before = operations.export_csv()
    result = runner.invoke(args=["pan", "thesaurus", "import", str(bad)])
    assert result.exit_code != 0 and "Line 2" in result.output
    assert operations.export_csv() == before

    good = tmp_path / "good.csv"
    good.write_text("concept,area,lang,term,preferred\nx,,en,ransomware,1\n", encoding="utf-8")
    result = runner.invoke(args=["pan", "thesaurus", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(ThesaurusTerm.term)).all() == ["ransomware"]
