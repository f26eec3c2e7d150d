"""Metadata formats of the OAI-PMH endpoint.

- `oai_dc`: unqualified Dublin Core, translated titles and summaries as extra elements
  with `xml:lang`.
- `lom`: IEEE LOM (1484.12.1, XML binding 1484.12.3, namespace http://ltsc.ieee.org/xsd/LOM),
  the richer record: languages, priority areas as a classification (purpose "discipline",
  source "OSCE Strategic Framework for Police-Related Activities"), the audience as the
  intended end-user role with the PAN audience vocabulary, learning outcomes as a
  classification with purpose "educational objective", typical learning time, rights.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale
from lxml import etree

from pan_platform.access import can
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.models import Item

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
LOM = "http://ltsc.ieee.org/xsd/LOM"
AREA_SOURCE = "OSCE Strategic Framework for Police-Related Activities"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")



def _file_formats(user, item) -> list[str]:
    """The files' types are file details: only for those who may download (as in the REST API)."""
    if not can(user, "download", item):
        return []
    return sorted({v.mime_type.split(";")[0] for v in item.current_files})

def xml_text(value: str | None) -> str:
    """Drop characters XML 1.0 cannot carry (a stray control character must not break a harvest)."""
    return _NOT_XML.sub("", value or "")


@dataclass(frozen=True)
class Format:
    schema: str
    namespace: str
    build: Callable


def _english(vocabulary: dict, code: str | None) -> str:
    with force_locale("en"):
        return vocab.label(vocabulary, code)


def _web_url(item: Item) -> str:
    return url_for("catalogue.detail", item_id=item.id, _external=True)


# -- Dublin Core ---------------------------------------------------------------------------------
def oai_dc(user, item: Item):
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(name: str, text: str | None, lang: str | None = None) -> None:
        if text:
            node = etree.SubElement(root, f"{{{DC}}}{name}")
            node.text = xml_text(text)
            if lang:
                node.set(XML_LANG, lang)

    add("title", item.title, item.language)
    for tr in item.translations:
        add("title", tr.title, tr.language)
    add("creator", item.owner.name)
    for code in item.area_codes:
        add("subject", _english(vocab.PRIORITY_AREAS, code), "en")
    for keyword in item.keywords or []:
        add("subject", keyword, item.language)
    add("description", item.summary, item.language)
    for tr in item.translations:
        add("description", tr.summary, tr.language)
    add("publisher", "PAN Platform")
    add("date", (item.published_at or item.created_at).date().isoformat())
    add("type", _english(vocab.RESOURCE_TYPES, item.resource_type) if item.resource_type else "InteractiveResource"
        if item.kind != "material" else "Text")
    for mime in _file_formats(user, item):
        add("format", mime)
    add("identifier", _web_url(item))
    for language in item.languages:
        add("language", language)
    if item.parent is not None and can(user, "read", item.parent):
        add("relation", _web_url(item.parent))
    add("rights", _english(vocab.LICENCES, item.licence) if item.licence else None)
    if item.owner.country_code:
        add("coverage", item.owner.country_code)
    return root


# -- IEEE LOM --------------------------------------------------------------------------------------
def _lom(parent, name: str):
    return etree.SubElement(parent, f"{{{LOM}}}{name}")


def _langstring(parent, name: str, texts: list[tuple[str, str]]):
    node = _lom(parent, name)
    for language, text in texts:
        string = _lom(node, "string")
        string.set("language", language)
        string.text = xml_text(text)
    return node


def _vocabulary(parent, name: str, source: str, value: str) -> None:
    node = _lom(parent, name)
    _lom(node, "source").text = source
    _lom(node, "value").text = value


def _taxon_path(classification, source: str, entries: list[tuple[str, str]]) -> None:
    path = _lom(classification, "taxonPath")
    _langstring(path, "source", [("en", source)])
    for code, label in entries:
        taxon = _lom(path, "taxon")
        _lom(taxon, "id").text = code
        _langstring(taxon, "entry", [("en", label)])


