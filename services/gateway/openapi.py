"""The OpenAPI 3.1 description of the HTTP/JSON face, made from the proto descriptors.

Nothing here is written by hand per message: every schema comes from the
request and response types of the exposed methods, following the proto3 JSON
mapping that Connect uses (lowerCamelCase names, 64-bit integers as strings,
enums by name, Timestamps as RFC 3339 text).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import redress

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from services.gateway.methods import ExposedMethod, exposed_methods

_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number", "format": "double"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number", "format": "float"},
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "uint32"},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "format": "uint32"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
}

# Well-known types have their own JSON forms.
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "additionalProperties": True,
    },
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.Int32Value": {"type": "integer", "format": "int32"},
    "google.protobuf.UInt32Value": {"type": "integer", "format": "uint32"},
    "google.protobuf.Int64Value": {"type": "string", "format": "int64"},
    "google.protobuf.UInt64Value": {"type": "string", "format": "uint64"},
    "google.protobuf.DoubleValue": {"type": "number", "format": "double"},
    "google.protobuf.FloatValue": {"type": "number", "format": "float"},
    "google.protobuf.BytesValue": {"type": "string", "format": "byte"},
}

_ERROR_SCHEMA = {
    "type": "object",
    "description": "A Connect error: the gRPC code in lower snake case and what to fix.",
    "required": ["code", "message"],
    "properties": {
        "code": {
            "type": "string",
            "enum": [
                "canceled",
                "unknown",
                "invalid_argument",
                "deadline_exceeded",
                "not_found",
                "already_exists",
                "permission_denied",
                "resource_exhausted",
                "failed_precondition",
                "aborted",
                "out_of_range",
                "unimplemented",
                "internal",
                "unavailable",
                "data_loss",
                "unauthenticated",
            ],
        },
        "message": {"type": "string"},
        "details": {
            "type": "array",
            "description": "google.rpc details; google.rpc.BadRequest lists the field "
            "violations, readable in `debug.fieldViolations`.",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "examples": ["google.rpc.BadRequest"]},
                    "value": {"type": "string", "description": "base64 of the detail's bytes"},
                    "debug": {"type": "object", "description": "the detail as JSON"},
                },
            },
        },
    },
}


@cache
def _comments() -> dict[str, str]:
    """The protos' comments by full name (redress/proto_comments.json, made
    with the generated code by redress/devtools/protogen.py)."""
    found: dict[str, str] = json.loads(
        (Path(redress.__file__).parent / "proto_comments.json").read_text(encoding="utf-8")
    )
    return found


def _described(schema: dict[str, Any], full_name: str) -> dict[str, Any]:
    # Beside a $ref too (OpenAPI 3.1 allows it): the field's own words say
    # what it is for, the referenced schema what the message is.
    text = _comments().get(full_name, "")
    if text and schema.get("description"):  # an enum's values, listed
        text = f"{text}\n\n{schema['description']}"
    return {**schema, "description": text} if text else schema


class _Schemas:
    def __init__(self) -> None:
        self.found: dict[str, dict[str, Any]] = {}

    def ref(self, message: Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name])
        if message.full_name not in self.found:
            self.found[message.full_name] = {}  # placeholder: messages may recurse
            self.found[message.full_name] = self._message(message)
        return {"$ref": f"#/components/schemas/{message.full_name}"}

    def _message(self, message: Descriptor) -> dict[str, Any]:
        properties = {
            field.json_name: _described(self._field(field), field.full_name)
            for field in message.fields
        }
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        return _described(schema, message.full_name)

    def _field(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self._single(value)}
        single = self._single(field)
        if field.is_repeated:
            return {"type": "array", "items": single}
        return single

    def _single(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None:
            return self.ref(field.message_type)
        if field.enum_type is not None:
            return _enum(field.enum_type)
        return dict(_SCALARS[field.type])


def _enum(enum: EnumDescriptor) -> dict[str, Any]:
    schema = {"type": "string", "enum": [v.name for v in enum.values]}
    scope = enum.full_name.rpartition(".")[0]
    values = [
        f"- `{v.name}`: {_comments()[f'{scope}.{v.name}']}"
        for v in enum.values
        if f"{scope}.{v.name}" in _comments()
    ]
    text = "\n".join(filter(None, [_comments().get(enum.full_name, ""), *values]))
    return {**schema, "description": text} if text else schema


def _operation(method: ExposedMethod, schemas: _Schemas) -> dict[str, Any]:
    d = method.descriptor
    error = {
        "description": "A Connect error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConnectError"}}},
    }
    return {
        "operationId": f"{d.containing_service.name}_{d.name}",
        "tags": [d.containing_service.full_name],
        "summary": f"{d.containing_service.full_name}.{d.name} (gRPC, as Connect unary JSON)",
        "description": _comments().get(d.full_name, ""),
        "parameters": [
            {
                "name": "Connect-Timeout-Ms",
                "in": "header",
                "required": False,
                "schema": {"type": "integer"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(d.input_type)}},
        },
        "responses": {
            "200": {
                "description": "The gRPC response as JSON",
                "content": {"application/json": {"schema": schemas.ref(d.output_type)}},
            },
            "400": error,
            "401": error,
            "403": error,
            "404": error,
            "default": error,
        },
    }


def openapi_document(server_url: str = "/") -> dict[str, Any]:
    schemas = _Schemas()
    paths = {
        path: {"post": _operation(method, schemas)}
        for path, method in sorted(exposed_methods().items())
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Redress HTTP/JSON API",
            "version": "1",
            "description": "Intake and the case read API over the Connect protocol's unary "
            "JSON form, generated from Redress's protos. Send the API key as "
            "`Authorization: Bearer <key>`; keys, roles and errors are the gRPC API's.",
        },
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {**dict(sorted(schemas.found.items())), "ConnectError": _ERROR_SCHEMA},
        },
    }


def openapi_json() -> bytes:
    return json.dumps(openapi_document(), indent=1, sort_keys=False).encode()
