"""Random but consistent reports: for tests, benchmarks and demonstrations.

Only input cells are drawn at random (in whole cents, so in 元 every relation holds exactly); every
derived cell is then computed through the edition's defining rules, so a generated report satisfies
the whole rule set. Works for any edition whose tables use the common row and column keys of the
部门决算 tables; rows and columns an edition does not have are left out.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

from .editions.spec import Edition
from .model.assemble import assemble
from .model.report import Report, report_model
from .model.scorecard import budget_row_key, indicator_row_key
from .model.values import CellRef, Value, code_order
from .rules.compute import recompute
from .rules.instantiate import instantiate
from .rules.shape import ScorecardShape, Shape

CENT = Decimal("0.01")


def _money(rng: random.Random, low: int, high: int, per_unit: int = 1) -> Decimal:
    """An amount between ``low`` and ``high`` 元 in the edition's unit (``per_unit`` 元 per unit), in cents."""
    return Decimal(rng.randint(low * 100 // per_unit, max(1, high * 100 // per_unit))) * CENT


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` cut into ``parts`` non-negative amounts in whole cents that add up exactly."""
    cents = int(total / CENT)
    cuts = sorted(rng.randint(0, cents) for _ in range(parts - 1))
    bounds = [0, *cuts, cents]
    return [Decimal(b - a) * CENT for a, b in itertools.pairwise(bounds)]


def random_codes(edition: Edition, rng: random.Random, items: int) -> list[tuple[str, str]]:
    """类/款/项 rows for ``items`` 项 codes under a few of the edition's 类."""
    classes = rng.sample(list(edition.classes), k=max(1, min(len(edition.classes), (items + 2) // 3)))
    leaves: set[str] = set()
    while len(leaves) < items:
        cls = rng.choice(classes)
        spread = 3 if items < 100 else 99  # small reports look real; large ones need room for codes
        kuan = f"{cls.code}{rng.randint(1, spread):02d}"
        leaves.add(f"{kuan}{rng.randint(1, 9 if items < 100 else 99):02d}")
    rows: dict[str, str] = {}
    names = {c.code: c.name for c in edition.classes}
    for leaf in sorted(leaves):
        rows.setdefault(leaf[:3], names[leaf[:3]])
        rows.setdefault(leaf[:5], f"款{leaf[:5]}")
        rows.setdefault(leaf, f"项{leaf}")
    return sorted(rows.items(), key=lambda kv: code_order(kv[0]))


def random_report(
    edition: Edition, seed: int = 0, items: int = 6, scorecards: int = 2, unit_type: str = "参公", in_yuan: bool = False
) -> Report:
    """A consistent report; amounts in the edition's unit, or in 元 with ``in_yuan`` (see :func:`rounded_report`)."""
    rng = random.Random(seed)
    per_unit = 10_000 if edition.info.amount_unit == "万元" and not in_yuan else 1

    def _m(low: int, high: int) -> Decimal:
        return _money(rng, low, high, per_unit)

    codes = random_codes(edition, rng, items)
    leaves = [c for c, _ in codes if len(c) == 7]
    inputs: dict[CellRef, Value] = {}

    def put(table: str, row: str, col: str, value: Value) -> None:
        if value is not None and value != 0:
            inputs[CellRef(table, row, col)] = value

    # 公开05 (general budget) and 公开03 (all funds) by 项
    basic_total = project_total = Decimal(0)
    for code in leaves:
        b, p = _m(1_000, 900_000), (_m(0, 300_000) if rng.random() < 0.6 else Decimal(0))
        put("T05", code, "basic", b)
        put("T05", code, "project", p)
        basic_total += b
        project_total += p
        put("T03", code, "basic", b + (_m(0, 50_000) if rng.random() < 0.3 else 0))
        put("T03", code, "project", p + (_m(0, 50_000) if rng.random() < 0.3 else 0))
        if rng.random() < 0.2:
            put("T03", code, "operating", _m(0, 20_000))
        # 公开02: income by 项; 财政拨款 is the general budget spent on the 项
        put("T02", code, "fiscal", b + p)
        if rng.random() < 0.3:
            put("T02", code, "business", _m(0, 80_000))
    general = basic_total + project_total
    put("T04", "general_budget", "amount", general)
    # 公开06: personnel and public expenditure add up to 公开05's totals
    personnel_basic, public_basic = _split(rng, basic_total, 2)
    t06 = edition.table("T06")
    detail_has_basic = any(c.key == "basic" for p in t06.panels for c in p.columns)
    p301 = ["30101", "30102", "30103", "30108", "30110", "30113"]
    for code, amount in zip(p301, _split(rng, personnel_basic, len(p301)), strict=True):
        put("T06", code, "amount", amount)
        put("T06", code, "basic", amount)
    p302 = ["30201", "30207", "30211", "30213", "30217", "30226", "30227", "30231", "30299"]
    if detail_has_basic:  # 金额 covers basic and project expenditure, 其中 the basic part
        project_parts = _split(rng, project_total, len(p302) + 1)
        put("T06", "31002", "amount", project_parts[-1])
    else:  # a basic-only table: 决算数 is the basic expenditure
        project_parts = [Decimal(0)] * (len(p302) + 1)
    for code, b, extra in zip(p302, _split(rng, public_basic, len(p302)), project_parts, strict=False):
        put("T06", code, "amount", b + extra)
        put("T06", code, "basic", b)
    # 公开07 三公: 决算 at least its 公开06 items
    t06 = {r.row: v for r, v in inputs.items() if r.table == "T06" and r.col == "amount"}
    put("T07", "main", "final_reception", t06.get("30217", Decimal(0)) + _m(0, 2_000))
    put("T07", "main", "final_car_running", t06.get("30231", Decimal(0)) + _m(0, 2_000))
    for item in ("abroad", "car_purchase", "car_running", "reception"):
        put("T07", "main", f"budget_{item}", _m(0, 60_000))
    # 公开10
    for row in ("goods", "works", "services"):
        put("T10", row, "amount", _m(0, 400_000) if rng.random() < 0.7 else None)
    running_row = "admin_units" if unit_type == "行政" else "civil_service_units"
    put("T10", running_row, "amount", public_basic)
    for row in ("vehicles_leaders", "vehicles_emergency", "vehicles_other"):
        put("T10", row, "count", Decimal(rng.randint(0, 4)))
    # scorecards: 全年执行数 add up to 公开03's 项目支出
    cards: list[ScorecardShape] = []
    t03_project = sum((v for r, v in inputs.items() if r.table == "T03" and r.col == "project"), Decimal(0))
    executed = _split(rng, t03_project, scorecards) if scorecards else []
    if not edition.scorecard.enabled:
        executed = []
    for n, spent in enumerate(executed):
        cards.append(_scorecard(edition, rng, f"S{n + 1}", spent, inputs))
    shape = Shape(
        edition,
        codes={t.id: [c for c, _ in codes] for t in edition.tables if t.coded and t.id in ("T02", "T03", "T05")},
        scorecards=cards,
        unit_type=unit_type,
    )
    for t in edition.tables:
        if t.coded is not None:
            shape.codes.setdefault(t.id, [])
    for ref in [r for r in inputs if not _exists(edition, r)]:
        del inputs[ref]
    checks = instantiate(shape)
    values = recompute(checks, inputs)
    # 年初/年末 balances make the grand totals meet (R01-5)
    income, expense = (
        values.get(CellRef("T01", "income_total", "amount")),
        values.get(CellRef("T01", "expense_total", "amount")),
    )
    gap = Decimal(expense or 0) - Decimal(income or 0)  # type: ignore[arg-type]
    put("T01", "begin_balance" if gap > 0 else "end_balance", "amount", abs(gap))
    values = recompute(checks, inputs)
    meta = {
        "unit_name": f"测试单位{seed}",
        "year": edition.info.year,
        "edition": edition.id,
        "amount_unit": edition.info.amount_unit,
        "unit_type": unit_type,
    }
    table_codes = {t: codes for t in shape.codes if shape.codes[t]}
    data = assemble(edition, meta, table_codes, values, [(c.sid, list(c.budget), list(c.indicators)) for c in cards])
    return report_model(edition.id).model_validate(data)


def _exists(edition: Edition, ref: CellRef) -> bool:
    """Whether the edition has this cell (scorecard cells always exist)."""
    if ref.table.startswith("S"):
        return True
    try:
        table = edition.table(ref.table)
    except KeyError:
        return False
    if table.coded is not None:
        return ref.col in {c.key for c in table.panels[0].value_columns()}
    found = table.row(ref.row)
    return found is not None and ref.col in {c.key for c in table.value_columns_of(*found)}


def _scorecard(edition: Edition, rng: random.Random, sid: str, spent: Decimal, inputs: dict[CellRef, Value]) -> Any:
    budget = spent + (_money(rng, 0, 100_000) if rng.random() < 0.5 else 0)
    if budget == 0:
        budget = Decimal(1)
    inputs[CellRef(sid, "info", "project_name")] = f"项目{sid}"
    inputs[CellRef(sid, "info", "project_unit")] = "000001-测试单位"
    for key, source in ((budget_row_key(0), "合计"), (budget_row_key(1), "市县区财政资金")):
        inputs[CellRef(sid, key, "source")] = source
        for col, v in (("declared", budget), ("compiled", budget), ("annual_budget", budget), ("executed", spent)):
            inputs[CellRef(sid, key, col)] = v
    weights = edition.scorecard.weights
    level2 = edition.scorecard.level1
    rows: list[str] = []
    n = 0
    for level1, weight in weights.items():
        parts = [Decimal(w) for w in _int_split(rng, int(weight), 2 if int(weight) > 10 else 1)]
        for w in parts:
            key = indicator_row_key(n)
            n += 1
            rows.append(key)
            quantitative = rng.random() < 0.6
            inputs[CellRef(sid, key, "level1")] = level1
            inputs[CellRef(sid, key, "level2")] = rng.choice(level2[level1])
            inputs[CellRef(sid, key, "name")] = f"指标{key}"
            inputs[CellRef(sid, key, "weight")] = w
            if quantitative:
                target = Decimal(rng.choice([10, 20, 95, 100, 600]))
                actual = (target * Decimal(rng.randint(30, 120)) / 100).quantize(CENT)
                inputs[CellRef(sid, key, "initial_target")] = str(target)
                inputs[CellRef(sid, key, "target")] = f"≥{target}%"
                inputs[CellRef(sid, key, "actual")] = str(actual)
                inputs[CellRef(sid, key, "target_op")] = "≥"
                inputs[CellRef(sid, key, "target_value")] = target
                inputs[CellRef(sid, key, "actual_value")] = actual
                inputs[CellRef(sid, key, "score")] = (min(actual / target, Decimal(1)) * w).quantize(CENT)
            else:
                inputs[CellRef(sid, key, "initial_target")] = "及时"
                inputs[CellRef(sid, key, "target")] = "及时"
                inputs[CellRef(sid, key, "actual")] = "达成预期指标"
                inputs[CellRef(sid, key, "score")] = w
    quantitative_rows = tuple(k for k in rows if CellRef(sid, k, "target_value") in inputs)
    return ScorecardShape(sid, (budget_row_key(0), budget_row_key(1)), tuple(rows), quantitative_rows)


def _int_split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(1, total - 1) for _ in range(parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


def rounded_report(report: Report, per_unit: int = 10_000) -> Report:
    """``report`` (exact, in 元) as a table printed in 万元 shows it: every cell divided by ``per_unit`` and
    rounded on its own (half up), so totals may differ from the sum of their printed parts by a cent or two."""
    from decimal import ROUND_HALF_UP

    edition = report.edition
    printed = {
        ref: (
            (v / per_unit).quantize(CENT, rounding=ROUND_HALF_UP)
            if isinstance(v, Decimal) and not ref.table.startswith("S") and ref.col != "count"
            else v
        )
        for ref, v in report.cells().items()
    }
    codes = {t.id: report.codes(t.id) for t in edition.tables if t.coded is not None}
    cards = [(f"S{n + 1}", [], []) for n in range(len(report.scorecards))]
    meta = report.meta.model_dump()
    return report_model(edition.id).model_validate(assemble(edition, meta, codes, printed, cards))
