"""Checks responses against api_client/openapi.json with the small JSON Schema subset it uses.

Supported: $ref, anyOf, type (a name or a list), enum, required, properties,
additionalProperties: false, items, minimum, minLength and format date-time.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import httpx

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def load_spec() -> dict[str, Any]:
    return json.loads(resources.files("backdesk.api_client").joinpath("openapi.json").read_text(encoding="utf-8"))


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def errors(spec: dict[str, Any], value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``; empty when it validates."""
    schema = resolve(spec, schema)
    if "anyOf" in schema:
        if all(errors(spec, value, option, where) for option in schema["anyOf"]):
            return [f"{where}: {value!r} matches none of anyOf"]
        return []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in names):
            return [f"{where}: {value!r} is not {' or '.join(names)}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if schema.get("format") == "date-time" and not _DATE_TIME.match(value):
            found.append(f"{where}: {value!r} is not a UTC date-time with Z")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: {value!r} is too short")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        found.append(f"{where}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}: missing {name!r}")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                found += errors(spec, item, properties[name], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: unexpected {name!r}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += errors(spec, item, schema["items"], f"{where}[{i}]")
    return found


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, item in spec["paths"].items():
        pattern = "^/api/v1" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "/?$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    return None


def check_response(spec: dict[str, Any], response: httpx.Response) -> None:
    """Assert that a response is one the spec documents, with a body that fits its schema."""
    request = response.request
    operation = _operation(spec, request.method, request.url.path)
    content_type = response.headers.get("content-type", "")
    if operation is None:  # unknown paths and methods: only the problem shape applies
        assert response.status_code in (404, 405), f"{request.method} {request.url.path} is not in the spec"
        assert content_type == "application/problem+json"
        problems = errors(spec, response.json(), {"$ref": "#/components/schemas/Problem"})
        assert not problems, problems
        return
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{request.method} {request.url.path} -> {response.status_code} is not documented"
    documented = resolve(spec, documented)
    media = "application/problem+json" if response.status_code >= 400 else "application/json"
    assert content_type == media, f"{response.status_code} came as {content_type!r}"
    schema = documented["content"][media]["schema"]
    problems = errors(spec, response.json(), schema)
    assert not problems, f"{request.method} {request.url.path} -> {response.status_code}: {problems}"
    if response.status_code >= 400:
        assert response.json()["status"] == response.status_code
