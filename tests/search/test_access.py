"""For every role, a restricted item's words appear in no result, count, facet,
snippet, suggestion or correction; the roles that may read it do find it."""

from __future__ import annotations

import pytest

from pan_platform import search
from pan_platform.extensions import db
from tests.factories import make_org, make_user
from tests.search.conftest import make_text_item

SECRET = "Zanzibarquux"
CANT_READ = ["anonymous", "other_editor", "other_admin", "partner", "named_partner", "secretariat"]


@pytest.fixture
def hidden(app, world):
    """A private item of an academy whose every facet value is unique to it, next to
    public items sharing a common word, and a draft of the main academy."""
    hidden_academy = make_org("academy", slug="hidden-academy", country="LI")
    world["users"]["hidden_member"] = make_user(hidden_academy, "trainer")
    secret = make_text_item(
        hidden_academy, f"{SECRET} covert handbook", f"Common training with {SECRET} methods",
        visibility="private", resource_type="assessment", audience="senior-managers", level="specialist",
        areas=("terrorism",), keywords=["quuxkeyword"], language="en",
    )
    draft = make_text_item(world["academy"], "Draftonlyword training", "Common training", state="draft")
    public = [
        make_text_item(world["other"], f"Common training {n}", "Common training for patrol officers",
                       resource_type="handbook", audience="recruits", level="introductory")
        for n in range(3)
    ]
    db.session.commit()
    return {"secret": secret, "draft": draft, "public": public}


def _leaks(result, item, words: list[str]) -> list[str]:
    problems = []
    if item.id in result.ids:
        problems.append("result")
    for name, values in result.facets.items():
        for value, _count in values:
            if value in ("hidden-academy", "LI", "assessment", "senior-managers", "specialist", "terrorism"):
                problems.append(f"facet {name}={value}")
    for snip in result.snippets.values():
        text = "".join(p for p, _ in snip["title"] + snip["summary"]).lower()
        problems += [f"snippet {w}" for w in words if w.lower() in text]
    if result.corrected and any(w.lower() in result.corrected.lower() for w in words):
        problems.append("correction")
    return problems


@pytest.mark.parametrize("role", CANT_READ)
def test_restricted_item_leaks_nowhere(world, hidden, role):
    user = world["users"][role]
    secret = hidden["secret"]
    assert search.search(user, SECRET).total == 0
    assert search.search(user, "quuxkeyword").total == 0
    assert search.search(user, f'"{SECRET} covert"').total == 0
    common = search.search(user, "common training")
    assert common.total == len(hidden["public"])  # the count leaves out the hidden item
    assert _leaks(common, secret, [SECRET]) == []
    browse = search.search(user, "", filters={})
    assert _leaks(browse, secret, [SECRET]) == []
    assert search.search(user, "", filters={"academy": "hidden-academy"}).total == 0
    # Suggestions and "did you mean" never propose the hidden words.
    assert search.suggest(user, "zanzib") == []
    assert search.suggest(user, "covert") == []
    misspelt = search.search(user, "Zanzibarquix")
    assert misspelt.corrected is None
    assert search.search(user, "quuxkeywork").corrected is None


@pytest.mark.parametrize("role", CANT_READ + ["other_editor"])
def test_drafts_are_found_by_their_owners_only(world, hidden, role):
    assert search.search(world["users"][role], "draftonlyword").total == 0
    assert search.search(world["users"]["owner_trainer"], "draftonlyword").ids == [hidden["draft"].id]


@pytest.mark.parametrize("role", ["hidden_member", "platform_admin"])
def test_readers_find_it_everywhere(world, hidden, role):
    """The control: the same checks do see the item for those who may read it."""
    user = world["users"][role]
    secret = hidden["secret"]
    assert search.search(user, SECRET).ids == [secret.id]
    common = search.search(user, "common training")
    drafts_seen = 1 if role == "platform_admin" else 0  # administrators bypass, explicitly
    assert secret.id in common.ids and common.total == len(hidden["public"]) + 1 + drafts_seen
    assert ("hidden-academy", 1) in common.facets["academy"]
    assert ("LI", 1) in common.facets["country"]
    snip = common.snippets[secret.id]
    assert any(hit for piece, hit in snip["summary"])  # "Common"/"training" highlighted
    assert search.suggest(user, "zanzib") == [secret.id]
    assert search.search(user, "Zanzibarquix").corrected == SECRET.lower()


