"""Names used by the demo generator (:mod:`geo.demo.generate`).

The streets and the first seven communities of each street carry the public names of the
reference development zone; every other name is invented and only meant to look plausible.
"""

from __future__ import annotations

import numpy as np

#: (street name, 3-digit street number) of the two streets of the reference zone.
STREETS: tuple[tuple[str, int], ...] = (("华庄街道", 6), ("太湖街道", 7))

#: Community names per street: public names first, then invented ones.
COMMUNITY_NAMES: dict[str, tuple[str, ...]] = {
    "华庄街道": (
        "华庄",
        "落霞苑一",
        "旺安",
        "农联",
        "龙渚",
        "双茂",
        "水乡苑一",
        "落霞苑二",
        "水乡苑二",
        "华清苑",
        "庄桥社区",
        "太康家园",
        "新华庄",
        "梁溪苑",
        "金桥家园",
        "漆塘社区",
        "华韵苑",
        "东湖社区",
        "双新社区",
        "清风家园",
    ),
    "太湖街道": (
        "太湖国际",
        "信成花园",
        "玖玖城",
        "天鹅湖花园",
        "万科",
        "尚贤",
        "周新",
        "清源苑",
        "金城湾",
        "立信家园",
        "贡湖苑",
        "观山苑",
        "南泉家园",
        "蓝湾社区",
        "和风苑",
        "新光社区",
        "嘉仕家园",
        "塘南社区",
    ),
}

#: The community whose counts follow a published benchmark: about 1 km2, 9,000 dwellings
#: and 497 party members.
BENCHMARK_COMMUNITY = "天鹅湖花园"
BENCHMARK_HOUSEHOLDS = 9000
BENCHMARK_PARTY_MEMBERS = 497

_FIRST = "金华锦翠蓝湖江新瑞富春兰梅桂荷清明嘉和泰康御龙凤祥润鸿盛安宁景云溪泉枫"
_SECOND = "城苑湾庭园府居景坊岸邸汇轩都源港"
_SUFFIX = ("花园", "家园", "新村", "小区", "公寓", "雅苑", "名邸", "华庭", "新城", "佳园")
_PHASES = "一二三四五六七八九十"

#: Land-use kinds between estates, with their Chinese name suffix.
LANDUSE_KINDS: dict[str, str] = {
    "park": "公园",
    "school": "小学",
    "kindergarten": "幼儿园",
    "market": "菜市场",
    "commercial": "商业中心",
    "factory": "产业园",
    "sports": "体育公园",
    "clinic": "卫生服务站",
}


def estate_names(rng: np.random.Generator, n: int, community: str, taken: set[str]) -> list[str]:
    """Return ``n`` plausible estate names, unique within ``taken`` (updated in place).

    The first estates of a community named after an estate (…花园, …苑, …城) are its phases
    (``天鹅湖花园一期``); the others combine two characters and a suffix (``翠湾家园``).
    """
    names: list[str] = []
    phased = community.endswith(("花园", "苑一", "城", "国际", "家园"))
    n_phases = min(n, int(rng.integers(1, 4))) if phased else 0
    stem = community.removesuffix("一")
    for i in range(n_phases):
        name = f"{stem}{_PHASES[i]}期"
        if name not in taken:
            names.append(name)
            taken.add(name)
    while len(names) < n:
        second, suffix = (
            _SECOND[int(rng.integers(len(_SECOND)))],
            _SUFFIX[int(rng.integers(len(_SUFFIX)))],
        )
        if second in suffix:  # no 润邸名邸
            continue
        name = _FIRST[int(rng.integers(len(_FIRST)))] + second + suffix
        if name in taken:
            name = f"{name}{_PHASES[int(rng.integers(1, len(_PHASES)))]}期"
        if name not in taken:
            names.append(name)
            taken.add(name)
    return names
