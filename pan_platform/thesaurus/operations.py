"""Import and export of the thesaurus as CSV (`concept,area,lang,term,preferred`).

An import replaces the whole thesaurus in one transaction, or changes nothing: every row is
checked first, and a file with any problem is refused with the lines at fault. The import
commits itself (the rule of `pan_platform/operations.py`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import delete, func, insert, select

from pan_platform.access import can
from pan_platform.audit.models import record
from pan_platform.catalogue.vocabularies import PRIORITY_AREA_ORIGINALS
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.thesaurus import lookup
from pan_platform.thesaurus.models import THESAURUS_LANGUAGES, ThesaurusRevision, ThesaurusTerm

HEADER = ["concept", "area", "lang", "term", "preferred"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_TERM = 200
MAX_CONCEPT = 80
MAX_PROBLEMS = 20
CONCEPT_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
YES = {"1", "yes", "true"}
NO = {"0", "no", "false", ""}
# A cell beginning with one of these runs as a formula when the file is opened in a spreadsheet.
FORMULA_STARTS = ("=", "+", "@")


class ThesaurusError(OperationError):
    """A refused import; `problems` holds one translated message per fault, naming its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems

    def messages(self) -> list[str]:
        return list(self.problems)


@dataclass(frozen=True)
class Row:
    concept: str
    area: str
    lang: str
    term: str
    preferred: bool


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise ThesaurusError([_("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ThesaurusError([_("The file is not UTF-8 text.")]) from error


class _Checker:
    """Checks rows one by one and remembers what the later rows must agree with."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.area_of: dict[str, tuple[str, int]] = {}
        self.terms: dict[tuple[str, str, str], int] = {}
        self.preferred: dict[tuple[str, str], int] = {}

    def fault(self, line: int, message: str) -> None:
        self.problems.append(_("Line %(line)d: %(problem)s", line=line, problem=message))

    def check(self, line: int, cells: list[str]) -> Row | None:
        if len(cells) != len(HEADER):
            self.fault(line, _("expected 5 columns, found %(n)d.", n=len(cells)))
            return None
        concept, area, lang, term, preferred = (cell.strip() for cell in cells)
        before = len(self.problems)
        if not CONCEPT_PATTERN.fullmatch(concept) or len(concept) > MAX_CONCEPT:
            self.fault(line, _("the concept “%(value)s” is not a code of lower-case letters, digits and hyphens.",
                               value=concept[:80]))
        if area and area not in PRIORITY_AREA_ORIGINALS:
            self.fault(line, _("unknown priority area “%(value)s”.", value=area[:80]))
        if lang not in THESAURUS_LANGUAGES:
            self.fault(line, _("unknown language “%(value)s” (use one of %(languages)s).", value=lang[:20],
                               languages=", ".join(THESAURUS_LANGUAGES)))
        if not lookup.words(term):
            self.fault(line, _("the term is empty."))
        elif len(term) > MAX_TERM:
            self.fault(line, _("the term is longer than %(n)d characters.", n=MAX_TERM))
        elif term.startswith(FORMULA_STARTS):
            self.fault(line, _("a term may not begin with =, + or @."))
        if preferred.lower() not in YES | NO:
            self.fault(line, _("“preferred” must be 1 or 0, not “%(value)s”.", value=preferred[:20]))
        if len(self.problems) > before:
            return None
        row = Row(concept, area, lang, term, preferred.lower() in YES)
        self._agree(line, row)
        return row

    def _agree(self, line: int, row: Row) -> None:
        area, first = self.area_of.setdefault(row.concept, (row.area, line))
        if area != row.area:
            self.fault(line, _("the concept %(concept)s has the area “%(area)s” on line %(first)d.",
                               concept=row.concept, area=area, first=first))
        key = (row.concept, row.lang, "".join(lookup.words(row.term)))
        first = self.terms.setdefault(key, line)
        if first != line:
            self.fault(line, _("“%(term)s” is already a term of %(concept)s in this language (line %(first)d).",
                               term=row.term, concept=row.concept, first=first))
        if row.preferred:
            first = self.preferred.setdefault((row.concept, row.lang), line)
            if first != line:
                self.fault(line, _("%(concept)s already has a preferred term in this language (line %(first)d).",
                                   concept=row.concept, first=first))


def parse_csv(data: bytes | str) -> list[Row]:
    """The rows of a thesaurus file, or ThesaurusError listing every problem (up to a limit)."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = next(reader, None)
        if header is None or [cell.strip().lstrip("\ufeff") for cell in header] != HEADER:
            raise ThesaurusError([_("The first line must be exactly: %(header)s", header=",".join(HEADER))])
        checker, rows = _Checker(), []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are allowed
            if len(rows) >= MAX_ROWS:
                raise ThesaurusError([_("The file holds more than %(n)d terms.", n=MAX_ROWS)])
            row = checker.check(reader.line_num, cells)
            if row is not None:
                rows.append(row)
            if len(checker.problems) >= MAX_PROBLEMS:
                break
    except csv.Error as error:
        raise ThesaurusError([_("Line %(line)d: %(problem)s", line=reader.line_num,
                                problem=_("the line is not valid CSV."))]) from error
    if checker.problems:
        raise ThesaurusError(checker.problems)
    if not rows:
        raise ThesaurusError([_("The file holds no terms.")])
    return rows


def _replace(rows: list[Row], user) -> ThesaurusRevision:
    db.session.execute(delete(ThesaurusTerm))
    db.session.execute(insert(ThesaurusTerm), [
        {"concept": r.concept, "area": r.area, "lang": r.lang, "term": r.term, "preferred": r.preferred} for r in rows
    ])
    revision = ThesaurusRevision(user_id=getattr(user, "id", None), terms=len(rows),
                                 concepts=len({r.concept for r in rows}))
    db.session.add(revision)
    return revision


def _read(file: IO | bytes | str) -> bytes | str:
    # Read one byte past the limit, so a larger file is refused without reading it all.
    return file if isinstance(file, bytes | str) else file.read(MAX_BYTES + 1)


@operation
def import_csv(file: IO | bytes | str, user) -> ThesaurusRevision:
    """Replace the thesaurus with the file's rows. `user` None means the command line."""
    if user is not None and not can(user, "administer"):
        raise ThesaurusError([_("Only the secretariat may change the thesaurus.")])
    rows = parse_csv(_read(file))
    revision = _replace(rows, user)
    record("thesaurus.import", user, terms=revision.terms, concepts=revision.concepts)
    after_commit(lookup.clear_cache)
    return revision


def export_csv() -> str:
    """The thesaurus as CSV text, in the order it was imported."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for term in db.session.scalars(select(ThesaurusTerm).order_by(ThesaurusTerm.id)):
        writer.writerow([term.concept, term.area, term.lang, term.term, "1" if term.preferred else "0"])
    return out.getvalue()


def seed_if_empty(path: Path) -> int:
    """Load the thesaurus from `path` when the database holds none; the caller commits."""
    if db.session.scalar(select(func.count(ThesaurusTerm.id))) or not path.exists():
        return 0
    rows = parse_csv(path.read_bytes())
    _replace(rows, None)
    return len(rows)


@dataclass(frozen=True)
class AreaCount:
    area: str  # a priority-area code, or empty
    concepts: int
    terms: dict[str, int]  # language -> number of terms


def counts() -> list[AreaCount]:
    """Concepts and terms per language for every area that has terms, in the Framework's order."""
    per_language: dict[str, dict[str, int]] = {}
    for area, lang, n in db.session.execute(
        select(ThesaurusTerm.area, ThesaurusTerm.lang, func.count()).group_by(ThesaurusTerm.area, ThesaurusTerm.lang)
    ):
        per_language.setdefault(area, {})[lang] = n
    concepts = dict(db.session.execute(
        select(ThesaurusTerm.area, func.count(func.distinct(ThesaurusTerm.concept))).group_by(ThesaurusTerm.area)
    ).all())
    order = [*PRIORITY_AREA_ORIGINALS, ""]
    areas = sorted(per_language, key=lambda a: order.index(a) if a in order else len(order))
    return [AreaCount(a, concepts.get(a, 0), per_language[a]) for a in areas]


def find_terms(text: str = "", area: str | None = None, lang: str | None = None) -> list[ThesaurusTerm]:
    """Terms whose spelling or concept contains `text` (folded as in lookups), optionally of one
    area and language. Folding is done here rather than in SQL: SQLite folds ASCII only."""
    stmt = select(ThesaurusTerm).order_by(ThesaurusTerm.id)
    if area is not None:
        stmt = stmt.where(ThesaurusTerm.area == area)
    if lang:
        stmt = stmt.where(ThesaurusTerm.lang == lang)
    terms = db.session.scalars(stmt).all()
    needle = lookup.fold(text.strip())
    if not needle:
        return list(terms)
    return [t for t in terms if needle in lookup.fold(t.term) or needle in t.concept]


def last_revision() -> ThesaurusRevision | None:
    return db.session.scalar(select(ThesaurusRevision).order_by(ThesaurusRevision.id.desc()).limit(1))
