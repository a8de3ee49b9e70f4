"""The app's one dictionary: every visible string in Chinese and English.

Vocabulary follows the published account of the Wuxi development zone's party-building grids
(党建网格, 专职/兼职网格员, 党群服务中心, 小区党群服务驿站 ...). Keys are short English
identifiers; :func:`t` looks one up for a language and fills ``{placeholders}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from geo.grids.wording import WORDING

#: Languages offered, in switch order.
LANGS = ("zh", "en")
#: Language shown to a first-time visitor.
DEFAULT_LANG = "zh"

#: key -> (Chinese, English).
_SAVE_CSV_ZH = "在 Excel 中：文件 > 另存为 > CSV UTF-8（逗号分隔）(*.csv)"
_SAVE_CSV_EN = "in Excel: File > Save As > CSV UTF-8 (comma delimited) (*.csv)."
_MATRIX_SHAPE_ZH = "第一行：一个空单元格，然后是各候选点编码；其余每行：一个需求点编码，然后每个候选点一个以米计的距离"
_MATRIX_SHAPE_EN = (
    "first row: an empty cell then candidate ids; each further row: a demand id then one "
    "distance in metres per candidate."
)


TEXT: dict[str, tuple[str, str]] = {
    # page and sidebar
    "app_title": ("党建网格规划", "Party-building grid planner"),
    "app_caption": (
        "划分党建网格、检查步行覆盖、选址党群服务驿站、配备网格员、导出方案",
        "Divide communities into party-building grids, review walking coverage, "
        "site service posts, staff grids and export the plan",
    ),
    "language": ("语言 / Language", "Language / 语言"),
    "data": ("数据", "Data"),
    "data_source": ("数据来源", "Data source"),
    "source_demo": ("示例城区（合成几何）", "Demo district (synthetic geometry)"),
    "source_upload": ("上传我的图层", "Upload my layers"),
    "demo_note": (
        "示例数据：几何为合成，户数与党员数参照公开数字。",
        "Demo data: the geometry is synthetic; counts follow the published figures.",
    ),
    "datum": ("坐标基准", "Datum"),
    "datum_help": (
        "文件坐标所用的基准：WGS84（GPS）、CGCS2000、GCJ-02（高德/腾讯）、BD-09（百度）或 EPSG 代码",
        "Datum of the file's coordinates: WGS84 (GPS), CGCS2000, GCJ-02 (Amap/Tencent), "
        "BD-09 (Baidu) or an EPSG code",
    ),
    "epsg_code": ("EPSG 代码", "EPSG code"),
    "upload_layer": (
        "{layer}（GeoJSON / GeoPackage / 压缩的 Shapefile）",
        "{layer} (GeoJSON / GeoPackage / zipped Shapefile)",
    ),
    "load_uploads": ("检查并载入", "Check and load"),
    "validation_report": ("数据检查报告", "Validation report"),
    "validation_ok": ("{layer}：未发现问题", "{layer}: no problems found"),
    "validation_failed": (
        "数据有错误，未载入。请按下表修正后重新上传。",
        "The data has errors and was not loaded. Fix them as listed and upload again.",
    ),
    "upload_rejected": ("文件被拒绝：{msg}", "File refused: {msg}"),
    "uploads_need": (
        "至少需要社区和小区两个图层",
        "At least the communities and estates layers are needed",
    ),
    "col_layer": ("图层", "Layer"),
    "col_feature": ("要素", "Feature"),
    "col_field": ("字段", "Field"),
    "col_severity": ("级别", "Severity"),
    "col_problem": ("问题", "Problem"),
    "col_fix": ("修正方法", "Fix"),
    "loaded_uploads": ("已载入上传的图层", "Uploaded layers loaded"),
    "map_settings": ("地图", "Map"),
    "basemap": ("底图", "Basemap"),
    "basemap_osm": ("OpenStreetMap（在线）", "OpenStreetMap (online)"),
    "basemap_light": ("浅色底图（在线）", "Light basemap (online)"),
    "basemap_intranet": ("内网瓦片服务", "Intranet tile server"),
    "basemap_amap": ("高德地图（GCJ-02）", "Amap / Gaode (GCJ-02)"),
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "tile_url": ("瓦片地址模板", "Tile URL template"),
    "tile_url_help": (
        "例如 http://tiles.example.gov/{z}/{x}/{y}.png",
        "e.g. http://tiles.example.gov/{z}/{x}/{y}.png",
    ),
    "amap_note": (
        "高德底图使用 GCJ-02：图层仅为显示而偏移，计算与导出仍为 WGS84。",
        "Amap tiles use GCJ-02: overlays are shifted for display only; computing and exports stay WGS84.",
    ),
    "show_buildings": ("显示楼栋", "Show buildings"),
    "show_density": ("显示党员密度", "Show party-member density"),
    "show_density_help": (
        "在总览地图上叠加党员核密度（按楼栋党员数加权，无楼栋数据时按小区；计算需数秒）",
        "Overlay the party-member kernel density on the overview map (weighted by each "
        "building's party members, or each estate's without buildings; takes a few seconds "
        "to compute)",
    ),
    "offline_missing": (
        "离线地图文件缺失（{n} 个），地图将从网络加载 Leaflet。请运行 `make assets`。",
        "Offline map files missing ({n}); maps will load Leaflet from the internet. Run `make assets`.",
    ),
    # tabs
    "tab_overview": ("概览", "Overview"),
    "tab_grids": ("党建网格", "Grids"),
    "tab_coverage": ("服务覆盖", "Coverage"),
    "tab_siting": ("驿站选址", "Siting"),
    "tab_staffing": ("网格员配备", "Staffing"),
    "tab_export": ("导出", "Export"),
    # layers and legend
    "layer_communities": ("社区", "Communities"),
    "layer_estates": ("小区", "Estates"),
    "layer_buildings": ("楼栋", "Buildings"),
    "layer_facilities": ("党群服务设施", "Service facilities"),
    "layer_candidates": ("候选点", "Candidate sites"),
    "layer_other_grids": ("其他网格", "Other grids"),
    "layer_grids": ("党建网格", "Party-building grids"),
    "layer_units": ("网格单元", "Grid units"),
    "layer_selected": ("已选单元", "Selected units"),
    "layer_posts": ("拟建驿站", "Proposed posts"),
    "layer_newly_covered": ("新覆盖小区", "Newly covered estates"),
    "layer_coverage": ("覆盖等级", "Coverage classes"),
    "legend": ("图例", "Legend"),
    "level_district": ("区级党群服务中心", "District service centre"),
    "level_street": ("街道党建工作指导站", "Street guidance station"),
    "level_community": ("社区党群服务中心", "Community service centre"),
    "level_post": ("小区党群服务驿站", "Estate service post"),
    "level_other": ("其他设施", "Other facility"),
    # fields
    "f_name": ("名称", "Name"),
    "f_community": ("社区", "Community"),
    "f_street": ("街道", "Street"),
    "f_households": ("户数", "Households"),
    "f_party_members": ("党员数", "Party members"),
    "f_residents": ("常住人口", "Residents"),
    "f_grid": ("网格", "Grid"),
    "f_grid_id": ("网格编码", "Grid code"),
    "f_unit": ("单元", "Unit"),
    "f_estate": ("小区", "Estate"),
    "f_level": ("级别", "Level"),
    "f_n_units": ("单元数", "Units"),
    "f_dev_pct": ("偏离社区均值 %", "Deviation from community mean %"),
    "f_contiguous": ("连片", "Contiguous"),
    "f_issue": ("问题", "Issue"),
    "f_in_band": ("符合户数规则", "Within household rule"),
    "f_locked": ("已锁定", "Locked"),
    "f_distance": ("步行距离（米）", "Walking distance (m)"),
    "f_class": ("覆盖等级", "Coverage class"),
    "f_full_time": ("专职网格员", "Full-time grid workers"),
    "f_part_time": ("兼职网格员", "Part-time grid workers"),
    "f_n_grids": ("网格数", "Grids"),
    "f_n_estates": ("小区数", "Estates"),
    # overview
    "m_communities": ("社区", "Communities"),
    "m_grids": ("党建网格", "Party-building grids"),
    "m_households": ("户数", "Households"),
    "m_party_members": ("党员", "Party members"),
    "m_workers": ("网格员", "Grid workers"),
    "m_in_band": ("符合户数规则的网格", "Grids within the household rule"),
    "no_plan_yet": (
        "尚未生成网格：请在“党建网格”页生成。",
        "No grids yet: generate them on the Grids tab.",
    ),
    "per_community": ("各社区", "Per community"),
    "coverage_shares": ("生活圈覆盖（户数占比）", "Life-circle coverage (share of households)"),
    "within_m": ("{m:.0f} 米内", "within {m:.0f} m"),
    "beyond_m": ("超过 {m:.0f} 米", "beyond {m:.0f} m"),
    "workers_from_staffing": ("网格员数来自“网格员配备”页", "Worker count from the Staffing tab"),
    # grids tab
    "generate": ("生成网格", "Generate grids"),
    "min_households": ("每格最少户数", "Min households per grid"),
    "max_households": ("每格最多户数", "Max households per grid"),
    "size_by": ("规模依据", "Size by"),
    "balance": ("均衡依据", "Balance"),
    "compactness": ("紧凑度权重", "Compactness weight"),
    "seed": ("随机种子", "Random seed"),
    "opt_households": ("户数", "households"),
    "opt_party_members": ("党员数", "party members"),
    "opt_load": ("综合负荷", "weighted load"),
    "generating": ("正在划分网格…", "Dividing into grids…"),
    "generated": ("已生成 {n} 个网格", "{n} grids generated"),
    "placeholder_choose": ("请选择", "Choose"),
    "placeholder_none": ("无可选项", "No options"),
    "select_unit": ("选择单元（或在地图上点击）", "Select units (or click the map)"),
    "selected": ("已选：{units}", "Selected: {units}"),
    "target_grid": ("目标网格", "Target grid"),
    "move": ("移入相邻网格", "Move to neighbouring grid"),
    "merge": ("合并网格", "Merge grids"),
    "merge_with": ("与此网格合并", "Merge with"),
    "split": ("拆分网格", "Split grid"),
    "split_k": ("拆成几个", "Split into"),
    "lock": ("锁定", "Lock"),
    "unlock": ("解锁", "Unlock"),
    "rename": ("重命名", "Rename"),
    "new_name": ("新名称", "New name"),
    "undo": ("撤销", "Undo"),
    "redo": ("重做", "Redo"),
    "reoptimise": ("重新优化未锁定网格", "Re-optimise unlocked grids"),
    "grid_to_edit": ("要编辑的网格", "Grid to edit"),
    "lasso_hint": (
        "用地图左侧的多边形工具圈选多个单元。",
        "Draw a polygon (tool on the map's left) to select several units.",
    ),
    "edit_done": ("已完成：{op}，涉及网格 {grids}", "Done: {op}, grids touched {grids}"),
    "edit_refused": ("操作被拒绝：{msg}", "Edit refused: {msg}"),
    "violations": ("违反规则：", "Rules broken:"),
    "no_violations": ("所有受影响网格均符合规则", "All touched grids obey the rules"),
    "grid_table": ("网格指标", "Grid metrics"),
    "plan_summary": ("方案指标", "Plan metrics"),
    "infeasible_report": ("无法满足规则的社区", "Communities where the rule cannot be met"),
    "unit_notes": ("网格单元提示（{n}）", "Notes on the planning units ({n})"),
    "out_of_band_report": (
        "户数超出范围的网格（{n} 个）及原因",
        "Grids outside the household band ({n}), with reasons",
    ),
    "low_pp_report": (
        "形状过于狭长的网格（{n} 个）及原因",
        "Grids too elongated ({n}), with reasons",
    ),
    "f_reason": ("原因", "Reason"),
    "f_reason_kind": ("类别", "Kind"),
    "reason_lock": ("已锁定", "locked"),
    "reason_unit": ("单个单元超过上限", "one unit above the maximum"),
    "reason_arithmetic": ("户数无法凑成范围内的网格", "arithmetic: the households admit no split"),
    "reason_search": ("相邻单元无法组合进范围", "neighbouring units admit no grouping"),
    # coverage tab
    "facility_levels": ("计入的设施级别", "Facility levels counted"),
    "thresholds": ("生活圈距离（米）", "Life-circle distances (m)"),
    "run_coverage": ("计算覆盖", "Compute coverage"),
    "gap_list": (
        "缺口清单（按超出距离的户数排序）",
        "Gap list (most households beyond the distance first)",
    ),
    "distance_method": ("距离算法：{method}", "Distance method: {method}"),
    "class_0": ("≤{m:.0f} 米", "≤{m:.0f} m"),
    "class_beyond": ("> {m:.0f} 米", "> {m:.0f} m"),
    "class_unreachable": ("步行网络不可达", "Unreachable on the walk network"),
    "gap_threshold": ("缺口距离（米）", "Gap distance (m)"),
    "totals_by_class": ("各覆盖等级合计", "Totals per class"),
    "col_class": ("覆盖等级", "Class"),
    "col_estates": ("小区数", "Estates"),
    "col_share": ("占比", "Share"),
    "col_rank": ("排名", "Rank"),
    "col_facility": ("最近设施", "Nearest facility"),
    "col_posts": ("新增驿站", "New posts"),
    "col_covered": ("覆盖需求", "Demand covered"),
    # siting tab
    "model": ("模型", "Model"),
    "model_mclp": ("最大覆盖（MCLP）", "Maximal covering (MCLP)"),
    "model_lscp": ("最少站点全覆盖（LSCP）", "Set covering (LSCP)"),
    "model_pmedian": ("总步行最短（p-中位）", "p-median (least total walk)"),
    "model_pcenter": ("最远步行最短（p-中心）", "p-center (least worst walk)"),
    "n_posts": ("新增驿站数", "New posts"),
    "radius": ("服务半径（米）", "Service radius (m)"),
    "candidates_src": ("候选点", "Candidates"),
    "cand_layer": ("上传的候选点图层", "Uploaded candidate layer"),
    "cand_estates": ("未覆盖小区的代表点", "Uncovered estates' representative points"),
    "run_siting": ("求解选址", "Solve siting"),
    "solving": ("正在求解…", "Solving…"),
    "siting_result": (
        "目标值 {objective}，间隙 {gap}，状态 {status}，用时 {seconds:.2f} 秒",
        "Objective {objective}, gap {gap}, status {status}, {seconds:.2f} s",
    ),
    "newly_covers": ("新覆盖的小区", "Estates newly covered"),
    "coverage_curve": ("边际覆盖曲线", "Marginal coverage curve"),
    "curve_posts": ("最多新增驿站数", "Posts up to"),
    "siting_source": (
        "候选点来源：{source}；距离：{method}",
        "Candidates: {source}; distances: {method}",
    ),
    "posts_table": ("拟建驿站及其新覆盖的小区", "Proposed posts and the estates each newly covers"),
    "newly_estates": ("新覆盖小区数", "Estates newly covered"),
    "newly_households": ("新覆盖户数", "Households newly covered"),
    "newly_within": (
        "“新覆盖”指距离现有设施超过 {r:.0f} 米、距该驿站不超过 {r:.0f} 米的小区",
        "“Newly covered”: estates farther than {r:.0f} m from every existing facility and within {r:.0f} m of the post",
    ),
    "time_limit": ("求解时限（秒）", "Time limit (s)"),
    "excluded": ("无法覆盖的小区：{n}", "Estates no candidate can reach: {n}"),
    "run_curve": ("计算曲线", "Compute curve"),
    # staffing tab
    "full_time_total": ("专职网格员总数", "Full-time grid workers in all"),
    "part_time_total": ("兼职网格员总数", "Part-time grid workers in all"),
    "method": ("分配方法", "Apportionment method"),
    "method_largest_remainder": ("最大余数法", "Largest remainder"),
    "method_huntington_hill": ("亨廷顿-希尔法", "Huntington-Hill"),
    "workload": ("工作量依据", "Workload"),
    "run_staffing": ("分配网格员", "Apportion workers"),
    "min_full_time": ("每格最少专职网格员", "Min full-time per grid"),
    "staff_table": ("各网格网格员", "Workers per grid"),
    "f_workers": ("网格员合计", "Workers"),
    "f_hh_per_worker": ("每名网格员服务户数", "Households per worker"),
    "f_explanation": ("说明", "Explanation"),
    "need_plan": ("请先在“党建网格”页生成网格。", "Generate grids on the Grids tab first."),
    # export tab
    "plan_name": ("方案名称", "Plan name"),
    "export_geojson": ("下载 GeoJSON（RFC 7946）", "Download GeoJSON (RFC 7946)"),
    "export_gpkg": ("下载 GeoPackage", "Download GeoPackage"),
    "export_csv": ("下载 CSV", "Download CSV"),
    "export_html": ("下载独立 HTML 地图", "Download standalone HTML map"),
    "export_what": ("导出内容", "Export"),
    "exp_grids": ("网格", "Grids"),
    "exp_assignment": ("单元归属", "Unit assignment"),
    "exp_coverage": ("覆盖", "Coverage"),
    "exp_posts": ("拟建驿站", "Proposed posts"),
    "exp_staffing": ("网格员配备", "Staffing"),
    "prepare_exports": ("生成导出文件", "Prepare the export files"),
    "exports_ready": ("已生成 {n} 个文件", "{n} files ready"),
    "export_layer": ("GeoJSON 图层", "GeoJSON layer"),
    "prepare_atlas": ("生成打印图册（PDF）", "Prepare the printable atlas (PDF)"),
    "atlas_help": (
        "封面为全区概况和街道汇总，每个社区一页 A4 横版：网格图（名称、小区、设施、驿站、比例尺、指北针）和网格表",
        "A cover with the district figures and a table of streets, then one A4 landscape "
        "page per community: a map of its grids (names, estates, facilities, posts, scale "
        "bar, north arrow) and a table of its grids",
    ),
    "export_atlas": ("下载打印图册（PDF）", "Download the printable atlas (PDF)"),
    "lock_mark": ("（锁）", " (locked)"),
    "metric_n_grids": ("网格数", "grids"),
    "metric_n_units": ("单元数", "units"),
    "metric_n_locked": ("锁定网格数", "locked grids"),
    "metric_households_mean": ("户数均值", "households, mean"),
    "metric_households_min": ("户数最小值", "households, min"),
    "metric_households_max": ("户数最大值", "households, max"),
    "metric_households_max_abs_dev_pct": ("户数最大偏离（%）", "households, largest deviation (%)"),
    "metric_party_members_mean": ("党员数均值", "party members, mean"),
    "metric_party_members_min": ("党员数最小值", "party members, min"),
    "metric_party_members_max": ("党员数最大值", "party members, max"),
    "metric_party_members_max_abs_dev_pct": (
        "党员数最大偏离（%）",
        "party members, largest deviation (%)",
    ),
    "metric_in_band_share": ("符合户数规则的网格占比", "share of grids within the household rule"),
    "metric_polsby_popper_mean": (
        "紧凑度均值（Polsby-Popper）",
        "compactness, mean (Polsby-Popper)",
    ),
    "metric_non_contiguous": ("不连片网格数", "grids in pieces"),
    "col_metric": ("指标", "Metric"),
    "diff_side": ("版本 {v}", "version {v}"),
    "diff_side_delta": ("变化", "change"),
    "source_user_points": ("用户给定的点", "user points"),
    "source_candidates_layer": ("候选点图层", "candidates layer"),
    "source_estates_uncovered": ("尚未覆盖的小区", "estates not already covered"),
    "source_all_estates": ("全部小区", "all estates"),
    "curve_title": ("新增驿站数与覆盖率", "Coverage by number of new posts"),
    "curve_x": ("新增驿站数 p", "new posts p"),
    "curve_y": ("覆盖的需求（%）", "demand covered (%)"),
    "curve_covered": ("覆盖率（%）", "covered (%)"),
    "curve_gain": ("第 p 个驿站的增量", "gain of the p-th post"),
    "curve_gain_axis": ("第 p 个驿站新增的权重", "weight added by the p-th post"),
    "curve_not_proven": ("未证最优", "not proven optimal"),
    "col_gain": ("增量", "Gain"),
    "col_gap": ("间隙", "Gap"),
    "col_seconds": ("用时（秒）", "Time (s)"),
    "f_polsby_popper": ("紧凑度（Polsby-Popper）", "Compactness (Polsby-Popper)"),
    "layer_density": (
        "党员密度（核密度，带宽 {bw} 米）",
        "Party-member density (kernel, bandwidth {bw} m)",
    ),
    "rule_violation": ("网格 {grid}：{text}", "grid {grid}: {text}"),
    "siting_done": ("选址完成", "Siting done"),
    "status_optimal": ("已证最优", "proven optimal"),
    "status_time_limit": ("达到时限（可行解）", "time limit reached (feasible)"),
    "status_infeasible": ("无可行解", "infeasible"),
    "status_feasible": ("可行解", "feasible"),
    "method_network": ("步行路网", "walking network"),
    "method_straight": ("直线距离 ×{f}", "straight-line ×{f}"),
    "contiguity_all": ("全部 {n} 个网格连片", "All {n} grids are contiguous"),
    "contiguity_broken": (
        "{n} 个网格中 {ok} 个连片；不连片：{names}",
        "{ok} of {n} grids are contiguous; in pieces: {names}",
    ),
    "atlas_density_note": (
        "党员密度：高斯核密度估计，带宽 {bw} 米（Scott 经验法则为 {scott} 米，宽于一个网格）",
        "Party-member density: Gaussian kernel, bandwidth {bw} m (Scott's rule "
        "would give {scott} m, wider than a grid)",
    ),
    "atlas_staffing_tab": (
        "网格员：取自“网格员配备”页的分配结果",
        "Workers: as apportioned in the staffing tab",
    ),
    "atlas_staffing_default": (
        "网格员：按户数用最大余数法分配 242 名专职、1,134 名兼职（每格至少 1 名专职）",
        "Workers: 242 full-time and 1,134 part-time apportioned by households "
        "(largest remainder, at least one full-time per grid)",
    ),
    "plan_in_force": ("从现行网格方案开始", "Start from the plan in force"),
    "plan_file": (
        "现行网格图层（GeoJSON / GeoPackage / 压缩的 Shapefile）",
        "Grid layer in force (GeoJSON / GeoPackage / zipped Shapefile)",
    ),
    "id_field": ("网格编码字段", "Grid id field"),
    "name_field": ("网格名称字段", "Grid name field"),
    "import_plan": ("导入并评分", "Import and score"),
    "imported": (
        "已导入 {n} 个网格：{cut} 个单元被现行边界切分，{absorbed} 个未覆盖单元已并入相邻网格",
        "{n} grids imported: {cut} units cut by the existing boundaries, {absorbed} uncovered units absorbed",
    ),
    "repair": (
        "修复不合规网格（移动户数最少）",
        "Repair out-of-rule grids (fewest households moved)",
    ),
    "repair_unlock_neighbours": ("允许调整相邻的合规网格", "Let compliant neighbours change too"),
    "repaired": (
        "已修复 {fixed} 个网格，移动 {moves} 个单元、{hh:.0f} 户；仍不合规 {out} 个",
        "{fixed} grids repaired, {moves} units / {hh:.0f} households moved; {out} still out of rule",
    ),
    "engine_missing": (
        "此功能所需的计算模块尚未安装：{module}",
        "The engine this needs is not installed: {module}",
    ),
    # plans (the plan store)
    "tab_plans": ("方案", "Plans"),
    "store_plan_name": ("方案名称", "Plan name"),
    "store_plan_name_help": (
        "生成、导入或修复的网格方案以此名称保存到方案库（同名则保存为新版本）",
        "Generated, imported or repaired grids are saved in the plan store under "
        "this name (an existing name gets a new version)",
    ),
    "store_unavailable": ("方案库无法打开：{msg}", "The plan store cannot be opened: {msg}"),
    "store_location": ("方案库：{where}", "Plan store: {where}"),
    "plan_saved": ("已保存方案“{name}”第 {version} 版", "Saved plan “{name}” version {version}"),
    "plan_save_failed": ("方案未保存：{msg}", "The plan was not saved: {msg}"),
    "plan_opened": ("已打开方案“{name}”第 {version} 版", "Opened plan “{name}” version {version}"),
    "plan_open": (
        "当前方案：“{name}”第 {version} 版，其后 {n} 步编辑已随时记录",
        "Open plan: “{name}” version {version}, {n} edits since, each journaled as made",
    ),
    "plan_unsaved": (
        "当前网格尚未保存到方案库：请另存为一个名称",
        "These grids are not in the plan store yet: save them under a name",
    ),
    "save_plan": ("保存新版本", "Save version"),
    "save_as": ("另存为", "Save as"),
    "save_as_name": ("另存为方案名称", "Save as plan name"),
    "plan_conflict": (
        "未保存，其他人已先保存：{msg}。您的编辑都还在，请“另存为”新名称。",
        "Not saved, someone saved first: {msg}. Your edits are all still here: "
        "use “Save as” with a new name.",
    ),
    "journal_failed": (
        "此步编辑未能记录到方案库：{msg}",
        "This edit could not be journaled in the plan store: {msg}",
    ),
    "resumed": (
        "已恢复方案“{name}”第 {version} 版及其 {n} 步编辑（含撤销/重做记录）",
        "Resumed plan “{name}” version {version} with its {n} edits (undo/redo history included)",
    ),
    "resume_failed": (
        "无法恢复方案“{name}”第 {version} 版：{msg}",
        "Could not resume plan “{name}” version {version}: {msg}",
    ),
    "no_saved_plans": (
        "方案库中还没有方案：在“党建网格”页生成网格即自动保存。",
        "No plans in the store yet: generating grids on the Grids tab saves one.",
    ),
    "saved_plans": ("已保存的方案", "Saved plans"),
    "open_version": ("打开此版本", "Open this version"),
    "pick_journal": ("接续编辑记录", "Continue edit journal"),
    "journal_new": ("不接续（从保存的版本开始）", "None (start from the saved version)"),
    "journal_item": ("记录 {j}（{n} 步编辑）", "Journal {j} ({n} edits)"),
    "col_version": ("版本", "Version"),
    "col_n_versions": ("版本数", "Versions"),
    "col_parent_plan": ("来源方案", "Parent plan"),
    "col_parent_version": ("来源版本", "Parent version"),
    "col_author": ("保存人", "Saved by"),
    "col_created": ("创建时间（北京时间）", "Created (Beijing time)"),
    "col_updated": ("更新时间（北京时间）", "Updated (Beijing time)"),
    "col_message": ("说明", "Note"),
    "col_n_history": ("编辑步数", "Edits"),
    "col_n_journal": ("未保存编辑", "Journaled edits"),
    "col_change": ("变化", "Change"),
    "col_area_m2": ("面积（平方米）", "Area (m²)"),
    "f_unit_id": ("单元", "Unit"),
    "diff_title": ("版本对比", "Compare versions"),
    "diff_needs_two": ("至少需要两个版本才能对比", "Two versions are needed to compare"),
    "diff_same": ("请选择两个不同的版本", "Pick two different versions"),
    "diff_from": ("原版本", "From"),
    "diff_to": ("新版本", "To"),
    "diff_units_moved": ("调整的单元", "Units moved"),
    "diff_grids_changed": ("变化的网格", "Grids changed"),
    "diff_grids_added": ("新增网格", "Grids added"),
    "diff_grids_removed": ("取消的网格", "Grids removed"),
    "diff_moved_table": ("调整的单元", "Units moved"),
    "diff_grids_table": (
        "变化网格的指标（前后及差值）",
        "Changed grids: figures before, after and delta",
    ),
    "diff_metrics_table": ("方案指标变化", "Plan metric deltas"),
    "change_added": ("新增网格", "Grid added"),
    "change_gained": ("网格扩大部分", "Area gained"),
    "change_lost": ("网格缩小部分", "Area lost"),
    "change_removed": ("取消的网格", "Grid removed"),
    "error": ("出错：{msg}", "Error: {msg}"),
    # --- issue 12: the plan in force over updated data (plans tab) ---
    "rp_title": ("按更新数据修复此方案", "Repair this plan over updated data"),
    "rp_help": (
        "先在侧栏把数据源换成更新后的图层（新建、拆除小区，户数变化），再对所选版本查看“自方案以来的变化”并修复："
        "拆分过大网格、合并过小网格，其余网格保持原样。",
        "Switch the data source in the sidebar to the updated layers (new or demolished estates, changed "
        "counts), then see the changes since the selected version and repair it: grids grown too large "
        "are split, grids too small merged, every other grid stays as it was.",
    ),
    "rp_run": ("自此方案以来的变化 → 修复", "Changes since this plan → repair"),
    "rp_grids_data_changed": ("户数变化的网格", "Grids whose households changed"),
    "rp_moved": ("调整户数", "Households moved"),
    "rp_bound": ("至少需调整户数（下界）", "Households that must move (lower bound)"),
    "rp_status": ("求解状态", "Solution"),
    "rp_optimal": ("最优", "optimal"),
    "rp_heuristic": ("启发式（差距 {gap:.1f}%）", "heuristic (gap {gap:.1f}%)"),
    "rp_changes_since": (
        "自此方案以来的数据变化（按网格）",
        "Data changes since this plan (by grid)",
    ),
    "rp_hh_before": ("原户数", "Households before"),
    "rp_hh_after": ("现户数", "Households now"),
    "rp_households": ("户数", "Households"),
    "rp_codes": (
        "新编码：{new}；停用编码（不再使用）：{retired}",
        "New codes: {new}; retired codes (never reused): {retired}",
    ),
    "rp_before": ("修复前（现行方案）", "Before (plan in force)"),
    "rp_after": ("修复后", "After the repair"),
    "rp_change_kept": ("保持不变", "kept"),
    "rp_change_units_moved": ("调整单元", "units moved"),
    "rp_change_split": ("拆分", "split"),
    "rp_change_merged": ("并入", "merged into"),
    "rp_change_new": ("新网格", "new grid"),
    "rp_save": (
        "保存为下一版本（附变化报告）",
        "Save as the next version (with the change report)",
    ),
    "rp_message": (
        "按更新数据修复：调整 {hh:.0f} 户",
        "repair over updated data: {hh:.0f} households moved",
    ),
    # ---- editing map (issue 14: ui/editmap) ----
    "em_search": ("按小区名称查找…", "Find an estate by name…"),
    "em_grids": ("网格", "Grids"),
    "em_tool_select": ("点选", "Select"),
    "em_tool_brush": ("画笔", "Brush"),
    "em_tool_lasso": ("套索", "Lasso"),
    "em_move": ("移入当前网格", "Move to current grid"),
    "em_merge": ("并入当前网格", "Merge into current grid"),
    "em_split": ("拆分", "Split"),
    "em_lock": ("锁定", "Lock"),
    "em_unlock": ("解锁", "Unlock"),
    "em_undo": ("撤销", "Undo"),
    "em_redo": ("重做", "Redo"),
    "em_clear": ("清除选择", "Clear selection"),
    # ops of panel edits the map is told of (its "confirmed" line names the op by these)
    "em_rename": ("重命名", "Rename"),
    "em_reoptimise": ("重新优化", "Re-optimise"),
    "em_repair": ("修复", "Repair"),
    "em_selected": ("已选单元：", "Selected units:"),
    "em_current": ("当前网格：", "Current grid:"),
    "em_none": ("未选（在列表中点选网格）", "none (pick a grid in the list)"),
    "em_pending": ("已在地图上修改，等待确认…", "Changed on the map, waiting for confirmation…"),
    "em_confirmed": ("已确认：", "Confirmed:"),
    "em_refused": ("已撤回：", "Rolled back:"),
    "em_legend": ("图例", "Legend"),
    "em_legend_selected": ("选中的单元", "Selected units"),
    "em_legend_current": ("当前网格", "Current grid"),
    "em_legend_grid": ("网格（相邻网格颜色不同）", "Grids (touching grids differ in colour)"),
    "em_figures": (
        "网格数 · 户数达标 · 最大偏差 · 紧凑度：",
        "Grids · in band · max deviation · compactness:",
    ),
    "em_hh": ("户", " hh"),
    "em_not_found": ("没有找到小区：", "No estate found:"),
    "em_brush_hint": (
        "先在列表中选定当前网格，再按住鼠标拖过要划入的单元。",
        "Pick the current grid in the list, then drag over the units to paint into it.",
    ),
    "em_keys_hint": (
        "Ctrl+Z 撤销 · Ctrl+Y 重做 · Esc 清除选择",
        "Ctrl+Z undo · Ctrl+Y redo · Esc clears the selection",
    ),
    "em_panel_more": (
        "按列表编辑（单元多选、重命名、重新优化）",
        "Edit by list (unit multiselect, rename, re-optimise)",
    ),
    # --- issue 13: tables, rosters and a walk network in the sidebar (i13) ---
    "upload_table_types": (
        "图层也可上传 CSV / Excel 表格（经度、纬度列）",
        "Layers may also be CSV / Excel tables (longitude, latitude columns)",
    ),
    "upload_roster": (
        "{layer}名册（CSV / Excel，按编号或名称匹配）",
        "{layer} roster (CSV / Excel, joined by id or name)",
    ),
    "upload_network": ("步行路网（GraphML / OSM XML）", "Walk network (GraphML / OSM XML)"),
    "join_preview": ("名册匹配预览", "Roster join preview"),
    # --- issue 15 follow-up: save notes, names, coded engine messages (i15b) ---
    "save_note": ("保存说明", "Note for this save"),
    "save_note_help": (
        "例如：按街道意见调整第三网格（随新版本保存）",
        "e.g. grid 3 adjusted as the street office asked (saved with the new version)",
    ),
    # engine messages by code (geo.errors.Problem.code, EditError.code): pr_<code> + prf_<code>
    "pr_twin_column": (
        "列 `{column}` 同样表示 `{target}`：使用 `{target}`，`{column}` 作为附加列保留。",
        "column `{column}` also means `{target}`; `{target}` is used and `{column}` is kept "
        "as an extra column.",
    ),
    "prf_twin_column": ("删除或重命名 `{column}`", "drop or rename `{column}`"),
    "pr_coded_id_used": (
        "`{column}` 用作 `{target}`；{others} 作为附加列保留。",
        "`{column}` is used as `{target}`; {others} kept as extra column(s).",
    ),
    "prf_coded_id_used": ("无需处理", "none needed"),
    "pr_personal_dropped": (
        "列 {columns} 看似个人信息（姓名、身份证号或电话），已在读入时删除；本工具只保留人数。",
        "column(s) {columns} look like personal data (names, ID or phone numbers) and were "
        "dropped at load time; gridplan keeps counts only.",
    ),
    "prf_personal_dropped": (
        "共享文件前请删除其中的个人信息字段",
        "remove personal fields from the file before sharing it",
    ),
    "pr_features_overlap": (
        "{n} 对要素互相重叠：{pairs}。",
        "{n} pair(s) of features overlap: {pairs}.",
    ),
    "prf_features_overlap": (
        "重新绘制共用边界，使要素互不重叠",
        "redraw the shared boundaries so that features do not overlap",
    ),
    # prefixes of coded data-check messages (params "_n" features, "_source" table,
    # "_roster" roster file), and the feature column's words
    "pr_n_features": ("{n} 个要素：", "{n} feature(s): "),
    "pr_in_source": ("表格 `{source}`：", "`{source}`: "),
    "pr_in_roster": ("名册 `{source}`：", "roster `{source}`: "),
    "feat_row": ("第 {n} 行", "row {n}"),
    "feat_more": ("等，另有 {n} 个", "and {n} more"),
    "sev_error": ("错误", "error"),
    "sev_warning": ("警告", "warning"),
    "pr_columns_same_field": (
        "列 {columns} 都表示 `{target}`。",
        "columns {columns} all mean `{target}`.",
    ),
    "prf_columns_same_field": (
        "只保留其中一列，或重命名其他列",
        "keep one of them or rename the others",
    ),
    "pr_field_missing": (
        "缺少必需字段 `{column}`（现有列：{found}）。",
        "required field `{column}` is missing (columns found: {found}).",
    ),
    "prf_field_missing": ("添加 `{column}` 列", "add a `{column}` column"),
    "pr_id_empty": ("`{column}` 为空。", "`{column}` is empty."),
    "prf_id_empty": ("为每个要素填写唯一的 `{column}`", "give every feature a unique `{column}`"),
    "pr_id_duplicate": ("`{column}` 有重复值：{ids}。", "duplicate `{column}` values: {ids}."),
    "prf_id_duplicate": ("使 `{column}` 唯一", "make `{column}` unique"),
    "pr_not_a_number": ("`{column}` 不是数字。", "`{column}` is not a number."),
    "prf_not_a_number": ("`{column}` 请填写纯数字", "write `{column}` as a plain number"),
    "pr_count_missing": (
        "`{column}` 缺失（为空或 NaN）。",
        "`{column}` is missing (empty or NaN).",
    ),
    "prf_count_missing": (
        "填写 `{column}`（没有则填 0）",
        "fill in `{column}` (0 if there are none)",
    ),
    "pr_count_infinite": ("`{column}` 为无穷大。", "`{column}` is infinite."),
    "prf_count_infinite": ("填写有限的 `{column}`", "write a finite `{column}`"),
    "pr_count_negative": ("`{column}` 为负数。", "`{column}` is negative."),
    "prf_count_negative": ("`{column}` 不能小于 0", "`{column}` counts must be >= 0"),
    "pr_count_not_whole": ("`{column}` 不是整数。", "`{column}` is not a whole number."),
    "prf_count_not_whole": ("`{column}` 请填写整数", "write whole `{column}`"),
    "pr_count_implausible": (
        "`{column}` 大得不合常理（每个要素上限 {limit}）。",
        "`{column}` is implausibly large (above {limit}).",
    ),
    "prf_count_implausible": (
        "更正 `{column}`（输入错误，或把合计填进了一行？）；若确实如此之大，请拆分该要素",
        "correct `{column}` (a typing error, or a total put in one row?); split the feature "
        "if it really is that large",
    ),
    "pr_party_above_residents": (
        "党员数大于常住人口。",
        "`party_members` is above `residents`.",
    ),
    "prf_party_above_residents": (
        "检查这两列（是否填反？）；党员住在常住人口之中",
        "check both columns (swapped?); party members live among the residents",
    ),
    "pr_party_per_household": (
        "党员数超过每户 {cap} 名。",
        "`party_members` is above {cap} per household.",
    ),
    "prf_party_per_household": (
        "检查党员数与户数（列是否填反？）",
        "check `party_members` and `households` (swapped columns?)",
    ),
    "pr_level_unknown": ("设施级别为空或无法识别。", "`level` is empty or unknown."),
    "prf_level_unknown": (
        "使用 区级/街道级/社区级/站点/其他 之一",
        "use one of the levels (or 区级/街道级/社区级/站点/其他)",
    ),
    "pr_ring_not_closed": (
        "几何无法构建：多边形的环未闭合（末点与首点不同）或少于 4 个顶点。",
        "the geometry cannot be built: a polygon ring is not closed or has fewer than 4 vertices.",
    ),
    "prf_ring_not_closed": (
        "闭合每个环（末尾重复首个顶点），或在 GIS 软件中重新绘制该要素",
        "close every ring (repeat its first vertex at the end) or redraw the feature in your GIS",
    ),
    "pr_geometry_empty": ("几何为空或缺失。", "geometry is empty or missing."),
    "prf_geometry_empty": ("绘制该要素或将其删除", "draw the feature or delete it"),
    "pr_geometry_type": ("几何类型不是 {types} 之一。", "geometry type is not one of {types}."),
    "prf_geometry_type": ("将此图层保存为 {types} 要素", "save this layer as {types} features"),
    "pr_geometry_repaired": (
        "无效几何已自动修复（make_valid）。",
        "invalid geometry repaired with make_valid.",
    ),
    "prf_geometry_repaired": (
        "检查修复后的形状，或在 GIS 软件中修正",
        "check the repaired shape, or fix it in your GIS",
    ),
    "pr_geometry_unrepairable": (
        "无效几何无法修复为允许的类型。",
        "invalid geometry could not be repaired into an allowed type.",
    ),
    "prf_geometry_unrepairable": ("重新绘制该要素", "redraw the feature"),
    "pr_lonlat_swapped": (
        "在 {crs} 中纬度超过 90 度：经度与纬度似乎填反了（如纬度 120、经度 31）。",
        "latitude beyond 90 degrees in {crs}: longitude and latitude look swapped.",
    ),
    "prf_lonlat_swapped": (
        "坐标按（经度，纬度）顺序填写，x 在前",
        "write coordinates as (lon, lat), x first",
    ),
    "pr_metres_as_degrees": (
        "坐标超出 -180..180 / -90..90，而 {crs} 以度为单位：这些像是被声明为度的投影坐标（米）。",
        "coordinates outside -180..180 / -90..90 although {crs} is in degrees: these look "
        "like projected metres declared as degrees.",
    ),
    "prf_metres_as_degrees": (
        "选择文件实际的坐标系（如 EPSG:4549），或将其转换为 WGS84",
        "declare the file's real CRS (e.g. --datum EPSG:4549) or reproject it to WGS84",
    ),
    "pr_degrees_as_metres": (
        "所有坐标都在 -180..180 / -90..90 之内，而坐标系 {crs} 是投影坐标（米）："
        "这些像是被声明为米的经纬度。",
        "every coordinate lies within -180..180 / -90..90 although the CRS {crs} is "
        "projected (metres): these look like degrees declared as metres.",
    ),
    "prf_degrees_as_metres": (
        "为经纬度文件声明坐标基准（WGS84、CGCS2000、GCJ-02、BD-09）",
        "declare the datum of lon/lat files (WGS84, CGCS2000, GCJ-02, BD-09)",
    ),
    "pr_no_crs": ("图层没有坐标系（没有 .prj 文件或坐标系信息）。", "the layer has no CRS."),
    "prf_no_crs": (
        "声明坐标基准（WGS84、CGCS2000、GCJ-02、BD-09 或 EPSG 代码），或补上 .prj 文件",
        "declare the datum (WGS84, CGCS2000, GCJ-02, BD-09 or EPSG:xxxx) or add the .prj file",
    ),
    "pr_datum_not_applied": (
        "未采用声明的基准 {datum}：文件使用投影坐标系 {crs}，已按该坐标系读取。",
        "the declared datum {datum} was not applied: the file is in the projected CRS {crs}, "
        "which is used.",
    ),
    "prf_datum_not_applied": (
        "若文件坐标系正确则无需处理",
        "none needed if the file's CRS is right",
    ),
    "pr_datum_conflict": (
        "文件的坐标系为 {crs}，但声明的基准为 {datum}。",
        "the file says its CRS is {crs} but the declared datum is {datum}.",
    ),
    "prf_datum_conflict": (
        "声明文件实际使用的基准，或不作声明",
        "declare the datum the file really uses, or leave it undeclared",
    ),
    "pr_datum_from_header": (
        "坐标列名表明基准为 {datum}；图层已按 {datum} 读取。",
        "the coordinate columns say {datum}; the layer was read as {datum}.",
    ),
    "prf_datum_from_header": (
        "若列名有误，请在侧栏为{layer_name}图层选择坐标基准",
        "declare the datum of the {layer_name} layer if the header is wrong",
    ),
    "pr_table_read_as_wgs84": (
        "表格 `{source}` 未声明坐标基准；其经纬度按 WGS84 读取。",
        "no datum was declared for the table `{source}`; its longitude/latitude were read as WGS84.",
    ),
    "prf_table_read_as_wgs84": (
        "若坐标取自地图服务，请在侧栏为{layer_name}图层选择坐标基准：GCJ-02（高德、腾讯）或 BD-09（百度）",
        "declare the datum of the {layer_name} layer if the points come from a map service: "
        "GCJ-02 (Amap, Tencent) or BD-09 (Baidu)",
    ),
    "pr_datum_unknown": ("坐标基准无法识别：{msg}", "{msg}"),
    "prf_datum_unknown": ("声明一个已知的基准", "declare a known datum"),
    "pr_layer_empty": ("图层没有要素。", "the layer has no features."),
    "pr_layer_empty_ignored": (
        "图层没有要素，已忽略。",
        "the layer has no features; it is ignored.",
    ),
    "prf_layer_empty": ("导出含要素的图层", "export the layer with its features"),
    "prf_layer_empty_ignored": ("导出含要素的图层", "export the layer with its features"),
    "pr_roster_unreadable": (
        "无法读取名册 `{file}`：{msg}",
        "cannot read the roster `{file}`: {msg}",
    ),
    "prf_roster_unreadable": ("检查并修正文件后重新上传：{fix}", "{fix}"),
    "pr_upload_refused": ("文件被拒绝：{msg}", "{msg}"),
    "prf_upload_refused": ("上传较小或安全的文件", "upload a smaller or safe file"),
    "pr_file_unreadable": ("无法读取 `{file}`：{msg}", "cannot read `{file}`: {msg}"),
    "prf_file_unreadable": ("检查并修正文件后重新上传：{fix}", "{fix}"),
    "pr_file_unreadable_format": ("无法读取 `{file}`：{msg}", "cannot read `{file}`: {msg}"),
    "prf_file_unreadable_format": (
        "检查文件是否为有效的 GeoJSON、GeoPackage 或压缩的 Shapefile",
        "check that the file is a valid GeoJSON, GeoPackage or zipped Shapefile",
    ),
    "pr_unknown_layer": ("未知的图层名称 `{name}`。", "unknown layer name `{name}`."),
    "prf_unknown_layer": ("使用 {layers} 之一", "use one of {layers}"),
    "pr_source_missing": ("`{path}` 不存在。", "`{path}` does not exist."),
    "prf_source_missing": (
        "提供图层文件所在的文件夹、.gpkg 或 .zip",
        "give a folder of layer files, a .gpkg or a .zip",
    ),
    "pr_one_file": ("`{file}` 是单个文件，不是数据集。", "`{file}` is one file, not a dataset."),
    "prf_one_file": (
        "提供以图层命名的文件所在的文件夹（communities.geojson、estates.geojson ……）、"
        "含命名图层的 GeoPackage，或它们的 .zip",
        "give a folder of files named after the layers, a GeoPackage with named layers, "
        "or a .zip of them",
    ),
    "pr_two_files_one_layer": (
        "`{used}` 和 `{other}` 都可能是{layer_name}图层；使用 `{used}`。",
        "both `{used}` and `{other}` could be the {layer_name} layer; `{used}` is used.",
    ),
    "prf_two_files_one_layer": ("每个图层只保留一个文件", "keep one file per layer"),
    "pr_communities_overlap": (
        "{n} 对社区互相重叠：{pairs}。重叠部分划给其小区覆盖较多的社区（否则划给文件中靠前的社区），"
        "并从另一社区中切除，使网格不会重复覆盖同一片土地。",
        "{n} pair(s) of communities overlap: {pairs}.",
    ),
    "prf_communities_overlap": (
        "重新绘制共用边界，使社区互不重叠",
        "redraw the shared boundaries so that communities do not overlap",
    ),
    "pr_community_inside_other": (
        "该社区完全位于另一个社区之内。",
        "the community lies entirely inside another community.",
    ),
    "prf_community_inside_other": (
        "重新绘制其边界，或将其删除并把其小区划入另一社区",
        "redraw its boundary, or delete it and move its estates to the other community",
    ),
    "pr_estate_outside": ("该小区不在任何社区之内。", "the estate lies outside every community."),
    "prf_estate_outside": (
        "修正小区位置，或在社区图层中补上其所属社区",
        "fix the estate's position or add its community to the communities layer",
    ),
    "pr_community_id_filled": (
        "缺少社区编码，已按各小区所在社区填写。",
        "`community_id` was absent and was filled from the community holding each estate.",
    ),
    "prf_community_id_filled": (
        "无需处理；如需自行指定，请在文件中添加社区编码列",
        "none needed; add `community_id` to the file to state it yourself",
    ),
    "pr_community_id_empty_filled": (
        "社区编码为空，已按位置填写。",
        "`community_id` was empty and was filled by location.",
    ),
    "prf_community_id_empty_filled": ("填写社区编码", "fill in `community_id`"),
    "pr_estate_straddles": (
        "该小区跨越两个社区：其面积的 {share} 位于所属社区 `{community}`（{community_name}）之外，"
        "而这部分土地将与相邻社区一起划分。",
        "the estate straddles two communities: {share} of its area lies outside its "
        "community `{community}` ({community_name}).",
    ),
    "prf_estate_straddles": (
        "修正社区边界，或把小区按社区拆成多个要素（各自填写户数）",
        "correct the community boundary, or split the estate into one feature per community "
        "(each with its own households)",
    ),
    "pr_community_id_unknown": (
        "社区编码不是社区图层中的社区。",
        "`community_id` is not a community of the communities layer.",
    ),
    "prf_community_id_unknown": (
        "使用社区图层中的社区编码",
        "use a `community_id` of the communities layer",
    ),
    "pr_community_id_elsewhere": (
        "该小区位于另一个社区，与其社区编码不符。",
        "the estate lies in another community than its `community_id` says.",
    ),
    "prf_community_id_elsewhere": (
        "检查社区编码或小区位置",
        "check `community_id` or the estate's position",
    ),
    "pr_community_id_by_name": (
        "社区编码一列填的是社区名称；已改用其编码。",
        "`community_id` named the community; its id was used.",
    ),
    "prf_community_id_by_name": ("无需处理", "none needed"),
    "pr_far_from_communities": (
        "该要素距所有社区都超过 {km} 公里；其坐标似乎有误。",
        "the feature lies more than {km} km from every community; its coordinates look wrong.",
    ),
    "prf_far_from_communities": ("检查该要素的坐标", "check the feature's coordinates"),
    "pr_building_in_no_estate": (
        "该楼栋不在任何小区内；不参与规划。",
        "the building lies in no estate; it is not used for planning.",
    ),
    "prf_building_in_no_estate": (
        "把它画在所属小区内，或填写其小区编码",
        "draw it inside its estate or give its `estate_id`",
    ),
    "pr_estate_id_unknown": (
        "小区编码不是小区图层中的小区。",
        "`estate_id` is not an estate of the estates layer.",
    ),
    "prf_estate_id_unknown": (
        "使用小区图层中的小区编码",
        "use an `estate_id` of the estates layer",
    ),
    "pr_building_off_estate": (
        "该楼栋位于其小区编码所指小区之外 {m} 米以上；楼栋图层可能与小区图层的坐标基准不同"
        "（GCJ-02/BD-09 偏移可达数百米）。",
        "the building lies more than {m} m outside the estate its `estate_id` names.",
    ),
    "prf_building_off_estate": (
        "为楼栋图层选择坐标基准（如 GCJ-02），或更正小区编码",
        "declare the buildings' datum (e.g. --datum buildings=GCJ-02) or correct `estate_id`",
    ),
    "pr_building_households_differ": (
        "小区各楼栋的户数之和与小区户数不符；规划采用小区的户数，楼栋户数用于拆分。",
        "the households of the estate's buildings do not add up to the estate's households.",
    ),
    "prf_building_households_differ": (
        "使楼栋户数之和等于小区户数",
        "make the buildings' households add up to the estate's",
    ),
    "pr_estate_id_filled": (
        "已按位置为 {n} 个楼栋填写小区编码。",
        "`estate_id` filled from location for {n} building(s).",
    ),
    "prf_estate_id_filled": (
        "如需自行指定，请添加小区编码列",
        "add `estate_id` to state it yourself",
    ),
    "pr_residents_estimated": (
        "{n} 个小区的常住人口按户数 × {per} 估算（城镇平均，2020 年人口普查）。",
        "`residents` estimated for {n} estate(s) as households x {per}.",
    ),
    "prf_residents_estimated": (
        "添加常住人口列以使用实际数字",
        "add a `residents` column to use real figures",
    ),
    "pr_estate_points": (
        "{n} 个小区为点：各自获得一块地块（按与小区轮廓相同的剖分，在点周围划出其所在社区的一部分），"
        "以代替缺失的小区轮廓。",
        "{n} estate(s) are points: each gets a cell that stands in for the missing outline.",
    ),
    "prf_estate_points": (
        "以多边形提供小区，使网格沿真实轮廓划分",
        "give the estates as polygons for grids that follow the real outlines",
    ),
    "pr_network_missing": (
        "步行路网 `{file}` 不存在。",
        "the walk network `{file}` does not exist.",
    ),
    "prf_network_missing": ("提供 .graphml 或 .osm 文件", "give a .graphml or .osm file"),
    "pr_layer_missing": (
        "未找到必需的图层 `{layer}`。",
        "the required layer `{layer}` was not found.",
    ),
    "prf_layer_missing": (
        "添加 `{layer}.geojson`（或 .gpkg / .zip），或名为 `{layer}` 的 GeoPackage 图层",
        "add `{layer}.geojson` (or .gpkg / .zip) or a GeoPackage layer named `{layer}`",
    ),
    "pr_no_metric_crs": ("无法确定米制坐标系：{msg}", "{msg}"),
    "prf_no_metric_crs": ("提供带几何的社区要素", "give the layer features with geometry"),
    "pr_datum_mismatch": (
        "{n} 个小区中有 {n_out} 个不在任何社区内；若把{shifted_name}图层按 {datum} 偏移，则只剩 {left} 个。"
        "两个图层的坐标基准似乎不同。",
        "{n_out} of {n} estates lie outside every community as given, but only {left} once "
        "the {shifted_name} layer is shifted by {datum}.",
    ),
    "prf_datum_mismatch": (
        "在侧栏为{shifted_name}图层选择坐标基准 {datum}",
        "declare the datum of the {shifted_name} layer: {datum}",
    ),
    "pr_roster_unmatched": (
        "名册 `{source}` 中有 {n} 行未匹配到任何要素（第 {rows} 行）。",
        "{n} row(s) of the roster `{source}` match no feature (rows {rows}).",
    ),
    "prf_roster_unmatched": (
        "更正名册中的名称（或填写编码）",
        "correct the names (or give the id) in the roster",
    ),
    "pr_roster_ambiguous": (
        "名册 `{source}` 中有 {n} 行匹配到多个要素（第 {rows} 行）。",
        "{n} row(s) of the roster `{source}` match several features (rows {rows}).",
    ),
    "prf_roster_ambiguous": (
        "添加“社区”列或编码以区分",
        "add a 社区 column or the id to tell them apart",
    ),
    "pr_roster_rows_added": (
        "{n} 个要素匹配到 `{source}` 的多行，其数字已相加：{features}。",
        "{n} feature(s) matched several rows of `{source}`; their counts were added: {features}.",
    ),
    "prf_roster_rows_added": (
        "如非本意，每个要素只保留一行",
        "keep one row per feature if that was not meant",
    ),
    "pr_roster_totals_differ": (
        "名册 `{source}` 的 {column} 合计为 {roster}，图层为 {before}；合并后图层为 {after}。",
        "the roster `{source}` totals {roster} {column}, the layer {before}; after the join "
        "the layer has {after}.",
    ),
    "prf_roster_totals_differ": ("核对哪个数字正确", "check which figure is right"),
    "pr_table_empty": ("`{source}` 没有任何单元格。", "`{source}` holds no cells."),
    "prf_table_empty": ("导出含数据行的表格", "export the table with its rows"),
    "pr_title_rows_skipped": (
        "表头（第 {header} 行）上方的标题行（第 {rows} 行）已跳过。",
        "title row(s) {rows} above the header (row {header}) were skipped.",
    ),
    "prf_title_rows_skipped": ("无需处理", "none needed"),
    "pr_header_duplicates": (
        "表头（第 {header} 行）中列名 {columns} 出现多次。",
        "the header (row {header}) names column(s) {columns} more than once.",
    ),
    "prf_header_duplicates": ("为每一列取不同的名称", "give every column its own name"),
    "pr_totals_rows_skipped": (
        "底部的合计行（第 {rows} 行）未作为数据读取。",
        "the totals row(s) {rows} at the bottom were not read as data.",
    ),
    "prf_totals_rows_skipped": ("无需处理", "none needed"),
    "pr_merged_cells": (
        "{n} 处合并单元格已填入其跨越的每一行。",
        "{n} merged cell range(s) were filled into every row they span.",
    ),
    "prf_merged_cells": ("无需处理", "none needed"),
    "pr_totals_differ": (
        "合计行与各行之和不符（合计 ≠ 各行之和）：{detail}；采用各行数据。",
        "the totals row says {detail}; the rows are used.",
    ),
    "prf_totals_differ": ("核对各行或合计行", "check the rows or the totals row"),
    "pr_no_coordinates": (
        "`{source}` 中有 {n} 行没有可读的经纬度。",
        "{n} row(s) of `{source}` have no readable longitude/latitude.",
    ),
    "prf_no_coordinates": ("以数字填写经度和纬度", "fill in both coordinates as numbers"),
    "pr_lonlat_swapped_back": (
        "`{source}` 中有 {n} 行的经度与纬度填反了（经度列中是纬度）；已自动调换。",
        "longitude and latitude are swapped in {n} row(s) of `{source}`; they were swapped back.",
    ),
    "prf_lonlat_swapped_back": (
        "经度填在 `{lon}`，纬度填在 `{lat}`",
        "put longitude in `{lon}` and latitude in `{lat}`",
    ),
    "pr_estates_unreachable": (
        "{n} 个小区在步行路网上到达不了任何设施（路网不连通）：{ids}",
        "{n} estate(s) cannot reach any facility on the walk network (disconnected): {ids}",
    ),
    "prf_estates_unreachable": (
        "连通这些小区周围的路网，或在那里增设设施",
        "connect the network around them or add a facility there",
    ),
    "pr_estates_off_network": (
        "{n} 个小区离步行路网较远：{ids}",
        "{n} estate(s) lie far from the walk network: {ids}",
    ),
    "prf_estates_off_network": (
        "扩展路网或检查小区位置",
        "extend the network or check the estate positions",
    ),
    "pr_facilities_off_network": (
        "{n} 个设施离步行路网较远：{ids}",
        "{n} facility(ies) lie far from the walk network: {ids}",
    ),
    "prf_facilities_off_network": (
        "检查设施位置或扩展路网",
        "check their positions or extend the network",
    ),
    "pr_no_facilities": (
        "没有设施图层，无法计算覆盖",
        "no facilities layer, nothing to measure coverage to",
    ),
    "prf_no_facilities": (
        "添加设施图层（含编码和级别的点）",
        "add a facilities layer (points with facility_id and level)",
    ),
    "pr_no_facility_of_levels": (
        "没有所选级别（{levels}）的设施",
        "no facility of level(s) {levels}",
    ),
    "prf_no_facility_of_levels": (
        "请在已有的级别中选择：{present}",
        "choose among the levels present: {present}",
    ),
    "layer_network": ("步行路网", "Walk network"),
    # the arguments of a siting model, named as layers in its problems (allocation.siting)
    "layer_cost": ("距离矩阵", "Cost matrix"),
    "layer_weights": ("需求权重", "Demand weights"),
    "layer_fixed": ("已有设施", "Existing facilities"),
    "layer_p": ("新增驿站数", "New posts"),
    "layer_radius": ("服务半径", "Service radius"),
    "layer_capacities": ("容量", "Capacities"),
    "layer_demand_ids": ("需求点编码", "Demand ids"),
    "layer_candidate_ids": ("候选点编码", "Candidate ids"),
    "layer_model_inputs": ("模型输入", "Model inputs"),
    "layer_fusion": ("多网融合", "Grid fusion"),
    "layer_atlas": ("图集", "Atlas"),
    "layer_density points": ("党员密度的点", "Density points"),
    "layer_plan": ("方案", "Plan"),
    "layer_staffing": ("人员配置", "Staffing"),
    "layer_events": ("操作记录", "Events"),
    "layer_import": ("导入", "Import"),
    "layer_export": ("导出", "Export"),
    "layer_parameters": ("参数", "Parameters"),
    # the roster join preview (geo.data.join.JoinReport), in the upload report
    "jn_head": (
        "名册 `{source}` → {layer}：{rows} 行，匹配 {matched} 行（按编码 {by_id}、按名称 {by_name}、"
        "去掉前缀后按名称 {by_loose}），未匹配 {unmatched} 行，有歧义 {ambiguous} 行；"
        "{without} 个要素没有对应行，保留原值。",
        "roster `{source}` -> {layer}: {rows} row(s), {matched} matched ({by_id} by id, "
        "{by_name} by name, {by_loose} by name without prefixes), {unmatched} unmatched, "
        "{ambiguous} ambiguous; {without} feature(s) without a row keep their values.",
    ),
    "jn_total": (
        "  {column}：名册合计 {table}，匹配行合计 {matched}；图层合并前 {before}，合并后 {after}",
        "  {column}: roster {table}, matched rows {matched}; layer before {before}, after {after}",
    ),
    "jn_unmatched": (
        "  第 {row} 行 `{value}`：未匹配；最接近：{candidates}",
        "  row {row} `{value}`: unmatched; closest: {candidates}",
    ),
    "jn_ambiguous": (
        "  第 {row} 行 `{value}`：有歧义；可能是：{candidates}",
        "  row {row} `{value}`: ambiguous; could be: {candidates}",
    ),
    "jn_shared": (
        "  要素 {feature}：第 {rows} 行已相加",
        "  feature {feature}: rows {rows} added together",
    ),
    "jn_none": ("无", "none"),
    # importing the plan in force (geo.grids.import_plan)
    "pr_import_community_uncovered": (
        "没有导入的网格覆盖社区 {community}；其 {n_units} 个单元组成了 {n_grids} 个新网格：{grids}",
        "no imported grid covers community {community}; its {n_units} unit(s) form {n_grids} "
        "new grid(s) {grids}",
    ),
    "prf_import_community_uncovered": (
        "自动划分该社区或绘制其网格",
        "grid that community automatically or draw its grids",
    ),
    "pr_import_cells_recut": (
        "{n} 个单元地块被导入的边界穿过，已沿边界切开以保留网格轮廓，例如 {units}",
        "{n} unit cell(s) crossed by the imported boundaries were cut along them so that the "
        "grids keep their outlines, e.g. {units}",
    ),
    "prf_import_cells_recut": ("无需处理", "none needed"),
    "pr_import_estates_by_building": (
        "{n} 个小区被导入的边界切分，已按楼栋拆分以沿边界划分，例如 {estates}",
        "{n} estate(s) cut by the imported boundaries were split into their buildings to "
        "follow them, e.g. {estates}",
    ),
    "prf_import_estates_by_building": (
        "无需处理；请检查各楼栋所在网格",
        "none needed; check the buildings' grids",
    ),
    "pr_import_units_cut": (
        "{n} 个单元被导入的边界切分（在任一网格中都不足 {share}），例如 {units}；各自划入占其面积最多的网格",
        "{n} unit(s) are cut by the imported boundaries (less than {share} in one grid), e.g. "
        "{units}; each went to the grid holding most of it",
    ),
    "prf_import_units_cut": ("检查这些边界", "check those boundaries"),
    "pr_import_units_absorbed": (
        "{n} 个单元不在任何导入的网格中，例如 {units}；各自并入相邻网格",
        "{n} unit(s) lie in no imported grid, e.g. {units}; each joined a neighbouring grid",
    ),
    "prf_import_units_absorbed": (
        "检查新小区所在网格（“修复”可使网格回到户数范围）",
        "check the new estates' grids (repair_plan fixes the band)",
    ),
    "pr_import_area_uncovered": (
        "社区 {community} 有 {area} 平方米不在任何导入的网格中",
        "{area} m² of community {community} is in no imported grid",
    ),
    "prf_import_area_uncovered": (
        "把网格延伸到社区边界",
        "extend the grids to the community boundary",
    ),
    "pr_import_grids_overlap": (
        "网格 {a} 与 {b} 重叠 {area} 平方米",
        "grids {a} and {b} overlap on {area} m²",
    ),
    "prf_import_grids_overlap": (
        "使每块土地只属于一个网格",
        "make every piece of land belong to one grid",
    ),
    "pr_import_grid_spans": (
        "网格 {grid} 跨 {n} 个社区；其在主社区以外的部分成为 {grids}",
        "grid {grid} spans {n} communities; its parts outside the main community became {grids}",
    ),
    "prf_import_grid_spans": ("在一个社区之内绘制网格", "draw grids inside one community"),
    "pr_import_grids_empty": (
        "{n} 个导入的网格不含任何规划单元：{grids}",
        "{n} imported grid(s) hold no planning unit: {grids}",
    ),
    "prf_import_grids_empty": ("对照小区图层检查这些网格", "check them against the estates layer"),
    # the walk network (geo.network.walk)
    "pr_net_no_source": ("未提供步行路网文件", "`path_or_place` or `bbox` is required"),
    "prf_net_no_source": ("提供 GraphML 或 .osm 文件", "pass a GraphML/.osm file path"),
    "pr_net_file_missing": ("找不到路网文件 {file}", "network file {file} not found"),
    "prf_net_file_missing": (
        "检查路径，或不用路网（改用直线距离）",
        "check the path, or omit the network to use the straight-line fallback",
    ),
    "pr_net_not_local": (
        "{what} 不是 .graphml/.osm 文件，且未开启下载",
        "{what} is not a .graphml/.osm file and downloading is off",
    ),
    "prf_net_not_local": ("提供本地路网文件", "pass a local network file"),
    "pr_net_bad_xml": ("{file} 不是有效的 XML：{msg}", "{file} is not valid XML: {msg}"),
    "prf_net_bad_xml": (
        "重新导出路网（osmnx 的 GraphML，或 JOSM/Overpass 的 OSM XML）",
        "export the network again (osmnx GraphML, or OSM XML from JOSM/Overpass)",
    ),
    "pr_net_unusable": (
        "{file} 不是可用的步行路网（{msg}）",
        "{file} is not a usable walk network ({msg})",
    ),
    "prf_net_unusable": (
        "重新导出路网，包含节点（经纬度）和可步行的道路",
        "export the network again with its nodes (lat, lon) and walkable ways",
    ),
    "pr_net_bad_lengths": (
        "{n} 条边没有有效的长度（米），例如 {examples}",
        "{n} edge(s) have no valid `length` in metres, e.g. {examples}",
    ),
    "prf_net_bad_lengths": (
        "用 osmnx 保存路网（边带长度），或修正这些边",
        "save the network with osmnx (edges carry `length`) or fix those edges",
    ),
    "pr_net_bad_crs": ("路网的坐标系 {crs} 无法识别", "the graph's `crs` {crs} is not a known CRS"),
    "prf_net_bad_crs": (
        "在路网的坐标系属性中写明节点坐标的 EPSG 代码",
        "write the CRS of the node coordinates as `EPSG:<code>` in the graph's crs",
    ),
    "pr_net_nodes_not_finite": (
        "{n} 个节点的坐标不是有限数值，例如 {examples}",
        "{n} node(s) have a non-finite `x`/`y`, e.g. {examples}",
    ),
    "prf_net_nodes_not_finite": (
        "为每个节点提供数值坐标，或重新导出路网",
        "give every node numeric coordinates, or export the network again",
    ),
    "pr_net_metres_as_degrees": (
        "{total} 个节点中有 {n} 个超出所声明坐标系 {crs} 的经纬度范围（例如 {examples}）："
        "这些坐标像是投影坐标（米）",
        "{n} of {total} node(s) lie outside longitude -180..180 / latitude -90..90 of the "
        "declared CRS {crs}, e.g. {examples}: the coordinates look like metres of a projected CRS",
    ),
    "prf_net_metres_as_degrees": (
        "为路网写明坐标所用的坐标系（如 EPSG:32651），或以 WGS84 重新导出",
        "set the graph's `crs` to the CRS the coordinates are in, or export the network again "
        "in WGS84",
    ),
    "pr_net_outside_crs": (
        "{total} 个节点中有 {n} 个超出所声明坐标系 {crs} 的范围，例如 {examples}",
        "{n} of {total} node(s) lie outside the range of the declared CRS {crs}, e.g. {examples}",
    ),
    "prf_net_outside_crs": (
        "为路网写明坐标所用的坐标系",
        "set the graph's `crs` to the CRS the coordinates are in",
    ),
    "pr_net_no_nodes": ("路网没有节点", "the network has no nodes"),
    "prf_net_no_nodes": ("使用覆盖数据范围的路网", "use a network that covers the data"),
    "pr_net_some_nodes_no_xy": ("部分节点没有数值坐标", "some node(s) have no numeric `x`/`y`"),
    "prf_net_some_nodes_no_xy": ("为每个节点提供坐标", "give every node coordinates `x`, `y`"),
    "pr_net_bad_graphml": (
        "{file} 不是有效的 GraphML：{msg}",
        "{file} is not valid GraphML: {msg}",
    ),
    "prf_net_bad_graphml": ("用 osmnx 重新导出", "export it again with osmnx"),
    "pr_net_nodes_no_xy": (
        "{n} 个节点没有数值坐标，例如 {examples}",
        "{n} node(s) have no numeric `x`/`y`, e.g. {examples}",
    ),
    "prf_net_nodes_no_xy": (
        "用 osmnx 保存路网（节点带坐标）",
        "save the network with osmnx (nodes carry x and y)",
    ),
    "pr_net_missing_nodes": (
        "有边指向文件中没有的 {n} 个节点，例如 {examples}",
        "edges refer to {n} node(s) not in the file, e.g. {examples}",
    ),
    "prf_net_missing_nodes": ("重新导出完整的路网", "export the whole network again"),
    "pr_net_far": (
        "步行路网离最近的{layer_name}也有 {km} 公里（共 {n} 个）：可能是其他城市的路网，"
        "或路网与数据的坐标系、基准不同",
        "the walk network is {km} km from the nearest of the {n} {layer_name}: probably the "
        "network of another city, or the network and the data in different CRSs or datums",
    ),
    "prf_net_far": (
        "上传本地区的步行路网，检查路网坐标系与数据的坐标基准，或不用路网（改用直线距离）",
        "pass the walk network of this area, check the network's `crs` and the data's datum, "
        "or leave the network out to use straight-line distances",
    ),
    "ee_grid_locked": (
        "网格 {grids} 已锁定，不能修改；请先解锁",
        "grid {grids} is locked and cannot change; unlock it first",
    ),
    "ee_not_adjacent": (
        "单元 {unit} 与网格 {grid} 不相邻；请移入相邻的网格",
        "unit {unit} is not adjacent to grid {grid}; move it to an adjacent grid",
    ),
    "ee_would_empty": (
        "移出这些单元后网格 {grid} 将为空；请改为合并网格",
        "moving these units would empty grid {grid}; merge it instead",
    ),
    "ee_would_cut_off": (
        "网格 {grid} 将不再连片：单元 {units} 会被隔开；请一并移动或另选单元",
        "grid {grid} would no longer be contiguous: unit(s) {units} would be cut off; "
        "move them too or pick other units",
    ),
    "ee_already_in_grid": (
        "单元 {units} 已在网格 {grid} 中",
        "unit {units} is already in grid {grid}",
    ),
    "ee_split_k_units": (
        "{n} 个单元不能拆成 {k} 份；请在 2 到 {n} 之间选择",
        "cannot split {n} unit(s) into k={k} parts; choose k between 2 and {n}",
    ),
    "ee_not_splittable": (
        "单元 {units} 不连片或太少，拆不成 {k} 个连片部分",
        "units {units} are not connected or too few to split into {k} connected parts",
    ),
    "ee_unknown_grid": (
        "网格 {grid} 不在方案中（共 {n} 个网格，例如 {examples}）；请选择已有的网格",
        "grid {grid} is not in the plan ({n} grids, e.g. {examples}); pick an existing grid id",
    ),
    "ee_no_units": (
        "未选择单元；请至少选择一个要移动的单元",
        "no unit named; pick at least one unit to move",
    ),
    "ee_unknown_unit": (
        "单元 {units} 不在方案中；请从方案的单元中选择",
        "unit {units} is not in the plan; pick units from the plan's units",
    ),
    "ee_other_community": (
        "单元 {unit} 属于社区 {unit_community}，而网格 {grid} 属于社区 {grid_community}；"
        "网格不跨社区",
        "unit {unit} is in community {unit_community} but grid {grid} is in community "
        "{grid_community}; grids stay inside one community",
    ),
    "ee_merge_self": (
        "网格 {grid} 不能与自身合并；请选择两个不同的网格",
        "cannot merge grid {grid} with itself; name two different grids",
    ),
    "ee_merge_communities": (
        "网格 {a} 属于社区 {a_community}，网格 {b} 属于社区 {b_community}；只有同一社区的网格才能合并",
        "grid {a} is in community {a_community} and grid {b} in {b_community}; only grids of "
        "one community can merge",
    ),
    "ee_merge_not_adjacent": (
        "网格 {a} 与 {b} 没有共用边界；只能合并相邻的网格",
        "grids {a} and {b} share no cell edge; merge adjacent grids only",
    ),
    "ee_split_k": (
        "网格 {grid}（{n} 个单元）不能拆成 {k} 个；请在 2 到 {n} 之间选择",
        "cannot split grid {grid} ({n} units) into k={k}; choose k between 2 and {n}",
    ),
    "ee_split_not_contiguous": (
        "网格 {grid} 不连片，无法按树切分；请先移走其分离的单元",
        "grid {grid} is not contiguous, so it cannot be split by a tree cut; move its "
        "detached units first",
    ),
    "ee_empty_name": (
        "网格 {grid} 的新名称为空；请输入名称",
        "the new name of grid {grid} is empty; give a non-empty name",
    ),
    "ee_locked_changed": (
        "重新优化改变了已锁定的网格 {grid}：这是程序错误，请报告",
        "re-optimisation changed locked grid {grid}; this is a bug in geo.grids.gridding, "
        "please report it",
    ),
    "ee_nothing_to_undo": ("没有可撤销的操作", "nothing to undo"),
    "ee_nothing_to_redo": ("没有可重做的操作", "nothing to redo"),
    "ee_unknown_op": (
        "编辑记录中有未知操作 {op}；应为 {ops} 之一",
        "unknown edit op {op}; expected one of {ops}",
    ),
    "ee_state_version": (
        "编辑器状态版本 {version} 不受支持（应为 1）",
        "editor state version {version} is not supported (expected 1)",
    ),
    "ee_no_free_code": (
        "社区编码 {prefix} 已无空余的三位网格序号，无法为 {grid} 旁的新网格编码；请先合并网格",
        "community code {prefix} has no free 3-digit grid sequence left for a new grid next "
        "to {grid}; merge grids first",
    ),
    "ee_unknown_command": (
        "地图发来未知命令“{op}”；应为 {ops} 之一",
        "unknown map command '{op}'; expected one of {ops}",
    ),
    "ee_command_lacks": (
        "地图命令“{op}”缺少“{key}”；地图每次都会发送它，请刷新页面",
        "map command '{op}' lacks '{key}'; the map sends it with every command, reload the page",
    ),
    # --- issue 15 follow-up: names where a person reads, codes beside them (i15c) ---
    "col_estate_code": ("小区编码", "Estate code"),
    "col_community_code": ("社区编码", "Community code"),
    "col_facility_code": ("设施编码", "Facility code"),
    "col_building_code": ("楼栋编码", "Building code"),
    "col_candidate_code": ("候选点编码", "Candidate code"),
    "col_floors": ("层数", "Floors"),
    "col_street_code": ("街道编码", "Street code"),
    # ---- tables (allocation.tables): t_<code>; {what}, {noun}, {kind}, {examples} in words
    "pr_t_not_found": ("找不到{what}文件：{path}", "{what} file not found: {path}"),
    "prf_t_not_found": ("检查路径", "check the path."),
    "pr_t_too_big": (
        "文件有 {size} 字节，超过{what}允许的 {limit} 字节。",
        "the file has {size} bytes, more than the {limit} a {what} may have.",
    ),
    "prf_t_too_big": (
        "拆分表格，或删除无用的行和列",
        "split the table or remove unused rows and columns.",
    ),
    "pr_t_binary": (
        "该文件是{kind}，不是 CSV 文本表格。",
        "the file is {kind}, not a CSV text table.",
    ),
    "prf_t_binary": (_SAVE_CSV_ZH, _SAVE_CSV_EN),
    "pr_t_not_text": (
        "该文件既不是 UTF-8 也不是 GBK/GB18030 文本。",
        "the file is neither UTF-8 nor GBK/GB18030 text.",
    ),
    "prf_t_not_text": (_SAVE_CSV_ZH, _SAVE_CSV_EN),
    "pr_t_nul": (
        "文件含有 NUL 字节：不是文本表格。",
        "the file holds NUL bytes: it is not a text table.",
    ),
    "prf_t_nul": (_SAVE_CSV_ZH, _SAVE_CSV_EN),
    "pr_t_bad_csv": (
        "第 {line} 行不是有效的 CSV（{msg}）。",
        "line {line} is not valid CSV ({msg}).",
    ),
    "prf_t_bad_csv": (
        "检查该行的引号，或" + _SAVE_CSV_ZH,
        "check the quotes on that line, or " + _SAVE_CSV_EN,
    ),
    "pr_t_one_cell": (
        "表头只有一个单元格，其中含有{sep}：表格不是以逗号分隔的。",
        "the header is one cell holding {sep}s: the table is not comma-separated.",
    ),
    "prf_t_one_cell": (_SAVE_CSV_ZH, _SAVE_CSV_EN),
    "pr_t_header_empty": (
        "表头中有 {n} 列没有{noun}：第 {examples} 列。",
        "{n} column(s) have no {noun} in the header: column {examples}.",
    ),
    "prf_t_header_empty": (
        "在每一列上方填写{noun}，或删除空列",
        "write a {noun} above every column, or delete the empty columns.",
    ),
    "pr_t_header_repeated": (
        "表头中有 {n} 个{noun}重复：{examples}。",
        "{n} {noun}(s) are repeated in the header: {examples}.",
    ),
    "prf_t_header_repeated": (
        "每列使用不同的{noun}，或删除重复的列",
        "give every column its own {noun}, or delete the repeated columns.",
    ),
    "pr_t_matrix_empty": (
        "文件为空：没有表头，也没有数据行。",
        "the file is empty: no header, no rows.",
    ),
    "prf_t_matrix_empty": (_MATRIX_SHAPE_ZH, _MATRIX_SHAPE_EN),
    "pr_t_no_candidates": ("表头中没有候选点。", "the header names no candidate."),
    "prf_t_no_candidates": (_MATRIX_SHAPE_ZH, _MATRIX_SHAPE_EN),
    "pr_t_no_demand_rows": (
        "文件只有表头，没有需求点行。",
        "the file has a header but no demand rows.",
    ),
    "prf_t_no_demand_rows": (_MATRIX_SHAPE_ZH, _MATRIX_SHAPE_EN),
    "pr_t_rows_long": (
        "有 {n} 行的单元格多于表头的 {width} 个：{examples}。",
        "{n} row(s) have more cells than the header's {width}: {examples}.",
    ),
    "prf_t_rows_long": (
        "删除多余的单元格，或在表头补上缺少的候选点编码",
        "delete the extra cells, or add the missing candidate id to the header.",
    ),
    "pr_t_rows_short": (
        "有 {n} 行的单元格少于表头的 {width} 个：{examples}。",
        "{n} row(s) have fewer cells than the header's {width}: {examples}.",
    ),
    "prf_t_rows_short": (
        "每个候选点填写一个距离；不可达的候选点留空单元格（保留逗号）",
        "give one distance per candidate; leave a cell empty (with its comma) where a candidate "
        "is unreachable.",
    ),
    "pr_t_no_demand_id": (
        "有 {n} 行没有需求点编码：第 {examples} 行。",
        "{n} row(s) have no demand id: line {examples}.",
    ),
    "prf_t_no_demand_id": (
        "在每行第一个单元格填写需求点编码",
        "write the demand id in the first cell of every row.",
    ),
    "pr_t_demand_repeated": (
        "有 {n} 个需求点编码重复：{examples}。",
        "{n} demand id(s) are repeated: {examples}.",
    ),
    "prf_t_demand_repeated": (
        "每个需求点只占一行，或合并重复的行",
        "give every demand point one row, or merge the repeated rows.",
    ),
    "pr_t_cells_text": (
        "有 {n} 个单元格不是数字：{examples}。",
        "{n} cell(s) are not numbers: {examples}.",
    ),
    "prf_t_cells_text": (
        "以米为单位填写纯数字距离（不带单位）；不可达时留空或填 inf",
        "write distances in metres as plain numbers (no units); leave a cell empty or write inf "
        "when unreachable.",
    ),
    "pr_t_cells_nan": ("有 {n} 个单元格为 NaN：{examples}。", "{n} cell(s) are NaN: {examples}."),
    "prf_t_cells_nan": (
        "填写距离，或留空单元格（表示不可达）",
        "write the distance, or leave the cell empty (unreachable).",
    ),
    "pr_t_cells_negative": (
        "有 {n} 个单元格为负数：{examples}。",
        "{n} cell(s) are negative: {examples}.",
    ),
    "prf_t_cells_negative": (
        "距离以米计，不能小于 0；请更正符号",
        "distances are metres >= 0; correct the sign.",
    ),
    "pr_t_no_number": (
        "有 {n} 行没有{what}：第 {examples} 行。",
        "{n} line(s) have no {what}: line {examples}.",
    ),
    "prf_t_no_number": (
        "每行填写“编码,{what}”（{option}）",
        "write `id,{what}` on each line ({option}).",
    ),
    "pr_t_numbers_bad": (
        "有 {n} 个{what}不是大于等于 0 的有限数字：{examples}。",
        "{n} {what}(s) are not finite numbers >= 0: {examples}.",
    ),
    "prf_t_numbers_bad": (
        "每行填写“编码,{what}”（{option}）",
        "write `id,{what}` on each line ({option}).",
    ),
    "pr_t_ids_repeated": ("有 {n} 个编码重复：{examples}。", "{n} id(s) are repeated: {examples}."),
    "prf_t_ids_repeated": ("每个编码只给一个{what}", "give each id one {what}."),
    "pr_t_ids_unknown": (
        "有 {n} 个编码不在距离矩阵中：{examples}。",
        "{n} id(s) are not in the cost matrix: {examples}.",
    ),
    "prf_t_ids_unknown": ("更正或删除这些行", "correct or delete those lines."),
    "pr_t_ids_missing": (
        "距离矩阵中有 {n} 个编码没有{what}：{examples}。",
        "no {what} for {n} id(s) of the cost matrix: {examples}.",
    ),
    "prf_t_ids_missing": ("为每个编码填写{what}", "give a {what} for every id."),
    "pr_t_list_unknown": (
        "有 {n} 个编码不是距离矩阵中的候选点：{examples}。",
        "{n} id(s) are not candidates of the cost matrix: {examples}.",
    ),
    "prf_t_list_unknown": (
        "使用距离矩阵表头中的编码",
        "use ids from the cost matrix's header row.",
    ),
    "pr_t_list_repeated": (
        "有 {n} 个编码重复：{examples}。",
        "{n} id(s) are repeated: {examples}.",
    ),
    "prf_t_list_repeated": ("每个编码只列一次", "list each id once."),
    "pr_t_grids_empty": ("文件为空。", "the file is empty."),
    "prf_t_grids_empty": (
        "写一行含 `grid_id` 和工作量列的表头，然后每个网格一行",
        "write a header line with `grid_id` and the workload columns, then one line per grid.",
    ),
    "pr_t_no_grid_id": (
        "没有 `grid_id` 列；表头为 {names}。",
        "no `grid_id` column; the header is {names}.",
    ),
    "prf_t_no_grid_id": ("将网格编码列命名为 `grid_id`", "name the column of grid ids `grid_id`."),
    "pr_t_no_grid_rows": ("文件只有表头，没有网格行。", "the file has a header but no grid rows."),
    "prf_t_no_grid_rows": ("在表头下每个网格写一行", "write one line per grid below the header."),
    "pr_t_grid_id_empty": (
        "有 {n} 个网格没有 `grid_id`：{examples}。",
        "{n} grid(s) have no `grid_id`: {examples}.",
    ),
    "prf_t_grid_id_empty": ("为每个网格填写编码", "give every grid an id."),
    "pr_t_grid_id_repeated": (
        "有 {n} 个网格编码重复：{examples}；每一行都会被分配一次人员。",
        "{n} grid id(s) are repeated: {examples}; each would be staffed once per row.",
    ),
    "prf_t_grid_id_repeated": (
        "每个网格只保留一行（合并或重新编号重复的行）",
        "keep one row per grid (merge or renumber the repeated rows).",
    ),
    "pr_t_grid_count_bad": (
        "有 {n} 个网格的 `{column}` 不是大于等于 0 的数字：{examples}。",
        "{n} grid(s) have a `{column}` that is not a number >= 0: {examples}.",
    ),
    "prf_t_grid_count_bad": (
        "为每个网格的 `{column}` 填写大于等于 0 的数量",
        "write a count >= 0 in `{column}` for every grid.",
    ),
    # ---- staffing (allocation.staffing): staff_<code>, ie_<code>
    # ---- plan store conflicts and look-ups (geo.output.store): ce_<code>, se_<code>
    "ce_exists": (
        "方案“{plan}”已存在（最新为第 {latest} 版），未写入任何内容；请另存为新名称",
        "plan `{plan}` already exists (latest version {latest}); nothing was written",
    ),
    "ce_no_version": (
        "方案“{plan}”没有第 {expected} 版（最新为第 {latest} 版），未写入任何内容",
        "plan `{plan}` has no version {expected} (latest {latest}); nothing was written",
    ),
    "ce_newer": (
        "您打开第 {expected} 版之后，方案“{plan}”已被保存为第 {latest} 版（{who}）；"
        "未覆盖任何内容，您的方案也没有丢失",
        "plan `{plan}` was saved as version {latest} ({who}) after you opened version "
        "{expected}; nothing was overwritten and your plan is not lost",
    ),
    "se_foreign": (
        "{store} 不是 gridplan 方案库：其中有其他类型的表（{tables}，可能是导出文件）；"
        "请选择其他方案库文件或数据库",
        "{store} is not a gridplan plan store: it has table(s) {tables} of another kind",
    ),
    "se_cannot_open": (
        "无法打开方案库 {store}：{msg}",
        "cannot open the plan store {store}: {msg}",
    ),
    "se_no_plan": (
        "方案库中没有方案“{plan}”（现有方案：{plans}）",
        "no plan `{plan}` in the store (plans: {plans})",
    ),
    "se_no_version": (
        "方案“{plan}”没有第 {version} 版（共 1-{latest} 版）",
        "plan `{plan}` has no version {version} (versions 1-{latest})",
    ),
    # ---- gridding parameters (geo.grids.params): gp_<rule>; {param} by its name here
    "pr_gp_band": (
        "{param}：须满足 0 < 下限 ≤ 上限，当前为 {value}。",
        "`{param}` and its maximum must satisfy 0 < min <= max, got {value}.",
    ),
    "prf_gp_band": ("例如 300 和 500 户、15 和 40 名党员", "e.g. 300 and 500, or 15 and 40"),
    "pr_gp_choice": ("{param}：取值 {value} 无效。", "`{param}`: {value} is not an option."),
    "prf_gp_choice": ("从可选项中选择", "choose one of the options"),
    "pr_gp_nonneg": (
        "{param}：须为大于等于 0 的有限数，当前为 {value}。",
        "`{param}` must be a finite number >= 0, got {value}.",
    ),
    "prf_gp_nonneg": ("填写大于等于 0 的数", "give a number >= 0"),
    "pr_gp_min1": (
        "{param}：须大于等于 1，当前为 {value}。",
        "`{param}` must be >= 1, got {value}.",
    ),
    "prf_gp_min1": ("填写大于等于 1 的整数", "give an integer >= 1"),
    "gp_min_households": ("每格户数下限", "min_households"),
    "gp_min_party_members": ("每格党员数下限", "min_party_members"),
    "gp_size_by": ("划分依据", "size_by"),
    "gp_balance": ("均衡依据", "balance"),
    "gp_compactness_weight": ("紧凑度权重", "compactness_weight"),
    "gp_n_grids": ("网格数", "n_grids"),
    "gp_min_party_per_grid": ("每格最少党员数", "min_party_per_grid"),
    "gp_restarts": ("重启次数", "restarts"),
    "gp_party_load_weight": ("党员负荷权重", "party_load_weight"),
    "ie_staff_too_few": (
        "{total} 名工作人员无法让 {grids} 个网格每格至少 {minimum} 名（需要 {needs} 名）；"
        "请增加总数、降低每格最少人数或合并网格",
        "{total} worker(s) cannot give {grids} grid(s) at least {minimum} each (needs {needs}); "
        "raise the total, lower the minimum, or merge grids",
    ),
    "pr_staff_load_weights": (
        "按综合负荷分配时需要各项权重。",
        "`workload='load'` needs `weights`",
    ),
    "prf_staff_load_weights": (
        "传入权重，例如户数 1、党员数 5",
        "pass weights such as {{'households': 1, 'party_members': 5}}",
    ),
    "pr_staff_column_missing": (
        "缺少 `{column}` 列；现有列：{have}",
        "column `{column}` missing; have {have}",
    ),
    "prf_staff_column_missing": (
        "使用“划分网格”生成的网格图层，或添加该列",
        "staff a grid layer from `gridplan grid` or add the column",
    ),
    "pr_staff_workload_bad": ("工作量为 {value}", "workload is {value}"),
    "prf_staff_workload_bad": ("填写大于等于 0 的数量", "give a count >= 0"),
    "pr_staff_no_grid_id": ("缺少 `grid_id` 列", "column `grid_id` missing"),
    "prf_staff_no_grid_id": ("为每个网格填写一个编码", "add one id per grid"),
    # ---- siting (allocation.siting): s_<code> (Problem), ie_s_<code> (InfeasibleError)
    "pr_s_ids_count": (
        "给出了 {n} 个编码，而距离矩阵有 {rows} 行/列。",
        "{n} ids given for {rows} rows/columns of the cost matrix.",
    ),
    "prf_s_ids_count": ("每行（列）给出一个编码", "give exactly one id per row/column."),
    "pr_s_ids_duplicate": ("编码重复：{ids}。", "duplicate ids {ids}."),
    "prf_s_ids_duplicate": ("使每个编码唯一", "make every id unique."),
    "pr_s_cost_not_numeric": ("距离矩阵不是数值矩阵（{msg}）。", "not a numeric matrix ({msg})."),
    "prf_s_cost_not_numeric": (
        "以米为单位给出距离，每个需求点一行",
        "give distances in metres, one row per demand point.",
    ),
    "pr_s_cost_shape": (
        "距离矩阵必须是非空的二维矩阵，当前形状为 {shape}。",
        "must be a non-empty 2-D matrix, got shape {shape}.",
    ),
    "prf_s_cost_shape": (
        "每个需求点一行，每个候选点一列",
        "give one row per demand point and one column per candidate.",
    ),
    "pr_s_cost_nan": (
        "需求点 {ids} 所在行有 NaN 距离。",
        "NaN distances in the rows of demand {ids}.",
    ),
    "prf_s_cost_nan": (
        "不可达的点对用 inf 表示，或更正距离",
        "use inf for an unreachable pair, or fix the distances.",
    ),
    "pr_s_cost_negative": (
        "需求点 {ids} 所在行有负距离。",
        "negative distances in the rows of demand {ids}.",
    ),
    "prf_s_cost_negative": ("距离必须大于等于 0 米", "distances must be >= 0 metres."),
    "pr_s_weights_count": (
        "{rows} 个需求点给出了 {n} 个权重。",
        "{n} weights for {rows} demand points.",
    ),
    "prf_s_weights_count": (
        "每个需求点（距离矩阵的每行）一个权重",
        "give one weight per demand point (row of the cost matrix).",
    ),
    "pr_s_weights_nan": ("需求点 {ids} 的权重为 NaN。", "NaN weight for demand {ids}."),
    "prf_s_weights_nan": (
        "为每个需求点填写数字（无人居住填 0）",
        "give every demand point a number (0 if nobody lives there).",
    ),
    "pr_s_weights_bad": (
        "需求点 {ids} 的权重为负数或无穷大。",
        "negative or infinite weight for demand {ids}.",
    ),
    "prf_s_weights_bad": ("权重必须是大于等于 0 的有限数", "weights must be finite and >= 0."),
    "pr_s_fixed_mask": (
        "已有设施标记长度为 {n}，而候选点有 {m} 个。",
        "boolean mask of length {n} for {m} candidates.",
    ),
    "prf_s_fixed_mask": (
        "每个候选点一个标记，或给出候选点编码列表",
        "give one flag per candidate, or a list of candidate ids.",
    ),
    "pr_s_fixed_unknown": ("未知的候选点编码：{ids}。", "unknown candidate ids {ids}."),
    "prf_s_fixed_unknown": (
        "列出候选点中存在的编码（距离矩阵的列）",
        "list ids that appear among the candidates (cost matrix columns).",
    ),
    "pr_s_p_bad": (
        "{model}需要新增驿站数 p（不小于 0 的整数），当前为 {p}。",
        "{model} needs `p`, the number of NEW posts, as an integer >= 0; got {p}.",
    ),
    "prf_s_p_bad": ("新增驿站数填 1 或更多", "pass p=1 or more (--posts)."),
    "pr_s_radius_bad": (
        "{model}需要大于 0 的服务半径（米），当前为 {radius}。",
        "{model} needs a service radius in metres > 0, got {radius}.",
    ),
    "prf_s_radius_bad": (
        "填写例如 500 米的生活圈距离",
        "pass e.g. radius=500 (--radius 500), a life-circle distance.",
    ),
    "pr_s_unused": ("{model}不使用 `{arg}`。", "{model} does not use `{arg}`."),
    "prf_s_unused": ("去掉 `{arg}`，或选择其他模型", "drop `{arg}` or choose another model."),
    "pr_s_capacities_bad": (
        "需要 {m} 个大于等于 0 的容量（每个候选点一个），当前为 {n} 个值。",
        "need {m} capacities >= 0 (one per candidate), got {n} values.",
    ),
    "prf_s_capacities_bad": (
        "每个候选点给出一个非负容量（与权重同单位）",
        "give one non-negative capacity per candidate, in weight units.",
    ),
    "pr_s_not_mclp": ("需要最大覆盖模型，当前为 {type}。", "must be an MCLP, got {type}."),
    "prf_s_not_mclp": (
        "用最大覆盖模型构建",
        "build it with MCLP.from_cost_matrix(...) or MCLP.from_layers(...).",
    ),
    "ie_s_p_too_many": (
        "{model}：要求新增 {p} 个驿站，但只有 {free} 个候选点尚未设站（已有 {fixed} 个，共 {total} 个）。"
        "修正方法：将新增驿站数降到 {free} 以内，或增加候选点",
        "{model}: p={p} new posts requested but only {free} candidate(s) are not already open "
        "({fixed} fixed of {total}). Fix: lower `p` (--posts) to at most {free}, or add candidate sites.",
    ),
    "ie_s_unreachable": (
        "{model}：任何 {p} 个新增驿站的组合都无法让每个需求点到达一个站点。修正方法：增加新增驿站数、"
        "增加候选点，或检查路网是否有不连通的部分",
        "{model}: no choice of {p} new post(s) lets every demand point reach an open site. Fix: "
        "raise `p` (--posts), add candidates, or check the network for disconnected parts.",
    ),
    "ie_s_capacity_short": (
        "总步行最短（p-中位）：新增 {p} 个驿站时，容量无法容纳全部需求点。修正方法：增加驿站数、"
        "提高容量或不设容量",
        "PMedian: the capacities cannot hold every demand point with {p} new post(s). Fix: raise "
        "`p`, raise capacities, or drop `capacities`.",
    ),
    "ie_s_capacity_time": (
        "总步行最短（p-中位，有容量）：{seconds} 秒内未找到可行分配。修正方法：延长时限，或不设容量",
        "PMedian (capacitated): no feasible assignment found within {seconds} s. Fix: raise the "
        "time limit, or solve without capacities.",
    ),
    "ie_s_capacity_total": (
        "总步行最短（p-中位）：已有设施加上容量最大的 {p} 个候选点最多容纳 {best}，少于总需求 {total}。"
        "修正方法：增加驿站数或提高容量",
        "PMedian: existing facilities plus the {p} largest candidates hold at most {best}, less "
        "than the total demand {total}. Fix: raise `p` (--posts) or the capacities.",
    ),
    "ie_s_nothing_open": (
        "{model}：新增驿站数为 0 且没有已有设施，没有任何站点。修正方法：新增至少 1 个驿站，或列出已有设施",
        "{model}: p = 0 and no existing facility: nothing would be open. Fix: pass p >= 1 "
        "(--posts) or list existing facilities (--fixed).",
    ),
    "ie_s_fixed_unreachable": (
        "{model}：新增驿站数为 0，且部分需求点到达不了任何已有设施。修正方法：新增至少 1 个驿站",
        "{model}: p = 0 and some demand points reach no existing facility. Fix: pass p >= 1 (--posts).",
    ),
    # why a community could not be gridded in the band: cr_<code> (COMMUNITY_REASONS)
    "cr_no_units": ("没有网格单元", "no planning units"),
    "cr_zero": (
        "该社区的计数为 0；由一个网格覆盖（请检查其小区的户数/党员数）",
        "the community holds 0 of the sized count; one grid covers it (check the households / "
        "party members of its estates)",
    ),
    "cr_below": (
        "该社区只有 {total}（< {lo}）：一个网格，低于范围（将社区与相邻社区合并，或降低下限）",
        "the community holds {total} (< {lo}): one grid below the band (merge the community "
        "with a neighbour or lower the minimum)",
    ),
    "cr_few_units": (
        "{n} 个单元无法组成 {k} 个 {lo}-{hi} 的网格；请按楼栋拆分大型小区",
        "{n} unit(s) cannot make {k} grids of {lo}-{hi}; split large estates by buildings",
    ),
    "cr_no_split": (
        "{total} 无法分成 {lo}-{hi} 的网格（{kmax} 个网格每格 {a}，{kmin} 个每格 {b}）；"
        "选用 {k} 个网格（请放宽范围或指定网格数）",
        "{total} cannot be split into grids of {lo}-{hi} ({kmax} grid(s) would hold {a} each, "
        "{kmin} would hold {b}); {k} grid(s) chosen (widen the band or fix the number of grids)",
    ),
    "cr_requested": (
        "要求 {n} 个网格，但除 {locked} 个锁定网格外，其余土地分成 {pieces} 块互不相连；"
        "已划 {want} 个未锁定网格",
        "{n} grid(s) requested but the free land is in {pieces} separate piece(s) besides "
        "{locked} locked grid(s); {want} free grid(s) made",
    ),
    "cr_too_few": (
        "只能划出 {n} 个网格：单元太少，不够 {want} 个",
        "only {n} grid(s) possible: too few units for {want}",
    ),
    "cr_no_estates": (
        "该社区没有小区：请补充其小区，或将其并入相邻社区",
        "no estates in this community: add its estates or merge it into a neighbour",
    ),
    "cr_piece": ("（其中一块，含 {n} 个单元）", " (free piece of {n} units)"),
    # the siting run's note (SitingResult.message), part by part: sn_<code> (SITING_NOTES)
    "sn_unreachable_radius": (
        "{n} 个需求点在 {radius} 米内没有任何候选点，已排除：{ids}。请在其附近增加候选点或扩大半径。",
        "{n} demand point(s) cannot be reached within {radius} m by any candidate and are "
        "excluded: {ids}. Add candidates near them or raise the radius. ",
    ),
    "sn_unreachable": (
        "{n} 个需求点到达不了任何候选点或设施，已排除：{ids}。请检查其附近的路网或增加候选点。",
        "{n} demand point(s) cannot reach any candidate or facility and are excluded: {ids}. "
        "Check the network near them or add candidates. ",
    ),
    "sn_all_covered": (
        "已有设施已覆盖全部可达的需求点。",
        "Existing facilities already cover every reachable demand point.",
    ),
    "sn_essential": (
        "新增 {n} 个驿站：已证最优（每个都不可缺少）。",
        "{n} new post(s): proven optimal (every one essential).",
    ),
    "sn_posts": ("新增 {n} 个驿站{extra}：{note}。", "{n} new post(s){extra}: {note}."),
    "sn_posts_capacitated": (
        "新增 {n} 个驿站（有容量）：{note}。",
        "{n} new post(s), capacitated: {note}.",
    ),
    "sn_posts_distance": (
        "新增 {n} 个驿站，最远步行距离 {metres} 米：{note}。",
        "{n} new post(s), largest distance {metres} m: {note}.",
    ),
    "sn_extra": (
        "（另外 {k} 个驿站不会再增加覆盖）",
        " ({k} more post(s) would cover nothing more)",
    ),
    "sn_no_gain": ("新增驿站不能再增加覆盖。", "No new post can add coverage."),
    "sn_p_zero": ("新增驿站数为 0：只有已有设施。", "p = 0: existing facilities only."),
    "sn_proven": ("已证最优", "proven optimal"),
    "sn_time_limit": (
        "达到 {seconds} 秒时限：为找到的最好解，未证明最优（差距 {gap}%）；延长时限可得证明",
        "time limit of {seconds} s reached: best solution found, not proven optimal (gap {gap}%); "
        "raise the time limit for a proof",
    ),
    # ---- fusion report (geo.grids.fusion): fu_<code>
    "pr_fu_bad_input": (
        "需要方案、单元图或网格图层，收到的是 {type}",
        "expected a Plan, UnitGraph or GeoDataFrame, got {type}",
    ),
    "prf_fu_bad_input": (
        "传入方案的网格单元或网格图层",
        "pass plan.units or the grids GeoDataFrame",
    ),
    "pr_fu_no_households": ("没有户数列", "no `households` column"),
    "prf_fu_no_households": (
        "传入带户数的网格单元或网格",
        "pass planning units or grids with household counts",
    ),
    "pr_fu_no_assignment": (
        "给出了网格单元，但没有单元到网格的对应关系",
        "planning units given without an assignment",
    ),
    "prf_fu_no_assignment": (
        "传入单元到网格的对应关系，或整个方案",
        "pass `assignment` (unit_id -> grid_id) or a Plan",
    ),
    "pr_fu_unassigned": (
        "{n} 个单元在对应关系中没有网格，例如 {ids}",
        "{n} unit(s) have no grid in `assignment`, e.g. {ids}",
    ),
    "prf_fu_unassigned": (
        "传入完整的单元到网格的对应关系",
        "pass the full unit -> grid assignment",
    ),
    "pr_fu_no_ids": (
        "既没有单元编码列也没有网格编码列",
        "neither a `unit_id` nor a `grid_id` column",
    ),
    "prf_fu_no_ids": (
        "传入网格单元（及对应关系）或党建网格",
        "pass planning units (with an assignment) or party grids",
    ),
    "pr_fu_other_no_id": (
        "没有 `{column}` 列（现有列：{have}）",
        "no `{column}` column (columns: {have})",
    ),
    "prf_fu_other_no_id": (
        "指定编码列，或添加 `{column}` 列",
        "name the id column with `id_field` or add `{column}`",
    ),
    "pr_fu_locate": (
        "定位方式必须是按点或按面积，收到 {locate}",
        "`locate` must be 'point' or 'area', got {locate}",
    ),
    "prf_fu_locate": ("选择按点或按面积定位", "use locate='point' or locate='area'"),
    # ---- plan import (geo.grids.import_plan): im_<code>
    "pr_im_bad_input": (
        "需要网格多边形图层，收到的是 {type}",
        "expected a GeoDataFrame of grid polygons, got {type}",
    ),
    "prf_im_bad_input": ("用图层读取功能读入文件", "read the file with geo.data.io.read_layer"),
    "pr_im_not_polygons": (
        "{n} 个要素不是多边形（{types}），例如编码 {id}",
        "{n} feature(s) are not polygons ({types}), e.g. id {id}",
    ),
    "prf_im_not_polygons": (
        "导入网格多边形，而不是其边线或中心点",
        "import the grid polygons, not their lines or centres",
    ),
    "pr_im_empty": ("网格图层中没有多边形", "the grid layer holds no polygon"),
    "prf_im_empty": ("导入非空的网格图层", "import a non-empty grid layer"),
    "pr_im_by": (
        "匹配方式必须是按单元或按占地，收到 {by}",
        "`by` must be 'cell' or 'footprint', got {by}",
    ),
    "prf_im_by": ("选择按单元（默认）或按占地", "use by='cell' (default) or by='footprint'"),
    # ---- plan store (geo.output.store): st_<code>
    "pr_st_name_empty": ("方案名称为空", "the plan name is empty"),
    "prf_st_name_empty": ("为方案命名", "give the plan a name"),
    "pr_st_bad_type": ("类型为 {type}，不是表格", "is a {type}"),
    "prf_st_bad_type": ("传入图层表格（或不传）", "pass a GeoDataFrame or DataFrame (or None)"),
    "pr_st_event_json": ("记录的操作无法存为 JSON（{msg}）", "event is not JSON-safe ({msg})"),
    "prf_st_event_json": (
        "以普通的文字、数字和列表记录操作",
        "record events as plain dicts of str/int/float/list",
    ),
    "pr_st_no_grid_id": ("缺少网格编码列", "column missing"),
    "prf_st_no_grid_id": ("比较带网格编码的方案", "compare plans whose grids carry grid_id"),
    # ---- output paths (geo.output.paths): pa_<code>
    "pr_pa_is_folder": ("`{path}` 是文件夹，不是文件。", "`{path}` is a folder, not a file."),
    "prf_pa_is_folder": (
        "给出其中的文件名，例如 `{example}`",
        "give a file name inside it, e.g. `{example}`",
    ),
    "pr_pa_is_file": (
        "`{path}` 是文件，但此输出需要文件夹。",
        "`{path}` is a file, but this output is a folder.",
    ),
    "prf_pa_is_file": (
        "给出文件夹路径（不存在时会创建）",
        "give a folder path (it is created if missing)",
    ),
    "pr_pa_parent_file": (
        "无法写入 `{path}`：`{parent}` 是文件，不是文件夹。",
        "cannot write `{path}`: `{parent}` is a file, not a folder.",
    ),
    "prf_pa_parent_file": (
        "在已有文件夹（或新文件夹路径）中输出",
        "choose an output in an existing folder (or a new folder's path)",
    ),
    "pr_pa_not_writable": (
        "无法写入 `{path}`：文件夹 `{parent}` 不可写。",
        "cannot write `{path}`: the folder `{parent}` is not writable.",
    ),
    "prf_pa_not_writable": (
        "选择有写权限的文件夹，或申请该文件夹的写权限",
        "choose a folder you can write to, or ask for write permission on it",
    ),
    "pr_pa_store": (
        "拒绝写入 `{path}`：它是方案库 `{target}`。",
        "refusing to write `{path}`: it is the plan store `{target}`.",
    ),
    "prf_pa_store": (
        "换一个输出路径；方案库保存着全部已存方案",
        "choose another output path; the store holds every saved plan",
    ),
    "pr_pa_input": (
        "拒绝写入 `{path}`：它是输入文件 `{target}`。",
        "refusing to write `{path}`: it is the input `{target}`.",
    ),
    "prf_pa_input": (
        "输出到其他文件；不要覆盖输入文件",
        "write the output to another file; never overwrite an input",
    ),
    "pr_pa_twice": ("`{path}` 也作为 {other} 写入。", "`{path}` is also written as {other}."),
    "prf_pa_twice": ("每个输出使用各自的路径", "give each output its own path"),
    # ---- atlas (geo.output.atlas): at_<code>; density (allocation.density): de_<code>
    "pr_not_metric": ("坐标系 {crs} 不是以米为单位的投影坐标系", "CRS {crs} is not metric"),
    "prf_not_metric": (
        "使用数据集的米制坐标系中的图层（按数据集读入）",
        "pass layers in the dataset's metric CRS (geo.data.io.load_layers)",
    ),
    "pr_at_column_missing": ("缺少 `{column}` 列", "column `{column}` missing"),
    "prf_at_column_missing": (
        "使用方案的网格和按数据集读入的图层",
        "pass the plan's grids and the dataset's layers as loaded by gridplan",
    ),
    "pr_at_no_grids": ("该方案没有网格", "the plan has no grids"),
    "prf_at_no_grids": ("先为辖区划分网格", "grid the district first"),
    "pr_at_lang": ("未知语言 {lang}", "language {lang} unknown"),
    "prf_at_lang": ("使用 zh 或 en", "use zh or en"),
    "pr_at_no_font": ("没有 Noto CJK 中文字体（{font}）", "no Noto CJK font ({font})"),
    "prf_at_no_font": (
        "安装 Debian 的 fonts-noto-cjk 字体包（make fonts），或指定中文字体文件",
        "install Debian's fonts-noto-cjk (`make fonts`) or pass a CJK font file",
    ),
    "pr_at_layer_missing": ("缺少该图层", "layer missing"),
    "prf_at_layer_missing": ("读入制定方案时所用的数据集", "load the dataset the plan was made on"),
    "pr_de_column_missing": ("缺少 `{column}` 列", "column `{column}` missing"),
    "prf_de_column_missing": (
        "为每个小区或楼栋填写党员数",
        "give each estate or building its party members",
    ),
    "pr_de_bandwidth": ("带宽 {value} 米", "bandwidth {value} m"),
    "prf_de_bandwidth": ("带宽须大于 0 米", "give a bandwidth > 0 m"),
    "pr_de_cell": ("栅格 {value} 米", "cell {value} m"),
    "prf_de_cell": ("栅格大小须大于 0 米", "give a cell size > 0 m"),
    "pr_de_count_bad": ("`{column}` 为 {value}", "`{column}` is {value}"),
    "prf_de_count_bad": ("填写大于等于 0 的数量", "give a count >= 0"),
    "pr_de_no_members": ("没有任何点有党员", "no point has party members"),
    "prf_de_no_members": ("检查党员数列", "check the party_members column"),
    # ---- export (geo.output.export): ex_; plan and gridding: pl_, gr_, rp_
    "pr_ex_not_table": ("类型为 {type}，不是表格", "is a {type}, not a table"),
    "prf_ex_not_table": ("传入图层表格或数据表", "pass a GeoDataFrame or a DataFrame"),
    "pr_ex_reserved": ("这是保留的图层名", "is a reserved layer name"),
    "prf_ex_reserved": ("重命名该图层", "rename the layer"),
    "pr_ex_format": ("未知格式 {format}", "unknown format {format}"),
    "prf_ex_format": ("使用以下格式之一：{formats}", "use one of {formats}"),
    "pr_gr_locked_units_missing": (
        "锁定网格中有 {n} 个单元不在这些单元中：{ids}。",
        "locked grids hold {n} unit(s) that are not in these units: {ids}.",
    ),
    "prf_gr_locked_units_missing": (
        "在制定方案时所用的单元上重新优化，或解锁这些网格",
        "re-optimise on the units the plan was made with, or unlock them",
    ),
    "pr_pl_unknown_units": ("{n} 个未知单元：{ids}。", "{n} unknown unit(s): {ids}."),
    "prf_pl_unknown_units": ("使用本方案的网格单元", "use unit ids of the plan's UnitGraph"),
    "pr_pl_unassigned": ("{n} 个单元没有网格：{ids}。", "{n} unit(s) have no grid: {ids}."),
    "prf_pl_unassigned": (
        "把每个单元分到且只分到一个网格",
        "assign every unit to exactly one grid",
    ),
    "pr_rp_unknown_grids": (
        "要解锁的网格不在方案中：{ids}",
        "`unlocked` names grid(s) not in the plan: {ids}",
    ),
    "prf_rp_unknown_grids": (
        "给出已有的网格编码，或解锁全部",
        "name existing grid ids or pass unlocked='all'",
    ),
    # ---- planning units (geo.grids.units): u_<code>
    "pr_u_max_households": (
        "每个网格的最大户数必须大于 0，当前为 {value}。",
        "`max_households` must be > 0, got {value}.",
    ),
    "prf_u_max_households": (
        "填写正数的每网格户数上限",
        "pass a positive number of households per grid",
    ),
    "pr_u_community_no_estates": (
        "社区 {community}（{name}）没有小区，因此没有网格单元，不会划分网格。",
        "community {community} ({name}) has no estates, so it has no planning units and gets no grid.",
    ),
    "prf_u_community_no_estates": (
        "补充该社区的小区（含户数），或将该社区并入相邻社区",
        "add its estates (with households) or merge the community into a neighbour",
    ),
    "pr_u_column_missing": ("缺少 `{column}` 列。", "column `{column}` is missing."),
    "prf_u_column_missing": ("添加 `{column}` 列", "add a `{column}` column"),
    "pr_u_id_repeated": ("编码 {id} 出现了不止一次。", "id {id} appears more than once."),
    "prf_u_id_repeated": (
        "为每个{layer_name}要素设置唯一编码",
        "give every feature of {layer_name} its own id",
    ),
    "pr_u_community_no_geometry": ("该社区没有几何图形。", "the community has no geometry."),
    "prf_u_community_no_geometry": ("绘制其边界多边形", "draw its boundary polygon"),
    "pr_u_count_column_missing": ("缺少 `{column}` 列。", "column `{column}` is missing."),
    "prf_u_count_column_missing": ("添加数值型 `{column}` 列", "add a numeric `{column}` column"),
    "pr_u_count_bad": (
        "`{column}` 为 {value}：数量必须是大于等于 0 的有限数字。",
        "`{column}` is {value}: counts must be finite numbers >= 0.",
    ),
    "prf_u_count_bad": (
        "填写该{layer_name}要素的 `{column}`（没有则填 0）",
        "fill in the {column} of this feature of {layer_name} (0 if none)",
    ),
    "pr_u_unknown_community": (
        "社区 {community} 不在社区图层中。",
        "community {community} is not in the communities layer.",
    ),
    "prf_u_unknown_community": (
        "更正该小区的社区编码，或补充该社区",
        "fix the estate's community_id or add the community",
    ),
    "pr_u_split_too_many": (
        "该小区有 {households} 户（社区 {community}）：按每格最多 {limit} 户拆分需要超过 {parts} 块。",
        "the estate holds {households} households in community {community}: split into grids of "
        "at most {limit} it would need more than {parts} parts.",
    ),
    "prf_u_split_too_many": (
        "更正该小区的户数（是否录入错误？），或将小区拆成多个要素",
        "correct the estate's households (a typing error?) or split the estate into several "
        "features",
    ),
    "pr_u_estate_outside": (
        "该小区不在任何社区内，也没有社区编码。",
        "the estate lies in no community and has no community_id.",
    ),
    "prf_u_estate_outside": (
        "填写其社区编码，或扩大社区边界",
        "set its community_id or extend the community boundary",
    ),
    "pr_u_split_no_buildings": (
        "该小区有 {households} 户（超过 {limit} 户）但没有楼栋数据；已按面积拆成 {parts} 个紧凑"
        "的部分，每部分约 {each} 户。",
        "estate of {households} households (> {limit}) has no buildings; split into {parts} "
        "compact parts of about {each} households (by area).",
    ),
    "prf_u_split_no_buildings": (
        "补充该小区的楼栋及户数，即可按实际楼栋拆分",
        "add its buildings with households for a split along real buildings",
    ),
    "pr_u_buildings_disagree": (
        "小区 {estate} 的楼栋合计 {buildings} 户，小区为 {households} 户；已将小区数量按比例"
        "分配到各楼栋。",
        "the buildings of estate {estate} hold {buildings} households, the estate {households}; "
        "the estate's counts were apportioned to its buildings.",
    ),
    "prf_u_buildings_disagree": ("使楼栋与小区的数量一致", "make building and estate counts agree"),
    "pr_u_unit_repeated": (
        "单元编码 {id} 出现了不止一次。",
        "unit id {id} appears more than once.",
    ),
    "prf_u_unit_repeated": (
        "为同一小区的每栋楼设置唯一的楼栋编码",
        "give every building of an estate its own building_id",
    ),
    "pr_u_empty_footprint": (
        "该单元在其社区内的占地为空。",
        "the unit has an empty footprint inside its community.",
    ),
    "prf_u_empty_footprint": (
        "检查小区图形是否位于其社区内",
        "check the estate geometry lies inside its community",
    ),
    "pr_u_barriers_cut_all": (
        "社区 {community} 内的阻隔线切断了其 {n} 个单元之间的全部连接，任何网格都无法包含两个单元。",
        "in community {community} the barrier lines cut every link between its {n} units, so no "
        "grid can hold two units.",
    ),
    "prf_u_barriers_cut_all": (
        "删除不分隔街坊的阻隔线（或不使用阻隔线）",
        "remove barrier lines that do not separate neighbourhoods (or pass none)",
    ),
    "pr_u_community_parts": (
        "社区 {community} 分成 {n} 个互不相连的部分（河流、道路或数据所致）；网格随各部分划分，"
        "不跨部分。",
        "community {community} is in {n} separate parts (a river, a road or the data); its grids "
        "follow its parts, none spans two.",
    ),
    "prf_u_community_parts": (
        "如与实际相符则无需处理；否则请连接各部分",
        "nothing to do if that is the ground truth; otherwise join the parts",
    ),
    "pr_u_units_linked": (
        "社区 {community} 内有 {n} 个单元（{units}）与其余单元没有公共边；已将 {unit} 连到最近的"
        "单元 {nearest}（{metres} 米）。",
        "in community {community}, {n} unit(s) ({units}) share no cell edge with the rest; linked "
        "{unit} to its nearest unit {nearest} ({metres} m).",
    ),
    "prf_u_units_linked": (
        "检查是否有阻隔线，或社区边界是否有缺口",
        "check for a barrier or a gap in the community boundary",
    ),
    **WORDING,  # grid-rule messages and reasons, shared with the atlas
}


def t(key: str, lang: str, /, **fmt: object) -> str:
    """Return the text for ``key`` in ``lang`` (``"zh"`` or ``"en"``), formatted with ``fmt``.

    Raises
    ------
    KeyError
        If ``key`` is not in :data:`TEXT` (a missing translation is a bug, not a fallback).

    Examples
    --------
    >>> t("generated", "en", n=3)
    '3 grids generated'
    """
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def issue_text(issue: str, lang: str) -> str:
    """A grid-rule message of the engine (``Plan.grids()["issue"]``) in ``lang``, through its
    codes (:func:`geo.errors.issue_codes`, templates in :data:`geo.grids.wording.WORDING`)."""
    from geo.grids.wording import issue_words

    return issue_words(issue, lang)


def violation_text(violation: str, lang: str, names: dict[str, str] | None = None) -> str:
    """An edit's rule violation (``"grid <id>: <issue>"``) in ``lang``, the grid by name when
    ``names`` has it."""
    from geo.errors import violation_codes

    grid, _codes = violation_codes(violation)
    text = issue_text(violation.split(": ", 1)[1] if grid else violation, lang)
    if grid is None:
        return text
    label = (
        f"{names[grid]}（{grid}）"
        if names and grid in names and lang == "zh"
        else f"{names[grid]} ({grid})"
        if names and grid in names
        else grid
    )
    return t("rule_violation", lang, grid=label, text=text)


def reason_text(reason: str, lang: str, unit_labels: Mapping[str, str] | None = None) -> str:
    """An out-of-band or shape reason of the engine (``Plan.grids()["band_reason"]``,
    ``Plan.summary()["out_of_band"][i]["reason"]``, ``["low_compactness"]``) in ``lang``,
    through its codes (:func:`geo.grids.metrics.reason_codes`, templates in
    :data:`geo.grids.wording.WORDING`); ``unit_labels`` names the unit a reason names (e.g. by
    estate and building, :func:`ui.tabs_grids.unit_labels`)."""
    from geo.grids.wording import reason_words

    return reason_words(reason, lang, unit_labels)


#: Canonical columns of the layers (geo.data.schema) -> the key of their name here.
_COLUMN_KEYS = {
    "households": "f_households",
    "party_members": "f_party_members",
    "residents": "f_residents",
    "name": "f_name",
    "level": "f_level",
    "street": "f_street",
    "community_id": "col_community_code",
    "estate_id": "col_estate_code",
    "facility_id": "col_facility_code",
    "building_id": "col_building_code",
    "candidate_id": "col_candidate_code",
    "floors": "col_floors",
    "street_code": "col_street_code",
    "community_code": "col_community_code",
}


#: Words the table readers (allocation.tables) put in their messages, in Chinese.
_TABLE_WORDS = {
    "table": "表格",
    "cost matrix": "距离矩阵",
    "grid table": "网格表",
    "candidate id": "候选点编码",
    "column name": "列名",
    "weight": "权重",
    "capacity": "容量",
    "tab": "制表符",
    "semicolon": "分号",
    "an Excel workbook (.xlsx) or a zip archive": " Excel 工作簿（.xlsx）或 zip 压缩包",
    "an old Excel workbook (.xls)": "旧版 Excel 工作簿（.xls）",
}


def _table_word(word: str) -> str:
    """A word of the table readers in Chinese (``--weights table`` -> ``--weights 表格``)."""
    head, _, last = word.rpartition(" ")
    if word in _TABLE_WORDS:
        return _TABLE_WORDS[word]
    if head.startswith("--") and last in ("table", "list"):
        return f"{head} " + ("表格" if last == "table" else "列表")
    return word


def _examples_zh(text: str) -> str:
    """The examples of a table problem (``line 4 column 3 ('d1', 'c2'): 'x'``, ``'a' on lines
    2 and 5``, ``… and 3 more``) in Chinese; the file's own values as they are."""
    text = re.sub(r"\bline (\d+) column (\d+)", r"第 \1 行第 \2 列", text)
    text = re.sub(r"\(line (\d+)\)", r"（第 \1 行）", text)
    text = re.sub(r"\((\d+) cells?\)", r"（\1 个单元格）", text)
    text = re.sub(r"\bline (\d+)", r"第 \1 行", text)
    text = re.sub(r"\bfeature (\d+)", r"第 \1 个要素", text)
    text = re.sub(r" and (\d+) more$", r" 等，另有 \1 个", text)
    nums = r"(\d+(?:(?:, | and )\d+)*)"
    text = re.sub(r" in columns " + nums, lambda m: f" 位于第 {_and_zh(m.group(1))} 列", text)
    text = re.sub(r" on lines " + nums, lambda m: f" 位于第 {_and_zh(m.group(1))} 行", text)
    return re.sub(r": missing\b", "：缺失", text)


