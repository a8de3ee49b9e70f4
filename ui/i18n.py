"""The app's one dictionary: every visible string in Chinese and English.

Vocabulary follows the published account of the Wuxi development zone's party-building grids
(党建网格, 专职/兼职网格员, 党群服务中心, 小区党群服务驿站 ...). Keys are short English
identifiers; :func:`t` looks one up for a language and fills ``{placeholders}``.
"""

from __future__ import annotations

#: Languages offered, in switch order.
LANGS = ("zh", "en")
#: Language shown to a first-time visitor.
DEFAULT_LANG = "zh"

#: key -> (Chinese, English).
TEXT: dict[str, tuple[str, str]] = {
    # page and sidebar
    "app_title": ("党建网格规划", "Party-building grid planner"),
    "app_caption": ("划分党建网格、检查步行覆盖、选址党群服务驿站、配备网格员、导出方案",
                    "Divide communities into party-building grids, review walking coverage, "
                    "site service posts, staff grids and export the plan"),
    "language": ("语言 / Language", "Language / 语言"),
    "data": ("数据", "Data"),
    "data_source": ("数据来源", "Data source"),
    "source_demo": ("示例城区（合成几何）", "Demo district (synthetic geometry)"),
    "source_upload": ("上传我的图层", "Upload my layers"),
    "demo_note": ("示例数据：几何为合成，户数与党员数参照公开数字。",
                  "Demo data: the geometry is synthetic; counts follow the published figures."),
    "datum": ("坐标基准", "Datum"),
    "datum_help": ("文件坐标所用的基准：WGS84（GPS）、CGCS2000、GCJ-02（高德/腾讯）、BD-09（百度）或 EPSG 代码",
                   "Datum of the file's coordinates: WGS84 (GPS), CGCS2000, GCJ-02 (Amap/Tencent), "
                   "BD-09 (Baidu) or an EPSG code"),
    "epsg_code": ("EPSG 代码", "EPSG code"),
    "upload_layer": ("{layer}（GeoJSON / GeoPackage / 压缩的 Shapefile）",
                     "{layer} (GeoJSON / GeoPackage / zipped Shapefile)"),
    "load_uploads": ("检查并载入", "Check and load"),
    "validation_report": ("数据检查报告", "Validation report"),
    "validation_ok": ("{layer}：未发现问题", "{layer}: no problems found"),
    "validation_failed": ("数据有错误，未载入。请按下表修正后重新上传。",
                          "The data has errors and was not loaded. Fix them as listed and upload again."),
    "upload_rejected": ("文件被拒绝：{msg}", "File refused: {msg}"),
    "uploads_need": ("至少需要社区和小区两个图层", "At least the communities and estates layers are needed"),
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
    "tile_url_help": ("例如 http://tiles.example.gov/{z}/{x}/{y}.png", "e.g. http://tiles.example.gov/{z}/{x}/{y}.png"),
    "amap_note": ("高德底图使用 GCJ-02：图层仅为显示而偏移，计算与导出仍为 WGS84。",
                  "Amap tiles use GCJ-02: overlays are shifted for display only; computing and exports stay WGS84."),
    "show_buildings": ("显示楼栋", "Show buildings"),
    "offline_missing": ("离线地图文件缺失（{n} 个），地图将从网络加载 Leaflet。请运行 `make assets`。",
                        "Offline map files missing ({n}); maps will load Leaflet from the internet. Run `make assets`."),
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
    "no_plan_yet": ("尚未生成网格：请在“党建网格”页生成。", "No grids yet: generate them on the Grids tab."),
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
    "lasso_hint": ("用地图左侧的多边形工具圈选多个单元。", "Draw a polygon (tool on the map's left) to select several units."),
    "edit_done": ("已完成：{op}，涉及网格 {grids}", "Done: {op}, grids touched {grids}"),
    "edit_refused": ("操作被拒绝：{msg}", "Edit refused: {msg}"),
    "violations": ("违反规则：", "Rules broken:"),
    "no_violations": ("所有受影响网格均符合规则", "All touched grids obey the rules"),
    "grid_table": ("网格指标", "Grid metrics"),
    "plan_summary": ("方案指标", "Plan metrics"),
    "infeasible_report": ("无法满足规则的社区", "Communities where the rule cannot be met"),
    # coverage tab
    "facility_levels": ("计入的设施级别", "Facility levels counted"),
    "thresholds": ("生活圈距离（米）", "Life-circle distances (m)"),
    "run_coverage": ("计算覆盖", "Compute coverage"),
    "gap_list": ("缺口清单（按超出距离的户数排序）", "Gap list (most households beyond the distance first)"),
    "distance_method": ("距离算法：{method}", "Distance method: {method}"),
    "class_0": ("≤{m:.0f} 米", "≤{m:.0f} m"),
    "class_beyond": ("> {m:.0f} 米", "> {m:.0f} m"),
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
    "siting_result": ("目标值 {objective}，间隙 {gap}，状态 {status}，用时 {seconds:.2f} 秒",
                      "Objective {objective}, gap {gap}, status {status}, {seconds:.2f} s"),
    "newly_covers": ("新覆盖的小区", "Estates newly covered"),
    "coverage_curve": ("边际覆盖曲线", "Marginal coverage curve"),
    "curve_posts": ("最多新增驿站数", "Posts up to"),
    "run_curve": ("计算曲线", "Compute curve"),
    # staffing tab
    "full_time_total": ("专职网格员总数", "Full-time grid workers in all"),
    "part_time_total": ("兼职网格员总数", "Part-time grid workers in all"),
    "method": ("分配方法", "Apportionment method"),
    "method_largest_remainder": ("最大余数法", "Largest remainder"),
    "method_huntington_hill": ("亨廷顿-希尔法", "Huntington-Hill"),
    "workload": ("工作量依据", "Workload"),
    "run_staffing": ("分配网格员", "Apportion workers"),
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
    "engine_missing": ("此功能所需的计算模块尚未安装：{module}", "The engine this needs is not installed: {module}"),
    "error": ("出错：{msg}", "Error: {msg}"),
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
