"""An Atom feed of the newest public events (what an anonymous visitor may read)."""

from __future__ import annotations

from lxml import etree

from pan_platform.api.metadata import xml_text
from pan_platform.api.serialize import timestamp
from pan_platform.events.models import Event
from pan_platform.util import utcnow

ATOM = "http://www.w3.org/2005/Atom"


def _add(parent, name: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        node.text = xml_text(text)
    return node


def atom(events: list[Event], title: str, self_url: str, page_url: str, url_for_event) -> bytes:
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _add(root, "id", self_url)
    _add(root, "title", title)
    _add(root, "updated", timestamp(max((e.updated_at for e in events), default=None) or utcnow()))
    _add(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(root, "link", rel="alternate", href=page_url, type="text/html")
    _add(_add(root, "author"), "name", "PAN Platform")
    for event in events:
        url = url_for_event(event)
        entry = _add(root, "entry")
        _add(entry, "id", url)
        _add(entry, "title", event.title)
        _add(entry, "updated", timestamp(event.updated_at))
        _add(entry, "published", timestamp(event.created_at))
        _add(entry, "link", rel="alternate", href=url, type="text/html")
        _add(_add(entry, "author"), "name", event.owner.name)
        _add(entry, "category", term=event.kind)
        summary = f"{timestamp(event.starts_at)} – {timestamp(event.ends_at)} ({event.time_zone})"
        _add(entry, "summary", f"{summary}\n{event.description or ''}".strip(), type="text")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