def _and_zh(numbers: str) -> str:
    return "、".join(n for n in re.split(r", | and ", numbers.strip()) if n)


def _more_zh(ids: str) -> str:
    """``a, b (+3 more)`` (``allocation.siting._sample``) in Chinese."""
    return re.sub(r" \(\+(\d+) more\)$", r" 等，另有 \1 个", ids)


def model_name(model: str, lang: str) -> str:
    """A siting model as the engine names it (``PMedian``, ``coverage_curve``) in ``lang``."""
    key = {
        "lscp": "model_lscp",
        "mclp": "model_mclp",
        "pmedian": "model_pmedian",
        "pcenter": "model_pcenter",
        "coverage_curve": "model_mclp",
    }.get(model.lower())
    return t(key, lang) if key and lang != "en" else model


#: The parts of a siting run's note (``SitingResult.message``, ``allocation.siting``), in the
#: order they are written: ``(code, pattern)``; ``{note}`` is a :data:`_SITING_TIME` phrase.
SITING_NOTES: tuple[tuple[str, str], ...] = (
    (
        "unreachable_radius",
        r"(?P<n>\d+) demand point\(s\) cannot be reached within (?P<radius>\S+) m by any "
        r"candidate and are excluded: (?P<ids>.*?)\. Add candidates near them or raise the "
        r"radius\. ",
    ),
    (
        "unreachable",
        r"(?P<n>\d+) demand point\(s\) cannot reach any candidate or facility and are "
        r"excluded: (?P<ids>.*?)\. Check the network near them or add candidates\. ",
    ),
    ("all_covered", r"Existing facilities already cover every reachable demand point\."),
    ("essential", r"(?P<n>\d+) new post\(s\): proven optimal \(every one essential\)\."),
    ("posts_capacitated", r"(?P<n>\d+) new post\(s\), capacitated: (?P<note>.*)\.$"),
    (
        "posts_distance",
        r"(?P<n>\d+) new post\(s\), largest distance (?P<metres>\S+) m: (?P<note>.*)\.$",
    ),
    (
        "posts",
        r"(?P<n>\d+) new post\(s\)(?: \((?P<k>\d+) more post\(s\) would cover nothing "
        r"more\))?: (?P<note>.*)\.$",
    ),
    ("no_gain", r"No new post can add coverage\."),
    ("p_zero", r"p = 0: existing facilities only\."),
)
_SITING_TIME = re.compile(
    r"time limit of (?P<seconds>\S+) s reached: best solution found, not proven optimal "
    r"\(gap (?P<gap>\S+)%\); raise the time limit for a proof"
)


