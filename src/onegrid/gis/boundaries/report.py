"""The import report: what a GIS officer reads before anything is written, as text (Chinese and
English labels) and as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# kind: (severity, 中文, English). Errors stop --apply; warnings are listed and let it through.
KINDS = {
    "no-geometry": ("error", "无面状几何", "no polygon geometry"),
    "off-the-map": ("error", "坐标不在中国范围内", "coordinates outside China"),
    "repaired-geometry": ("warning", "几何无效，已修复", "invalid geometry, repaired"),
    "no-code": ("error", "缺少编码", "no code"),
    "code-form": ("error", "编码格式错误", "code of the wrong form"),
    "duplicate-code": ("error", "编码重复", "duplicate code"),
    "no-name": ("error", "缺少名称", "no name"),
    "parent-mismatch": ("error", "编码与上级不符", "code does not extend its parent's"),
    "missing-parent": ("error", "上级不存在", "parent not in the store"),
    "level-clash": ("error", "编码已用于其他层级", "code already used at another level"),
    "outside-parent": ("error", "超出上级范围", "outside its parent"),
    "overlap": ("error", "与同级重叠", "overlaps a sibling"),
    "incomplete-coverage": ("warning", "上级未全覆盖", "parent not fully covered"),
    "removed-with-children": ("error", "待删除单元仍有下级", "a removed unit still has children"),
    "removed-with-tasks": ("error", "待删除单元仍有任务", "a removed unit still has tasks"),
    "workers-unassigned": ("warning", "网格员将失去网格", "grid workers lose their grid"),
}
GAP_LISTED_M2 = 100.0  # smaller gaps (slivers between two offices' lines) are only counted
LEVEL_NAMES = {"city": "市", "district": "区县", "street": "街道/乡镇", "community": "社区/村",
               "grid": "网格"}


@dataclass(frozen=True)
class Finding:
    kind: str
    units: list[str]  # each "#n code name": the feature's place in the layer, code and name
    detail: str
    where: list[float] | None = None  # [lon, lat] of a point in the problem (EPSG:4490)

    @property
    def severity(self) -> str:
        return KINDS[self.kind][0]


@dataclass(frozen=True)
class Gap:
    area_m2: float
    where: list[float]


@dataclass(frozen=True)
class Coverage:
    parent: str  # "code name"
    percent: float
    gaps: list[Gap]  # the gaps of at least GAP_LISTED_M2, largest first
    small_gaps: int  # and how many smaller ones


@dataclass
class Report:
    file: str
    layer: str
    crs: str
    encoding: str
    level: str
    features: int
    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)  # new, changed, unchanged, removed
    replaced: dict[str, int] = field(default_factory=dict)  # records, open/closed issues
    applied: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data; each finding with its severity and labels."""
        data = asdict(self)
        for finding, out in zip(self.findings, data["findings"], strict=True):
            severity, zh, en = KINDS[finding.kind]
            out.update(severity=severity, label_zh=zh, label_en=en)
        data.update(errors=len(self.errors), warnings=len(self.warnings))
        return data


def as_text(report: Report) -> str:
    """The report as a GIS officer reads it in a terminal."""
    lines = [
        "边界导入报告 Boundary import report",
        f"文件 file: {report.file} (图层 layer {report.layer}), 编码 encoding "
        f"{report.encoding or '-'}",
        f"坐标系 CRS: {report.crs} → EPSG:4490 (CGCS2000)",
        f"层级 level: {report.level} ({LEVEL_NAMES[report.level]}), 要素 features: "
        f"{report.features}",
    ]
    if report.changes:
        lines.append("变更 changes: " + ", ".join(
            f"{zh} {key} {report.changes.get(key, 0)}" for key, zh in
            (("new", "新增"), ("changed", "修改"), ("unchanged", "不变"), ("removed", "删除"))))
    if report.replaced:
        lines.append("重新落格 re-placed: " + ", ".join(
            f"{zh} {key.replace('_', ' ')} {report.replaced.get(key, 0)}" for key, zh in
            (("records", "记录"), ("open_issues", "未办结事件"),
             ("closed_issues", "已办结事件"))))
    for cover in report.coverage:
        lines.append(f"覆盖 coverage of {cover.parent}: {cover.percent:.3f} %")
        lines += [f"  缺口 gap {g.area_m2:,.0f} m² at {g.where[0]:.6f}, {g.where[1]:.6f}"
                  for g in cover.gaps]
        if cover.small_gaps:
            lines.append(f"  另有 and {cover.small_gaps} gaps under {GAP_LISTED_M2:g} m²")
    lines.append(f"问题 findings: {len(report.errors)} 错误 errors, "
                 f"{len(report.warnings)} 警告 warnings")
    for finding in report.findings:
        severity, zh, en = KINDS[finding.kind]
        label = "错误 error" if severity == "error" else "警告 warning"
        where = f" at {finding.where[0]:.6f}, {finding.where[1]:.6f}" if finding.where else ""
        lines.append(f"  {label}  {zh} {en}: {'; '.join(finding.units)}: "
                     f"{finding.detail}{where}")
    lines.append(_outcome(report))
    return "\n".join(lines)


def _outcome(report: Report) -> str:
    if report.applied:
        return "结论 outcome: 已写入 applied"
    if report.errors:
        return "结论 outcome: 有错误，未写入 not written: fix the errors and import again"
    return "结论 outcome: 仅报告，未写入 report only: run again with --apply to write"
