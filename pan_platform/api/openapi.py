"""OpenAPI 3 from the code: each view declares its parameters and schemas where it is defined.

`spec.operation(...)` registers the Flask route AND records the operation; the same
declaration validates the query string and the JSON body before the view runs, so the
document cannot drift from what the views accept. `/api/v1/openapi.json` is built from
these records, the docs page renders the same records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from pan_platform.api.errors import ApiError
from pan_platform.i18n import _
from pan_platform.web.ids import MAX_ID


@dataclass
class Param:
    name: str
    schema: dict
    description: str = ""
    required: bool = False
    location: str = "query"


@dataclass
class Operation:
    path: str
    method: str
    operation_id: str
    summary: str
    tag: str
    params: list[Param] = field(default_factory=list)
    body: dict | None = None
    body_media: str = "application/json"
    responses: dict[int, tuple[str, dict | None]] = field(default_factory=dict)
    auth_required: bool = False
    description: str = ""


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _openapi_path(rule: str) -> tuple[str, list[Param]]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "pattern": r"^[a-z0-9-]{1,80}$"}
        params.append(Param(name, schema, required=True, location="path"))
    return _CONVERTER.sub(r"{\2}", rule), params


class ApiSpec:
    def __init__(self, title: str, version: str, prefix: str) -> None:
        self.title = title
        self.version = version
        self.prefix = prefix
        self.operations: list[Operation] = []
        self.schemas: dict[str, dict] = {}

    def schema(self, name: str, body: dict) -> dict:
        """Register a component schema; returns a $ref to it."""
        self.schemas[name] = body
        return {"$ref": f"#/components/schemas/{name}"}

    def operation(
        self, bp: Blueprint, rule: str, method: str = "GET", *, summary: str, tag: str,
        params: tuple[Param, ...] = (), body: dict | None = None, body_media: str = "application/json",
        responses: dict[int, tuple[str, dict | None]], auth_required: bool = False, description: str = "",
    ) -> Callable:
        path, path_params = _openapi_path(rule)

        def decorator(view: Callable) -> Callable:
            op = Operation(
                path=path, method=method.lower(), operation_id=view.__name__,
                summary=summary, tag=tag, params=path_params + list(params), body=body,
                body_media=body_media, responses=responses, auth_required=auth_required,
                description=description,
            )
            self.operations.append(op)

            @wraps(view)
            def wrapper(**kwargs):
                check_path(op.params, kwargs)
                query = parse_query(op.params, request.args)
                if op.body is not None and op.body_media == "application/json":
                    kwargs["payload"] = parse_json_body(op.body, self.schemas)
                return view(query=query, **kwargs)

            bp.add_url_rule(rule, view.__name__, wrapper, methods=[method])
            return wrapper

        return decorator

    # -- the document ---------------------------------------------------------------
    def document(self, server_url: str) -> dict:
        paths: dict[str, dict] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method] = self._operation_doc(op)
        return {
            "openapi": "3.0.3",
            "info": {
                "title": self.title,
                "version": self.version,
                "description": (
                    "Read and write the PAN Platform catalogue. Send a personal token as "
                    "`Authorization: Bearer pan_...`; without one you see public items only."
                ),
            },
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": self.schemas,
                "securitySchemes": {"bearerAuth": {
                    "type": "http", "scheme": "bearer",
                    "description": "A personal token (profile page or `pan create-token`). Tokens may "
                                   "expire; writes need a token with the read and write scope (else 403).",
                }},
            },
        }

    def _operation_doc(self, op: Operation) -> dict:
        doc: dict = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [
                {"name": p.name, "in": p.location, "required": p.required, "schema": p.schema,
                 **({"description": p.description} if p.description else {})}
                for p in op.params
            ],
            "responses": {
                str(code): _response_doc(text, schema) for code, (text, schema) in op.responses.items()
            },
            "security": [{"bearerAuth": []}] if op.auth_required else [{}, {"bearerAuth": []}],
        }
        doc["responses"]["default"] = _response_doc("Error", {"$ref": "#/components/schemas/Error"})
        if op.description:
            doc["description"] = op.description
        if op.body is not None:
            doc["requestBody"] = {"required": True, "content": {op.body_media: {"schema": op.body}}}
        return doc


def _response_doc(text: str, schema: dict | None) -> dict:
    if schema is None:
        return {"description": text}
    return {"description": text, "content": {"application/json": {"schema": schema}}}


# -- validation of what the document declares ----------------------------------------

def check_path(params: list[Param], values: dict) -> None:
    """A path value outside its declared range names nothing: the same 404 as a missing id
    (and a 20-digit id never reaches the database, which could not store it)."""
    for param in params:
        if param.location == "path" and validate(param.schema, values.get(param.name), {}):
            raise NotFound()


def parse_query(params: list[Param], args: MultiDict) -> dict:
    """Coerce and check query parameters; unknown ones are ignored, bad ones are a 400."""
    values, problems = {}, {}
    for param in params:
        if param.location != "query":
            continue
        raw = args.get(param.name)
        if raw is None or raw == "":
            if param.required:
                problems[param.name] = _("This parameter is required.")
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        value, error = _coerce(param.schema, raw)
        if error is None:
            error = validate(param.schema, value, {})
        if error:
            problems[param.name] = error
        else:
            values[param.name] = value
    if problems:
        raise ApiError(400, _("Some query parameters are not valid."), details=problems)
    return values


def _coerce(schema: dict, raw: str):
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?\d{1,12}", raw):
            return None, _("Expected a whole number.")
        return int(raw), None
    if kind == "boolean":
        if raw not in ("true", "false"):
            return None, _("Expected true or false.")
        return raw == "true", None
    return raw, None


def parse_json_body(schema: dict, components: dict) -> dict:
    if not request.is_json:
        raise ApiError(415)
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, _("The request body is not valid JSON."))
    error = validate(schema, payload, components)
    if error:
        raise ApiError(422, error)
    return payload


_TYPES = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool,
    "array": list, "object": dict, "null": type(None),
}


def _is_type(value, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def validate(schema: dict, value, components: dict, where: str = "") -> str | None:
    """A small JSON Schema subset (what our declarations use); returns the first problem."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    label = where or _("value")
    if value is None and schema.get("nullable"):
        return None
    kind = schema.get("type")
    if kind and not _is_type(value, kind):
        return _("%(field)s: wrong type, expected %(type)s.", field=label, type=kind)
    if "enum" in schema and value not in schema["enum"]:
        return _("%(field)s: not one of the allowed values.", field=label)
    if isinstance(value, str):
        return _check_string(schema, value, label)
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return _("%(field)s: too small.", field=label)
        if "maximum" in schema and value > schema["maximum"]:
            return _("%(field)s: too large.", field=label)
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", 10_000):
            return _("%(field)s: too many entries.", field=label)
        for index, entry in enumerate(value):
            error = validate(schema.get("items", {}), entry, components, f"{label}[{index}]")
            if error:
                return error
    if isinstance(value, dict):
        return _check_object(schema, value, components, where)
    return None


def _check_string(schema: dict, value: str, label: str) -> str | None:
    if len(value) < schema.get("minLength", 0):
        return _("%(field)s: too short.", field=label)
    if len(value) > schema.get("maxLength", 1_000_000):
        return _("%(field)s: too long.", field=label)
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return _("%(field)s: not in the expected format.", field=label)
    if "\x00" in value:
        return _("%(field)s: contains a NUL character.", field=label)
    return None


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _check_object(schema: dict, value: dict, components: dict, where: str) -> str | None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            return _("%(field)s: this field is required.", field=_path(where, name))
    for name, entry in value.items():
        if name not in properties:
            if schema.get("additionalProperties", True) is False:
                return _("%(field)s: unknown field.", field=_path(where, name))
            continue
        error = validate(properties[name], entry, components, _path(where, name))
        if error:
            return error
    if len(value) < schema.get("minProperties", 0):
        return _("%(field)s: send at least one field.", field=where or _("body"))
    return None