#: Why a community could not be gridded within the band (``Plan.summary()
#: ["infeasible_communities"][i]["reasons"]``, written by ``geo.grids.gridding``): ``(code,
#: pattern)``; a reason about one free piece of a community ends with :data:`_PIECE`.
COMMUNITY_REASONS: tuple[tuple[str, str], ...] = (
    ("no_units", r"no planning units$"),
    (
        "zero",
        r"the community holds 0 of the sized count; one grid covers it \(check the households "
        r"/ party members of its estates\)",
    ),
    (
        "below",
        r"the community holds (?P<total>\d+) \(< (?P<lo>\d+)\): one grid below the band "
        r"\(merge the community with a neighbour or lower the minimum\)",
    ),
    (
        "few_units",
        r"(?P<n>\d+) unit\(s\) cannot make (?P<k>\d+) grids of (?P<lo>\d+)-(?P<hi>\d+); "
        r"split large estates by buildings",
    ),
    (
        "no_split",
        r"(?P<total>\d+) cannot be split into grids of (?P<lo>\d+)-(?P<hi>\d+) "
        r"\((?P<kmax>\d+) grid\(s\) would hold (?P<a>\d+) each, (?P<kmin>\d+) would hold "
        r"(?P<b>\d+)\); (?P<k>\d+) grid\(s\) chosen \(widen the band or fix the number of "
        r"grids\)",
    ),
    (
        "requested",
        r"(?P<n>\d+) grid\(s\) requested but the free land is in (?P<pieces>\d+) separate "
        r"piece\(s\) besides (?P<locked>\d+) locked grid\(s\); (?P<want>\d+) free grid\(s\) "
        r"made",
    ),
    ("too_few", r"only (?P<n>\d+) grid\(s\) possible: too few units for (?P<want>\d+)"),
    (
        "no_estates",
        r"no estates in this community: add its estates or merge it into a neighbour",
    ),
)
_PIECE = re.compile(r" \(free piece of (?P<n>\d+) units\)$")


