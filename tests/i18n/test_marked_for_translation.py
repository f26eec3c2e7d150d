"""Interface text is marked for translation at the source: a string that is never
extracted can never be translated, and the page tests (which look for extracted English
strings) would not see it."""

from __future__ import annotations

import ast
import re

from config import BASE_DIR
from tests.i18n.pages import readable_texts

PACKAGE = BASE_DIR / "pan_platform"
# Not words of any language: the brand mark, a file name.
ALLOWED_TEXT = {"PAN", "openapi.json"}
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_CODE = re.compile(r"<(code|pre|kbd|samp)\b.*?</\1>", re.S)

# Calls whose string arguments a person reads.
USER_FACING_CALLS = {"flash"}
# Validator -> position of its `message` argument.
VALIDATORS = {"DataRequired": 0, "InputRequired": 0, "Optional": 0, "Email": 0, "URL": 0, "FileRequired": 0,
              "EqualTo": 1, "AnyOf": 1, "NoneOf": 1, "FileAllowed": 1, "Length": 2, "NumberRange": 2,
              "Regexp": 2, "FileSize": 2}
USER_KEYWORDS = {"label", "message", "description", "render_kw"}


def test_template_text_is_marked_for_translation() -> None:
    unmarked = []
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        source = _CODE.sub("", _JINJA.sub("\x01", _COMMENT.sub("", path.read_text())))
        for text in readable_texts(source):
            words = text.replace("\x01", " ").strip()
            if re.search(r"[^\W\d_]{2,}", words) and words not in ALLOWED_TEXT:
                unmarked.append(f"{path.relative_to(BASE_DIR)}: {words[:80]!r}")
    assert not unmarked, "wrap these in {{ _(...) }}:\n" + "\n".join(unmarked)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.expr) -> bool:
    """A plain string or f-string with letters (not a translation call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]{2,}", node.value))
    return isinstance(node, ast.JoinedStr)


def test_messages_and_form_labels_are_marked_for_translation() -> None:
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in USER_FACING_CALLS or name in VALIDATORS or name.endswith("Field"):
                position = VALIDATORS.get(name, 0)
                args = list(node.args[position : position + 1])
                args += [k.value for k in node.keywords if k.arg in USER_KEYWORDS]
                for arg in args:
                    if _literal(arg):
                        unmarked.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} {name}(...)")
    assert not unmarked, "wrap these in _() or _l():\n" + "\n".join(unmarked)
