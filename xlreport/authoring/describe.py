"""``xlreport edition show ID``: an edition in a few lines (where it is, its tables, rows, columns, rules)."""

from __future__ import annotations

from ..editions.loader import EditionLocation, folder_sources, form_source
from ..editions.spec import Edition


def describe(edition: Edition, location: EditionLocation) -> str:
    info = edition.info
    lines = [
        f"{info.id}：{info.name}",
        f"  地区 {info.region or '—'}，年度 {info.year}，金额单位 {info.amount_unit}，小数 {info.decimals} 位，"
        f"{'有' if info.line_numbers else '无'}行次栏次",
        f"  来源：{location.origin}（{location.folder}）",
        f"  类 {len(edition.classes)} 个，经济分类科目 {len(edition.economic)} 个，规则 {len(edition.rules)} 条，"
        f"情况说明 {len(edition.narrative)} 项",
    ]
    card = edition.scorecard
    if card.enabled:
        form = form_source(folder_sources(location)["raw"], location) or "内嵌"
        lines.append(f"  项目支出绩效自评表：{card.title}（样式 {form}）")
    else:
        lines.append("  项目支出绩效自评表：无")
    lines.append("  表：")
    for t in edition.tables:
        rows = "按功能分类科目填列" if t.coded else f"{len(t.fixed_rows())} 行"
        cols = sorted({c.key for p in t.panels for c in p.value_columns()})
        lines.append(f"    {t.id} {t.sheet}：{t.title}（{rows}；栏 {'、'.join(cols)}）")
    return "\n".join(lines) + "\n"