def community_reason_text(reason: str, lang: str) -> str:
    """Why a community could not be gridded in the band (:data:`COMMUNITY_REASONS`) in
    ``lang``; in English the engine's words; an unknown reason as it is."""
    if lang == "en":
        return reason
    piece = _PIECE.search(reason)
    body = reason[: piece.start()] if piece else reason
    (code, params), *rest = _match_parts(body, COMMUNITY_REASONS) or [("text", {"text": ""})]
    if code == "text" or rest:
        return reason
    text = t(f"cr_{code}", lang, **params)
    return text + (t("cr_piece", lang, n=piece.group("n")) if piece else "")


def siting_note_codes(message: str) -> list[tuple[str, dict[str, str]]]:
    """A siting run's note as ``(code, params)`` parts; text no code matches comes back as
    ``("text", {"text": ...})``, so nothing is lost."""
    return _match_parts(message, SITING_NOTES)


def _match_parts(
    message: str, table: tuple[tuple[str, str], ...]
) -> list[tuple[str, dict[str, str]]]:
    """``message`` as the ``(code, params)`` of the phrases of ``table`` it is made of, from
    the left; the rest no phrase matches as ``("text", {"text": rest})``."""
    out: list[tuple[str, dict[str, str]]] = []
    pos = 0
    while pos < len(message):
        for code, pattern in table:
            m = re.compile(pattern).match(message, pos)
            if m:
                out.append((code, {k: v for k, v in m.groupdict().items() if v is not None}))
                pos = m.end()
                break
        else:
            out.append(("text", {"text": message[pos:]}))
            break
    return out


