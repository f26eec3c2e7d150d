"""Fuzz the API from its own OpenAPI document: no 500, every response matches its schema.

Every operation of the document gets valid and invalid generated requests, anonymously
and with an editor's token (so the write endpoints reach their operations), a bounded
number of examples each to stay fast. Uses schemathesis' Python API over WSGI.
"""

from __future__ import annotations

import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pan_platform.extensions import db
from tests.api.conftest import World
from tests.events.helpers import make_event

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the whole document, reads and writes
    return operations


def _fuzz(operation, headers: dict, mode: GenerationMode) -> list[int]:
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def run(case) -> None:
        # Hypothesis seeds the global `random` with 0 for every example; the search index
        # names its segments from it, so two examples writing would reuse one segment name.
        # The application gets an unseeded generator, as in production.
        random.seed()
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.append(response.status_code)

    run()
    return statuses


@pytest.fixture
def events(world: World) -> list:
    """Events to list and show (the events paths answer with rows, not only empty pages)."""
    own = world.orgs["own"]
    made = [
        make_event(own, "public", seats=5, online_url="https://meet.example/x", audience="investigators",
                   related_item_ids=[world.items["public"].id, world.items["private"].id]),
        make_event(own, "network", kind="exchange", days=-3),
    ]
    db.session.commit()
    return made


def test_the_events_paths_are_in_the_fuzzed_document(app):
    paths = {operation.path for operation in _operations(app)}
    assert {"/events", "/events/{event_id}"} <= paths


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_every_operation_conforms_to_the_document(app, world: World, events: list, who: str):
    # Thousands of requests from one address: lift the limits for this run only.
    app.config["PAN_API_RATE_LIMIT"] = app.config["PAN_API_RATE_LIMIT_ANON"] = 10**9
    headers = world.headers("owner") if who == "editor" else {}
    # Its WSGI transport asks for gzip but does not decode it (an HTTP client would): ask for none.
    headers = {**headers, "Accept-Encoding": "identity"}
    for operation in _operations(app):
        statuses = _fuzz(operation, headers, GenerationMode.POSITIVE)
        if operation.method.upper() == "GET" and "{" not in operation.path:
            # Valid requests to a list must succeed, or the fuzzing checked error bodies only.
            assert 200 in statuses, (operation.label, statuses)
        try:
            _fuzz(operation, headers, GenerationMode.NEGATIVE)
        except Unsatisfiable:
            # No parameter or body to get wrong (e.g. GET /me): nothing negative to send.
            assert not list(operation.iter_parameters()) and not operation.body
