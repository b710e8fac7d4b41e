"""Part 3 情况说明: the text generated from a report (``generate``), number extraction from a text
(``numbers``), and the text written as .txt, .md or .docx (``render``). The checker is
:mod:`xlreport.validation.narrative`."""