def siting_note_text(message: str, lang: str) -> str:
    """A siting run's note (:data:`SITING_NOTES`) in ``lang``; in English the engine's words."""
    if lang == "en":
        return message
    parts = []
    for code, params in siting_note_codes(message or ""):
        if code == "text":
            parts.append(params["text"])
            continue
        params = dict(params)
        if "ids" in params:
            params["ids"] = _more_zh(params["ids"])
        if "note" in params:
            m = _SITING_TIME.fullmatch(params["note"])
            params["note"] = (
                t("sn_time_limit", lang, **m.groupdict())
                if m
                else t("sn_proven", lang)
                if params["note"] == "proven optimal"
                else params["note"]
            )
        if code == "posts":
            params["extra"] = t("sn_extra", lang, k=params.pop("k")) if "k" in params else ""
        parts.append(t(f"sn_{code}", lang, **params))
    return "".join(parts)


def problem_text(problem: Any, lang: str) -> tuple[str, str]:
    """A :class:`geo.errors.Problem`'s message and fix in ``lang``.

    In Chinese through its ``code`` (``pr_<code>``, ``prf_<code>``) with its ``params``; the
    number of features (``_n``), the table (``_source``) and roster (``_roster``) a message is
    about are put before it. In English, and for a message without a code, the engine's own
    words (the CLI's).
    """
    code = getattr(problem, "code", None)
    if lang == "en" or not code or f"pr_{code}" not in TEXT:
        return problem.message, problem.fix
    params = dict(getattr(problem, "params", {}) or {})
    for key in ("layer", "shifted"):  # layer names, said in words
        if isinstance(params.get(key), str):
            known = f"layer_{params[key]}"
            params[f"{key}_name"] = t(known, lang) if known in TEXT else params[key]
    for key in ("levels", "present"):  # facility levels by their names
        if isinstance(params.get(key), str):
            sep = "、" if lang == "zh" else ", "
            params[key] = sep.join(
                t(f"level_{v.strip()}", lang) if f"level_{v.strip()}" in TEXT else v.strip()
                for v in params[key].split(",")
                if v.strip()
            )
    if lang != "en":  # the table readers' words (allocation.tables) and their examples
        for key in ("what", "noun", "kind", "sep"):
            if isinstance(params.get(key), str):
                params[key] = _table_word(params[key])
        if isinstance(params.get("examples"), str):
            params["examples"] = _examples_zh(params["examples"])
    if isinstance(params.get("model"), str):
        params["model"] = model_name(params["model"], lang)
    if isinstance(params.get("param"), str) and f"gp_{params['param']}" in TEXT:
        params["param"] = t(f"gp_{params['param']}", lang)  # a gridding parameter by name
    if lang != "en" and isinstance(params.get("ids"), str):
        params["ids"] = _more_zh(params["ids"])
    for key in ("column", "target"):  # canonical columns by their Chinese names
        if isinstance(params.get(key), str) and params[key] in _COLUMN_KEYS:
            params[key] = t(_COLUMN_KEYS[params[key]], lang)
    head = ""
    if "_roster" in params:
        head += t("pr_in_roster", lang, source=params["_roster"])
    if "_source" in params:
        head += t("pr_in_source", lang, source=params["_source"])
    if int(params.get("_n", 1) or 1) > 1:
        head += t("pr_n_features", lang, n=params["_n"])
    fix = t(f"prf_{code}", lang, **params) if f"prf_{code}" in TEXT else problem.fix
    return head + t(f"pr_{code}", lang, **params), fix


