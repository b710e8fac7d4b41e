"""Reading returned workbooks: preflight (is it a workbook at all), the streaming reader and openpyxl
as the reference, and the read model of cells, codes and scorecards."""