def test_hidden_words_do_not_steer_corrections(world, hidden):
    """A misspelling close to both a hidden and a visible word is corrected to the visible one."""
    make_text_item(world["other"], "Zanzibarquuz open guide", "Public")
    db.session.commit()
    assert search.search(None, "Zanzibarquuy").corrected == "zanzibarquuz"


def test_revoked_access_leaves_the_index_at_once(world, hidden):
    public = hidden["public"][0]
    assert public.id in search.search(None, "common training").ids
    public.visibility = "private"
    db.session.commit()
    result = search.search(None, "common training")
    assert public.id not in result.ids and result.total == len(hidden["public"]) - 1
    suggestions = search.suggest(None, "common train")
    assert public.id not in suggestions and len(suggestions) == len(hidden["public"]) - 1


def test_a_user_who_may_read_nothing_sees_nothing(world):
    """An empty readable set is not "no filter"."""
    make_text_item(world["academy"], "Networkonly manual", "x", visibility="network")
    db.session.commit()
    partner = world["users"]["partner"]
    assert search.search(partner, "networkonly").total == 0
    assert search.search(partner, "").total == 0
    assert search.search(partner, "networkonly", sort="date").ids == []


# -- near spellings and related terms widen a query only within what the user may read ------


@pytest.fixture
def related_to_common(monkeypatch):
    """A stand-in thesaurus relating "common" to the hidden item's words and to a public one."""
    from pan_platform.thesaurus import lookup

    terms = [lookup.RelatedTerm(SECRET, "en", "c"), lookup.RelatedTerm("quuxkeyword", "en", "c"),
             lookup.RelatedTerm("patrol", "en", "c")]
    monkeypatch.setattr(lookup, "related_terms", lambda text, limit=20: terms if "common" in text.lower() else [])
    return terms


def _mentions(text: str) -> bool:
    return SECRET.lower() in text.lower() or "quuxkeyword" in text.lower()


@pytest.mark.parametrize("role", CANT_READ)
def test_widening_never_uses_or_finds_hidden_words(world, hidden, related_to_common, role):
    user = world["users"][role]
    secret = hidden["secret"]
    # A misspelling of the hidden word: no near spelling is searched, proposed or shown.
    for text in ("Zanzibarquix", "zanzibarquuxx methods", "quuxkeywork"):
        for literal in (False, True):
            result = search.search(user, text, literal=literal)
            assert result.corrected is None and not result.corrected_applied, (text, literal)
            assert secret.id not in result.ids and _leaks(result, secret, [SECRET]) == []
    # A misspelling of a word both hidden and public items hold: only the public ones count.
    widened = search.search(user, "trainnig")
    assert widened.corrected == "training" and widened.corrected_applied
    assert widened.total == len(hidden["public"]) and _leaks(widened, secret, [SECRET]) == []
    # Related terms only hidden items hold are neither searched nor listed.
    common = search.search(user, "common")
    assert common.also_searched == [("patrol", "en")]
    assert common.total == len(hidden["public"]) and _leaks(common, secret, [SECRET]) == []


@pytest.mark.parametrize("role", ["anonymous", "partner"])
def test_the_page_and_the_api_show_no_hidden_widening(client, world, hidden, related_to_common, role):
    from tests.conftest import sign_in

    if world["users"][role] is not None:
        sign_in(client, world["users"][role])
    for text in ("Zanzibarquix", "common", "trainnig"):
        html = client.get("/search", query_string={"q": text}).get_data(as_text=True)
        assert not _mentions(html), text
        api = client.get("/api/v1/search", query_string={"q": text}).get_data(as_text=True)
        assert not _mentions(api), text
    assert "patrol" in client.get("/api/v1/search", query_string={"q": "common"}).get_data(as_text=True)


def test_readers_get_the_hidden_words_as_widening(world, hidden, related_to_common):
    """The control: the same widening does use those words for a user who may read the item."""
    user = world["users"]["hidden_member"]
    fixed = search.search(user, "zanzibarquuxx methods")
    assert fixed.corrected_applied and fixed.corrected == f"{SECRET.lower()} methods"
    assert hidden["secret"].id in fixed.ids
    common = search.search(user, "common")
    assert (SECRET, "en") in common.also_searched and ("quuxkeyword", "en") in common.also_searched
    assert hidden["secret"].id in common.ids