def feature_text(feature: str | None, lang: str) -> str:
    """A problem's feature column (``row 3``, ``… and 5 more``) in ``lang``; ids as they are."""
    import re

    if not feature or lang == "en":
        return feature or ""
    text = re.sub(r"\brow (\d+)", lambda m: t("feat_row", lang, n=m.group(1)), feature)
    text = re.sub(r"\band (\d+) more\b", lambda m: t("feat_more", lang, n=m.group(1)), text)
    text = re.sub(r" vs buildings ", " / 楼栋合计 ", text)
    text = re.sub(r"(\d) party members, ", r"\1 名党员，", text)
    text = re.sub(r"(\d) households\b", r"\1 户", text)
    return re.sub(r" vs ", " / ", text)


def field_text(field: str | None, lang: str) -> str:
    """A problem's column in ``lang``: a canonical column by its name, the file's own as it is."""
    if not field:
        return ""
    key = _COLUMN_KEYS.get(field)
    return t(key, lang) if key and lang != "en" else field


def layer_text(layer: str, lang: str) -> str:
    """A layer's name in ``lang`` (a file name or unknown layer as it is)."""
    key = f"layer_{layer}"
    return t(key, lang) if key in TEXT else str(layer)


def join_text(report: Any, lang: str) -> str:
    """A roster join's report (:class:`geo.data.join.JoinReport`) in ``lang``; in English the
    words ``gridplan check`` prints (``report.text()``)."""
    if lang == "en":
        return str(report.text())

    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:,.0f}"

    misses = list(report.misses)
    lines = [
        t(
            "jn_head",
            lang,
            source=report.source,
            layer=layer_text(report.layer, lang),
            rows=report.rows,
            matched=report.matched,
            by_id=report.by_id,
            by_name=report.by_name,
            by_loose=report.by_loose,
            unmatched=sum(m.status == "unmatched" for m in misses),
            ambiguous=sum(m.status == "ambiguous" for m in misses),
            without=report.features_without_row,
        )
    ]
    for col in report.columns:
        key = _COLUMN_KEYS.get(col)
        lines.append(
            t(
                "jn_total",
                lang,
                column=t(key, lang) if key else col,
                table=num(report.totals_table[col]),
                matched=num(report.totals_matched[col]),
                before=num(report.totals_before.get(col)),
                after=num(report.totals_after[col]),
            )
        )
    sep = "、"
    for m in misses:
        cands = sep.join(m.candidates) or t("jn_none", lang)
        kind = "jn_unmatched" if m.status == "unmatched" else "jn_ambiguous"
        lines.append(t(kind, lang, row=m.row, value=m.value, candidates=cands))
    for feature, rows in report.shared:
        lines.append(t("jn_shared", lang, feature=feature, rows=sep.join(map(str, rows))))
    return "\n".join(lines)


