"""Editions: each a description (data) of one region×year's tables, scorecard and rules."""

from .loader import available_editions, chinese_ordinal, default_edition, load_edition, unknown_edition
from .spec import ColumnSpec, Edition, PanelSpec, RowSpec, RuleSpec, TableSpec

__all__ = [
    "ColumnSpec",
    "Edition",
    "PanelSpec",
    "RowSpec",
    "RuleSpec",
    "TableSpec",
    "available_editions",
    "chinese_ordinal",
    "default_edition",
    "load_edition",
    "unknown_edition",
]
