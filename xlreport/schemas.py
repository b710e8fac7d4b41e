"""The JSON Schemas kept in ``schemas/``, generated from the models."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .editions import available_editions
from .fileio import write_text
from .model.report import SCHEMA_VERSION, report_model


def report_schema(edition_id: str) -> dict[str, Any]:
    schema = report_model(edition_id).model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"xlreport/report-{edition_id}.schema.json",
        "x-xlreport-schema-version": SCHEMA_VERSION,
        **schema,
    }


def validation_schema() -> dict[str, Any]:
    from .validation.result import ValidationResult

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "xlreport/validation-result.schema.json",
        "x-xlreport-schema-version": SCHEMA_VERSION,
        **ValidationResult.model_json_schema(mode="serialization"),
    }


def all_schemas(editions: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """File name → schema: the input format of every edition (or of ``editions``) and the validation output."""
    chosen = available_editions() if editions is None else tuple(editions)
    out = {f"report-{e}.schema.json": report_schema(e) for e in chosen}
    out["validation-result.schema.json"] = validation_schema()
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def write_schemas(directory: str | Path, editions: Iterable[str] | None = None) -> list[Path]:
    out = Path(directory)
    return [write_text(out / name, render(schema)) for name, schema in all_schemas(editions).items()]