def problem_line(problem: Any, lang: str) -> str:
    """One problem as a line (a warning under a tab): ``str(problem)`` in English, else
    severity, layer, feature, message and fix in ``lang``."""
    if lang == "en":
        return str(problem)
    message, fix = problem_text(problem, lang)
    where = layer_text(problem.layer, lang)
    if problem.feature is not None:
        where += "，" + feature_text(str(problem.feature), lang)
    sev = f"sev_{problem.severity}"
    level = t(sev, lang) if sev in TEXT else str(problem.severity)
    return f"【{level}】{where}：{message} {t('col_fix', lang)}：{fix}"


def error_text(exc: BaseException, lang: str) -> str:
    """An engine error for a page in ``lang``: a :class:`geo.errors.ValidationError` as its
    problems, one a line (:func:`problem_line`), an edit refusal through its code
    (:func:`edit_error_text`), anything else as its own text. In English, ``str(exc)``."""
    problems = getattr(exc, "problems", None)
    if lang != "en" and problems:
        return "\n\n".join(problem_line(p, lang) for p in problems)
    if getattr(exc, "code", None):
        return edit_error_text(exc, lang)
    return str(exc)


def edit_error_text(
    exc: BaseException, lang: str, unit_labels: Mapping[str, str] | None = None
) -> str:
    """An edit refusal (:class:`geo.errors.EditError`) in ``lang`` through its ``code``;
    ``str(exc)`` for a refusal without one.

    ``unit_labels`` (``{unit_id: label}``, e.g. :func:`ui.tabs_grids.unit_labels`) names the
    units of the ``unit`` and ``units`` parameters (comma-separated ids) for people.
    """
    from geo.errors import ConflictError, InfeasibleError, StoreError

    code = getattr(exc, "code", None)
    prefix = (
        "ie"
        if isinstance(exc, InfeasibleError)
        else "ce"
        if isinstance(exc, ConflictError)
        else "se"
        if isinstance(exc, StoreError)
        else "ee"
    )
    if prefix != "ee" and lang == "en":
        return str(exc)  # the engine's own words, with what it was doing
    if code and f"{prefix}_{code}" in TEXT:
        params = dict(getattr(exc, "params", {}) or {})
        if isinstance(params.get("model"), str):
            params["model"] = model_name(params["model"], lang)
        if unit_labels:
            sep = "、" if lang == "zh" else ", "
            for key in ("unit", "units"):
                if isinstance(params.get(key), str):
                    ids = [u.strip() for u in params[key].split(",")]
                    params[key] = sep.join(unit_labels.get(u, u) for u in ids)
        return t(f"{prefix}_{code}", lang, **params)
    return str(exc)
