"""Where demo customers live: consistent province, city, district and phone numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    """A city with its province, districts, postcode and weight among customers."""

    country: str
    province: str
    city: str
    districts: tuple[str, ...]
    postcode: str
    weight: float


CHINESE_CITIES: tuple[City, ...] = (
    City("CN", "上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "黄浦区"), "200000", 12),
    City("CN", "北京市", "北京市", ("朝阳区", "海淀区", "东城区", "西城区"), "100000", 12),
    City("CN", "广东省", "深圳市", ("南山区", "福田区", "罗湖区", "宝安区"), "518000", 9),
    City("CN", "广东省", "广州市", ("天河区", "越秀区", "海珠区"), "510000", 8),
    City("CN", "浙江省", "杭州市", ("西湖区", "上城区", "滨江区"), "310000", 7),
    City("CN", "江苏省", "南京市", ("玄武区", "鼓楼区", "建邺区"), "210000", 5),
    City("CN", "江苏省", "苏州市", ("姑苏区", "吴中区", "虎丘区"), "215000", 5),
    City("CN", "四川省", "成都市", ("锦江区", "武侯区", "青羊区"), "610000", 6),
    City("CN", "湖北省", "武汉市", ("江汉区", "武昌区", "洪山区"), "430000", 5),
    City("CN", "重庆市", "重庆市", ("渝中区", "江北区", "南岸区"), "400000", 4),
    City("CN", "陕西省", "西安市", ("雁塔区", "碑林区", "新城区"), "710000", 4),
    City("CN", "天津市", "天津市", ("和平区", "南开区", "河西区"), "300000", 3),
    City("CN", "山东省", "青岛市", ("市南区", "崂山区", "市北区"), "266000", 3),
    City("CN", "福建省", "厦门市", ("思明区", "湖里区"), "361000", 3),
    City("CN", "湖南省", "长沙市", ("岳麓区", "芙蓉区", "天心区"), "410000", 3),
    City("CN", "河南省", "郑州市", ("金水区", "二七区", "中原区"), "450000", 3),
)

INTERNATIONAL_CITIES: tuple[City, ...] = (
    City("CN", "上海市", "上海市", ("浦东新区", "静安区"), "200000", 6),
    City("US", "California", "San Francisco", ("Mission", "SoMa"), "94103", 3),
    City("US", "New York", "New York", ("Manhattan", "Brooklyn"), "10001", 3),
    City("GB", "England", "London", ("Camden", "Islington"), "EC1A 1BB", 3),
    City("SG", "Singapore", "Singapore", ("Central", "Tampines"), "018956", 2),
    City("AU", "New South Wales", "Sydney", ("Surry Hills", "Parramatta"), "2000", 2),
    City("DE", "Berlin", "Berlin", ("Mitte", "Kreuzberg"), "10115", 1),
)

CN_MOBILE_PREFIXES = (
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
    "152", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189",
)  # fmt: skip


def phone_number(country: str, prefix_pick: int, unique: int) -> str:
    """A valid E.164 mobile number for ``country``; distinct ``unique`` give distinct numbers.

    ``unique`` is mixed by a multiplication that is a bijection modulo the number range,
    so numbers never repeat while the ids stay below that range.
    """
    if country == "CN":
        prefix = CN_MOBILE_PREFIXES[prefix_pick % len(CN_MOBILE_PREFIXES)]
        return f"+86{prefix}{(unique * 7919 + 1234567) % 10**8:08d}"
    body = (unique * 7919 + 4321) % 10**6
    if country == "US":
        return f"+1415{2 + prefix_pick % 8}{body:06d}"
    if country == "GB":
        return f"+4477{1 + prefix_pick % 9}{body:06d}0"
    if country == "SG":
        return f"+658{1 + prefix_pick % 8}{body:06d}"
    if country == "AU":
        return f"+6140{prefix_pick % 10}{body:06d}"
    if country == "DE":
        return f"+49151{prefix_pick % 10}{body:06d}0"
    raise ValueError(f"no phone plan for country {country!r}")
