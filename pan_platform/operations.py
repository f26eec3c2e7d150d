"""The one convention of the operations modules (catalogue, sharing, accounts, translations,
thesaurus): one error type and one commit rule.

Errors. A refused or invalid operation raises `OperationError` (each feature keeps its own
subclass name: InvalidInput, SharingError, AccountError, TranslationError, ThesaurusError).
`str(error)` is a translated message for the user, `errors` maps field names to messages
when particular fields are at fault, and `status` is the HTTP status it stands for (422,
invalid or refused input; a subclass may say otherwise). Web views show it with `flash_error()` (or next to the
form fields); the API answers with its one error format (`api/errors.py`); an uncaught one
becomes the same error page or JSON body for every blueprint. Hidden objects keep raising
werkzeug's NotFound, exactly like missing ones, so that no answer tells them apart.

Commit rule: the operation commits. Every public operation is decorated with `@operation`
and is one unit of work: it checks, writes, records its audit event and commits; when
anything in it raises, the whole transaction is rolled back and files stored for it are
removed, so a refused operation changes nothing. Why the operation and not the caller: the
same operations are called from web views, the API, the command line and the importer, and
with "the caller commits" each of them had to remember both the commit and the rollback
(forgetting one leaves half-saved or lost work); and the e-mails of accounts and sharing
must leave only after the commit, which only the operation knows it needs. A caller that
needs several operations to succeed or fail together (the importer) wraps them in
`transaction()`: the operations inside join it and the commit happens once, at its end.
Work that must wait for the commit (e-mails) is registered with `after_commit()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import flash

from pan_platform.extensions import db
from pan_platform.storage import files

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH = "pan.transaction_depth"
_AFTER_COMMIT = "pan.after_commit"


class OperationError(Exception):
    """A refused or invalid operation; nothing was written.

    `str(error)` is the translated message; `errors` is {field: message} when known."""

    status = 422

    def __init__(self, message: str = "", errors: dict[str, str] | None = None) -> None:
        self.errors = dict(errors or {})
        self.message = message or "; ".join(self.errors.values())
        super().__init__(self.message)

    def messages(self) -> list[str]:
        """Every message for the user: the field messages, or the one message."""
        return list(self.errors.values()) or [self.message]


def flash_error(error: OperationError) -> None:
    """The web's way to show a refused operation: each message as an error notice."""
    for message in error.messages():
        flash(message, "error")


# ------------------------------------------------------------------ transactions

def _depth() -> int:
    return db.session.info.get(_DEPTH, 0)


@contextmanager
def transaction() -> Iterator[None]:
    """One unit of work. The outermost block commits at its end (then runs the after-commit
    work) or rolls everything back if anything raised; inner blocks just join it."""
    depth = _depth()
    db.session.info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        db.session.info[_DEPTH] = depth
        if depth == 0:
            rollback()
        raise
    db.session.info[_DEPTH] = depth
    if depth == 0:
        commit()


def operation(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` as one unit of work (see the module's commit rule)."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction():
            return function(*args, **kwargs)

    return run


def after_commit(work: Callable[[], object]) -> None:
    """Run `work` once the current unit of work has committed (never if it rolls back)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(work)


def commit() -> None:
    """Commit; on failure roll back and remove files stored for the failed transaction."""
    try:
        db.session.commit()
    except Exception:
        rollback()
        raise
    for work in db.session.info.pop(_AFTER_COMMIT, []):
        work()


def rollback() -> None:
    """Undo the transaction, its new stored files and its pending after-commit work."""
    db.session.rollback()
    files.discard_new_blobs()
    db.session.info.pop(_AFTER_COMMIT, None)
