"""Writing workbooks with xlsxwriter: templates and filled reports, their formats and supporting sheets."""
