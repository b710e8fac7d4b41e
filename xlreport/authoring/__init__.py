"""Authoring editions: copying a shipped edition to start a new one (``scaffold``), linting an edition's
files before any workbook exists (``check``, with file and line from ``toml_lines``), and LibreOffice as a
second spreadsheet engine that recalculates what the writer wrote (``office``).

This layer stands above the writer and the readers (it writes a template to recalculate it); nothing below
imports it."""
