"""The 情况说明 sheet: Part 3 figures as live formulas from narrative.toml, with correct caches."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

import xlreport
from xlreport.write.narrative import NARRATIVE_SHEET
from xlreport.write.writer import write_report, write_template

from .conftest import EXAMPLE

ALLOWED = {"SUM", "IF", "ROUND", "ABS", "MIN", "MAX", "AND", "OR", "TEXT", "MID"}  # TEXT, MID: the live Part 3
_FUNC = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_SHEET_REF = re.compile(r"(?:'((?:[^']|'')+)'|([^\s'!=(),+\-*/<>:&\"]+))!\$?[A-Z]{1,3}\$?\d+")


def synthetic() -> dict:
    """A small report whose tables agree: 1,000 元 of 财政拨款, 80 % 基本支出, two 类."""
    rows = [
        {"code": "201", "name": "一般公共服务支出"},
        {"code": "20103", "name": "政府办公厅（室）及相关机构事务"},
        {"code": "2010306", "name": "政务公开审批"},
        {"code": "208", "name": "社会保障和就业支出"},
        {"code": "20805", "name": "行政事业单位养老支出"},
        {"code": "2080505", "name": "机关事业单位基本养老保险缴费支出"},
    ]

    def coded(**by_code: dict[str, str]) -> dict:
        out = []
        for r in rows:
            out.append({**r, **by_code.get("c" + r["code"][:3], {})})
        total: dict[str, Decimal] = {}
        for r in out:
            if len(r["code"]) == 3:
                for k, v in r.items():
                    if k not in ("code", "name"):
                        total[k] = total.get(k, Decimal(0)) + Decimal(v)
        return {"total": {k: str(v) for k, v in total.items()}, "rows": out}

    return {
        "meta": {"unit_name": "测试单位", "year": 2022, "edition": "shanxi-2022", "amount_unit": "元"},
        "tables": {
            "T01": {
                "general_budget": {"amount": "1000.00"},
                "income_total": {"amount": "1000.00"},
                "income_grand_total": {"amount": "1000.00"},
                "201": {"amount": "900.00"},
                "208": {"amount": "100.00"},
                "expense_total": {"amount": "1000.00"},
                "expense_grand_total": {"amount": "1000.00"},
            },
            "T02": coded(c201={"total": "900.00", "fiscal": "900.00"}, c208={"total": "100.00", "fiscal": "100.00"}),
            "T03": coded(
                c201={"total": "900.00", "basic": "700.00", "project": "200.00"},
                c208={"total": "100.00", "basic": "100.00"},
            ),
            "T04": {
                "general_budget": {"amount": "1000.00"},
                "income_total": {"amount": "1000.00"},
                "income_grand_total": {"amount": "1000.00"},
                "201": {"total": "900.00", "general": "900.00"},
                "208": {"total": "100.00", "general": "100.00"},
                "expense_total": {"total": "1000.00", "general": "1000.00"},
                "expense_grand_total": {"total": "1000.00", "general": "1000.00"},
            },
            "T05": coded(
                c201={"total": "900.00", "basic": "700.00", "project": "200.00"},
                c208={"total": "100.00", "basic": "100.00"},
            ),
            "T06": {
                "301": {"amount": "600.00", "basic": "600.00"},
                "30101": {"amount": "600.00", "basic": "600.00"},
                "302": {"amount": "200.00", "basic": "200.00"},
                "30201": {"amount": "200.00", "basic": "200.00"},
                "310": {"amount": "200.00"},
                "31002": {"amount": "200.00"},
                "personnel_total": {"amount": "600.00", "basic": "600.00"},
                "public_total": {"amount": "400.00", "basic": "200.00"},
            },
            "T07": {
                "main": {
                    "budget_total": "50.00",
                    "budget_car": "50.00",
                    "budget_car_running": "50.00",
                    "final_total": "40.00",
                    "final_car": "40.00",
                    "final_car_running": "40.00",
                }
            },
            "T10": {
                "procurement_total": {"amount": "100.00"},
                "goods": {"amount": "100.00"},
                "admin_units": {"amount": "200.00"},
                "vehicles_total": {"count": 1},
                "vehicles_other": {"count": 1},
            },
        },
    }


def write_with_inputs(path, report, inputs: dict[str, Decimal] | None = None):
    """write_report, with the 情况说明 input cells filled."""
    return write_report(path, report, narrative_inputs=inputs)


def sheet_figures(path) -> dict[str, tuple[object, object]]:
    """项目 label → (formula or input, cached value) of the 情况说明 sheet."""
    ws = load_workbook(path)[NARRATIVE_SHEET]
    cached = load_workbook(path, data_only=True)[NARRATIVE_SHEET]
    out = {}
    for r in range(5, ws.max_row + 1):
        label = ws.cell(r, 2).value
        if label:
            out[label] = (ws.cell(r, 3).value, cached.cell(r, 3).value)
    return out


def pct(value: object) -> Decimal:
    return (Decimal(repr(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    data = synthetic()
    assert not [f for f in xlreport.check(data).findings if f.severity == "error"]
    path = tmp_path_factory.mktemp("n") / "small.xlsx"
    write_with_inputs(path, xlreport.load_report(data), {"last_income_grand_total": Decimal("1250.00")})
    return path


def test_sheet_exists_with_sections_and_inputs(small, edition):
    wb = load_workbook(small)
    assert NARRATIVE_SHEET in wb.sheetnames
    assert wb.sheetnames.index(NARRATIVE_SHEET) < wb.sheetnames.index("审核")
    ws = wb[NARRATIVE_SHEET]
    assert [ws.cell(4, c).value for c in range(1, 5)] == ["部分", "项目", "金额或比例", "说明"]
    end = next(r for r in range(5, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("文字说明"))
    sections = [ws.cell(r, 1).value for r in range(5, end) if ws.cell(r, 1).value]
    assert sections == list(dict.fromkeys(i.section for i in edition.narrative))
    assert ws.protection.sheet
    inputs = [i.id for i in edition.narrative if i.kind == "input"]
    assert "initial_budget" in inputs and "last_sangong_car_running" in inputs
    for item_id in inputs:
        name = f"xr.N.input.{item_id}"
        assert name in wb.defined_names, name
        sheet, coord = next(iter(wb.defined_names[name].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        assert sheet == NARRATIVE_SHEET and not cell.protection.locked
        assert cell.fill.fgColor.rgb.endswith("FFF8DC")


def test_formulas_use_only_allowed_functions_and_existing_sheets(small, tmp_path, edition):
    template = tmp_path / "template.xlsx"
    write_template(template, edition, "测试局", 2023, codes=["2010306"])
    for path in (small, template):
        wb = load_workbook(path)
        ws = wb[NARRATIVE_SHEET]
        formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] == "="]
        assert len(formulas) > 60
        names = {m for f in formulas for m in _FUNC.findall(f)}
        assert names <= ALLOWED, names - ALLOWED
        for f in formulas:
            for quoted, bare in _SHEET_REF.findall(f):
                sheet = quoted.replace("''", "'") if quoted else bare
                assert sheet in wb.sheetnames, (f, sheet)


def test_cached_values_are_the_decimal_results(small):
    figures = sheet_figures(small)
    expected = {
        "财政拨款收入占比": Decimal(1),
        "基本支出占比": Decimal("0.8"),
        "项目支出占比": Decimal("0.2"),
        "一般公共服务支出(类)占比": Decimal("0.9"),
        "社会保障和就业支出(类)占比": Decimal("0.1"),
        "人员经费占比": Decimal("0.6"),
        "日常公用经费占比": Decimal("0.2"),
        "“三公”经费完成全年预算的比例": Decimal("0.8"),
        "公务用车运行维护费完成全年预算的比例": Decimal("0.8"),
        "收入总计比上年增减额": Decimal("-250"),
        "收入总计比上年增减率": Decimal("-0.2"),
        "支出总计比上年增减率": Decimal(0),  # 上年 left blank: guarded, 0
        "完成年初预算的比例": Decimal(0),
        "机关运行经费": Decimal(200),
        "车辆数合计（辆）": Decimal(1),
    }
    for label, want in expected.items():
        formula, got = figures[label]
        assert isinstance(formula, str) and formula.startswith("="), label
        assert Decimal(repr(got)).quantize(Decimal("0.000001")) == want.quantize(Decimal("0.000001")), (label, got)
    assert figures["上年收入总计"][0] == 1250
    assert "情况说明" not in figures["收入总计比上年增减率"][0]  # the input is on the same sheet: C6, no prefix


def test_without_inputs_every_input_is_blank(tmp_path, edition):
    path = tmp_path / "blank.xlsx"
    write_report(path, xlreport.load_report(synthetic()))
    figures = sheet_figures(path)
    for item in edition.narrative:
        if item.kind == "input":
            assert figures[item.label] == (None, None)


def test_reference_figures(tmp_path):
    last = Decimal("4777056.13") + Decimal("3032571.06")
    assert last == Decimal("7809627.19")
    path = tmp_path / "jincheng.xlsx"
    inputs = {
        "last_income_grand_total": last,
        "last_expense_grand_total": last,
        "last_fiscal_grand_total": last,
        "last_general_budget_expense": last,
        "initial_budget": Decimal("5326078.71"),
    }
    write_with_inputs(path, xlreport.load_report(EXAMPLE), inputs)
    figures = sheet_figures(path)
    percents = {
        "财政拨款收入占比": "100.00",
        "基本支出占比": "85.67",
        "项目支出占比": "14.33",
        "一般公共服务支出(类)占比": "83.11",
        "社会保障和就业支出(类)占比": "5.55",
        "卫生健康支出(类)占比": "4.28",
        "住房保障支出(类)占比": "7.06",
        "人员经费占比": "76.01",
        "日常公用经费占比": "9.66",
        "完成年初预算的比例": "89.69",
        "收入总计比上年增减率": "-38.83",
        "支出总计比上年增减率": "-38.83",
        "财政拨款收入总计比上年增减率": "-38.83",
        "一般公共预算财政拨款支出比上年增减率": "-38.83",
        "占本年支出合计的比例": "100.00",
        "“三公”经费完成全年预算的比例": "100.00",
        "公务用车运行维护费完成全年预算的比例": "100.00",
    }
    for label, want in percents.items():
        assert pct(figures[label][1]) == Decimal(want), (label, figures[label])
    amounts = {
        "收入总计比上年增减额": "-3032571.06",
        "人员经费": "3630935.89",
        "公用经费": "461413.24",
        "财政拨款基本支出": "4092349.13",
        "机关运行经费": "461413.24",
        "机关运行经费比上年增减额": "461413.24",
        "“三公”经费比上年增减额": "15847.59",
        # 公开10 合计 as published: 75,425.00 (it fails R10-1; a workbook never changes a published figure)
        "政府采购支出总额": "75425.00",
        "其中：服务": "130652.46",
    }
    for label, want in amounts.items():
        assert Decimal(repr(figures[label][1])).quantize(Decimal("0.01")) == Decimal(want), (label, figures[label])


def _paragraph(ws, start: str) -> str:
    """The 情况说明 paragraph (cached value) that starts with ``start``."""
    return next(str(c.value) for row in ws.iter_rows() for c in row if str(c.value or "").startswith(start))


@pytest.mark.sweep  # LibreOffice: .ci/run's sweep
def test_live_part3_text_follows_the_inputs_in_libreoffice(tmp_path):
    """The Part 3 paragraphs are formulas: LibreOffice recalculates them to the cached text, and a change of an
    input (last year's 收入总计) or a reason typed in its cell changes the sentence."""
    from .libreoffice import convert, recalculation_problems, soffice

    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    path = tmp_path / "ref.xlsx"
    write_report(path, xlreport.load_report(EXAMPLE))
    assert recalculation_problems([path], tmp_path / "lo") == {}
    wb = load_workbook(path)
    ws = wb[NARRATIVE_SHEET]
    cached = load_workbook(path, data_only=True)[NARRATIVE_SHEET]
    assert "收入总计减少3,032,571.06元，下降38.83%" in _paragraph(cached, "2022年度收入总计")
    for name, value in (("xr.N.input.last_income_grand_total", 4777056.13), ("xr.N.reason.reason_grand_total", "=X")):
        sheet, coord = next(iter(wb.defined_names[name].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        assert not cell.protection.locked
        cell.value = value
        if value == "=X":
            cell.data_type = "s"  # typed text that looks like a formula stays text
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    (fresh,) = convert([edited], tmp_path / "lo2")
    text = _paragraph(load_workbook(fresh, data_only=True)[NARRATIVE_SHEET], "2022年度收入总计")
    assert "与2021年相比，收入总计持平，支出总计减少3,032,571.06元，下降38.83%。=X" in text
    assert ws.cell(1, 1).value  # the sheet is the same sheet
