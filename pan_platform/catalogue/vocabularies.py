"""Controlled vocabularies of the catalogue.

Codes are stable (stored in the database, the index, the API and the seed files);
labels are lazy strings so they translate in every interface language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from pan_platform.catalogue.overrides import override_for, overrides
from pan_platform.i18n import _l


def _area_text(code: str, original) -> str:
    # The secretariat may override an area's label per language (console); else the catalogue's.
    return override_for(code) or str(original)


# The eight priority areas of the OSCE Strategic Framework for Police-Related Activities
# (PC Decision No. 1049, 2012), in the Framework's order. PRIORITY_AREA_ORIGINALS holds the
# catalogue's own (translated) labels; PRIORITY_AREAS the labels shown everywhere, which
# follow the secretariat's overrides in the current language.
PRIORITY_AREA_ORIGINALS = {
    "police-reform": _l("General police development and reform"),
    "organized-crime": _l("Organized crime"),
    "terrorism": _l("Terrorism"),
    "illicit-drugs": _l("Illicit drugs and chemical precursors"),
    "human-trafficking": _l("Trafficking in human beings"),
    "cybercrime": _l("Cyber-crime"),
    "state-cooperation": _l("Co-ordination and co-operation among participating States"),
    "partner-cooperation": _l("Co-operation with partner organisations"),
}
PRIORITY_AREAS = {code: LazyString(_area_text, code, text) for code, text in PRIORITY_AREA_ORIGINALS.items()}

ITEM_KINDS = {
    "curriculum": _l("Curriculum"),
    "module": _l("Module"),
    "material": _l("Material"),
}
# The kinds as a filter offers them: "show me Curricula".
ITEM_KIND_PLURALS = {
    "curriculum": _l("Curricula"),
    "module": _l("Modules"),
    "material": _l("Materials"),
}

RESOURCE_TYPES = {
    "handbook": _l("Handbook"),
    "lesson-plan": _l("Lesson plan"),
    "slide-deck": _l("Slide deck"),
    "case-study": _l("Case study"),
    "exercise": _l("Exercise"),
    "video": _l("Video"),
    "e-learning": _l("E-learning package"),
    "guideline": _l("Guideline"),
    "assessment": _l("Assessment"),
}

# What each file of a material is for (codes: storage.models.FILE_ROLE_CODES, same order).
FILE_ROLES = {
    "lesson_plan": _l("Lesson plan"),
    "slides": _l("Slides"),
    "handout": _l("Handout"),
    "exercise": _l("Exercise"),
    "assessment": _l("Assessment"),
    "video": _l("Video"),
    "other": _l("Other"),
}

AUDIENCES = {
    "recruits": _l("Police recruits"),
    "patrol-officers": _l("Patrol and community officers"),
    "investigators": _l("Criminal investigators"),
    "specialists": _l("Specialised units"),
    "border-police": _l("Border police"),
    "supervisors": _l("Supervisors and middle managers"),
    "senior-managers": _l("Senior police managers"),
    "trainers": _l("Police trainers"),
}

LEVELS = {
    "introductory": _l("Introductory"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
    "specialist": _l("Specialist"),
}

DELIVERY_MODES = {
    "classroom": _l("Classroom"),
    "e-learning": _l("E-learning"),
    "blended": _l("Blended"),
    "field-exercise": _l("Field exercise"),
    "webinar": _l("Webinar"),
}

# The duration of an item, in hours: from a quarter of an hour to a long curriculum.
MIN_HOURS, MAX_HOURS = 0.25, 10_000


@dataclass(frozen=True)
class Licence:
    """What a licence lets another academy do with an item ("Adapt for my academy").

    `adaptation`: "any" (every reader who may adapt), "network" (academies of the network
    only: adapting is open to academies alone anyway, so in practice the same) or "none"
    (only with the owner academy's permission). `copy_keeps_licence`: the copy must carry
    the same licence (share-alike, non-commercial and network terms travel with the work);
    its editors cannot change it. `url`: the licence text (None: the portal's licences page).
    """

    label: object
    adaptation: str
    copy_keeps_licence: bool
    url: str | None = None

    @property
    def allows_adaptation(self) -> bool:
        return self.adaptation != "none"


_CC = "https://creativecommons.org/licenses/"

# The one table of licences: labels, what each allows, and where its text is.
# "network-use" is the network's own term: the item stays inside the Police Academies
# Network; academies of the network may adapt it, and the copy keeps the term.
LICENCE_TERMS = {
    "all-rights-reserved": Licence(_l("All rights reserved"), "none", True),
    "network-use": Licence(_l("Network use only"), "network", True),
    "cc-by-4.0": Licence("CC BY 4.0", "any", False, _CC + "by/4.0/"),
    "cc-by-sa-4.0": Licence("CC BY-SA 4.0", "any", True, _CC + "by-sa/4.0/"),
    "cc-by-nc-4.0": Licence("CC BY-NC 4.0", "any", True, _CC + "by-nc/4.0/"),
    "cc-by-nc-sa-4.0": Licence("CC BY-NC-SA 4.0", "any", True, _CC + "by-nc-sa/4.0/"),
    "cc-by-nd-4.0": Licence("CC BY-ND 4.0", "none", True, _CC + "by-nd/4.0/"),
    "cc-by-nc-nd-4.0": Licence("CC BY-NC-ND 4.0", "none", True, _CC + "by-nc-nd/4.0/"),
    "cc0-1.0": Licence("CC0 1.0", "any", False, "https://creativecommons.org/publicdomain/zero/1.0/"),
}
# An item whose owner stated no licence falls under the network's terms of use:
# the same rules as "network use only" (adapting stays open inside the network, as before
# licences were checked), but the copy's licence stays unset for its editors to choose.
NO_LICENCE = Licence(_l("Not stated"), "network", False)

LICENCES = {code: terms.label for code, terms in LICENCE_TERMS.items()}


def licence_terms(code: str | None) -> Licence:
    """The terms of a licence code; an unknown or missing code gets the network's terms."""
    return LICENCE_TERMS.get(code or "", NO_LICENCE)


STATES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}

# Content languages: the seven interface languages and the other languages of the
# participating States and Partners for Co-operation that the catalogue commonly holds.
CONTENT_LANGUAGES = (
    "en", "ru", "fr", "de", "es", "it", "ar",
    "tr", "uk", "pl", "ro", "sr", "sq", "mk", "bs", "hr", "sl", "bg", "el", "hu", "cs", "sk",
    "lt", "lv", "et", "fi", "sv", "da", "nb", "nl", "pt", "ka", "hy", "az", "kk", "ky", "uz",
    "tg", "tk", "mn", "be", "ro", "he",
)


def label(vocabulary: dict, code: str | None) -> str:
    """The translated label of a code, or the code itself when unknown (never an error)."""
    if code is None:
        return ""
    return str(vocabulary.get(code, code))


def catalogue_label(code: str, language: str) -> str:
    """The catalogue's own translation of a priority area, ignoring overrides."""
    with force_locale(language):
        return str(PRIORITY_AREA_ORIGINALS.get(code, code))


def area_label(code: str, language: str) -> str:
    """The label shown for `code` in `language` (override, else the catalogue's translation)."""
    return overrides().get((code, language)) or catalogue_label(code, language)
