"""The layout layer: where every cell of an edition lives (sheet, row, column, defined name), below both
the writer and the readers; A1 addressing; the scorecard form placed on a sheet."""