def lom(user, item: Item):
    root = etree.Element(f"{{{LOM}}}lom", nsmap={None: LOM, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{LOM} http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd")
    general = _lom(root, "general")
    identifier = _lom(general, "identifier")
    _lom(identifier, "catalog").text = "URI"
    _lom(identifier, "entry").text = _web_url(item)
    _langstring(general, "title", [(item.language, item.title)] + [(t.language, t.title) for t in item.translations])
    for language in item.languages:
        _lom(general, "language").text = language
    descriptions = [(item.language, item.summary)] + [(t.language, t.summary) for t in item.translations]
    if any(text for _lang, text in descriptions):
        _langstring(general, "description", [(lang, text) for lang, text in descriptions if text])
    for keyword in item.keywords or []:
        _langstring(general, "keyword", [(item.language, keyword)])
    _vocabulary(general, "aggregationLevel", "LOMv1.0", {"curriculum": "4", "module": "3"}.get(item.kind, "2"))

    lifecycle = _lom(root, "lifeCycle")
    _vocabulary(lifecycle, "status", "LOMv1.0", "final")
    contribute = _lom(lifecycle, "contribute")
    _vocabulary(contribute, "role", "LOMv1.0", "publisher")
    _lom(contribute, "entity").text = f"BEGIN:VCARD\nVERSION:3.0\nFN:{_vcard(xml_text(item.owner.name))}\nEND:VCARD"
    date = _lom(contribute, "date")
    _lom(date, "dateTime").text = (item.published_at or item.created_at).replace(microsecond=0).isoformat()

    technical = _lom(root, "technical")
    for mime in _file_formats(user, item):
        _lom(technical, "format").text = mime
    _lom(technical, "location").text = _web_url(item)

    educational = _lom(root, "educational")
    if item.resource_type:
        _vocabulary(educational, "learningResourceType", "PAN resource types", item.resource_type)
    _vocabulary(educational, "intendedEndUserRole", "LOMv1.0", "learner")
    if item.audience:
        _vocabulary(educational, "intendedEndUserRole", "PAN audiences", item.audience)
    _vocabulary(educational, "context", "LOMv1.0", "training")
    if item.duration_hours:
        learning_time = _lom(educational, "typicalLearningTime")
        _lom(learning_time, "duration").text = _iso_duration(item.duration_hours)
    for language in item.languages:
        _lom(educational, "language").text = language

    rights = _lom(root, "rights")
    _vocabulary(rights, "copyrightAndOtherRestrictions", "LOMv1.0", "yes" if item.licence != "cc0-1.0" else "no")
    if item.licence:
        _langstring(rights, "description", [("en", _english(vocab.LICENCES, item.licence))])

    if item.parent is not None and can(user, "read", item.parent):
        relation = _lom(root, "relation")
        _vocabulary(relation, "kind", "LOMv1.0", "ispartof")
        resource = _lom(relation, "resource")
        rid = _lom(resource, "identifier")
        _lom(rid, "catalog").text = "URI"
        _lom(rid, "entry").text = _web_url(item.parent)

    if item.area_codes:
        classification = _lom(root, "classification")
        _vocabulary(classification, "purpose", "LOMv1.0", "discipline")
        _taxon_path(classification, AREA_SOURCE, [(c, _english(vocab.PRIORITY_AREAS, c)) for c in item.area_codes])
    outcomes = [(item.language, line) for line in item.outcomes]
    for tr in item.translations:
        outcomes += [(tr.language, x) for x in (tr.learning_outcomes or "").splitlines() if x.strip()]
    if outcomes:
        classification = _lom(root, "classification")
        _vocabulary(classification, "purpose", "LOMv1.0", "educational objective")
        _langstring(classification, "description", outcomes)
    return root


def _vcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", " ")


def _iso_duration(hours: float) -> str:
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return f"PT{whole}H{rest}M" if rest else f"PT{whole}H"


FORMATS = {
    "oai_dc": Format("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC, oai_dc),
    "lom": Format("http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd", LOM, lom),
}
