"""The demo company's catalogue: categories, products and which products go together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductSpec:
    """A demo product: SKU, names in both languages, category and list price in yuan."""

    sku: str
    name_en: str
    name_zh: str
    category: str
    price: int


CATEGORIES: dict[str, tuple[str, str]] = {
    "equipment": ("Office equipment", "办公设备"),
    "supplies": ("Office supplies", "办公耗材"),
    "peripherals": ("Computer peripherals", "电脑外设"),
    "furniture": ("Office furniture", "办公家具"),
    "software": ("Software", "软件服务"),
    "pantry": ("Pantry", "茶水间"),
    "services": ("After-sales services", "售后服务"),
}

PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("EQ-PRN-01", "Laser printer", "激光打印机", "equipment", 1899),
    ProductSpec("EQ-MFP-01", "Multifunction printer", "多功能一体机", "equipment", 2999),
    ProductSpec("EQ-SHR-01", "Paper shredder", "碎纸机", "equipment", 599),
    ProductSpec("EQ-PRJ-01", "Projector", "投影仪", "equipment", 3999),
    ProductSpec("EQ-SCN-01", "Document scanner", "扫描仪", "equipment", 1299),
    ProductSpec("SU-TON-01", "Toner cartridge", "硒鼓", "supplies", 299),
    ProductSpec("SU-PAP-01", "A4 copy paper (5 reams)", "A4复印纸（5包）", "supplies", 169),
    ProductSpec("SU-INK-01", "Ink cartridge set", "墨盒套装", "supplies", 129),
    ProductSpec("SU-FLD-01", "File folders (20)", "文件夹（20个）", "supplies", 39),
    ProductSpec("SU-PEN-01", "Gel pens (12)", "签字笔（12支）", "supplies", 29),
    ProductSpec("PE-KBM-01", "Wireless keyboard and mouse", "无线键鼠套装", "peripherals", 199),
    ProductSpec("PE-MON-27", '27" monitor', "27英寸显示器", "peripherals", 1599),
    ProductSpec("PE-DCK-01", "USB-C docking station", "USB-C扩展坞", "peripherals", 499),
    ProductSpec("PE-HDS-01", "Noise-cancelling headset", "降噪耳机", "peripherals", 899),
    ProductSpec("PE-CAM-01", "Webcam", "网络摄像头", "peripherals", 399),
    ProductSpec("FU-CHR-01", "Ergonomic chair", "人体工学椅", "furniture", 1699),
    ProductSpec("FU-DSK-01", "Standing desk", "电动升降桌", "furniture", 2599),
    ProductSpec("FU-CAB-01", "Filing cabinet", "文件柜", "furniture", 899),
    ProductSpec("FU-TBL-01", "Meeting table", "会议桌", "furniture", 3999),
    ProductSpec("SW-COL-01", "Collaboration suite (1 year)", "协同办公（年费）", "software", 2400),
    ProductSpec("SW-CLD-01", "Cloud storage 1 TB (1 year)", "云存储1TB（年费）", "software", 600),
    ProductSpec("SW-AV-01", "Antivirus (1 year)", "杀毒软件（年费）", "software", 199),
    ProductSpec("SW-ACC-01", "Accounting software", "财务软件", "software", 1800),
    ProductSpec("PA-COF-01", "Coffee beans 1 kg", "咖啡豆1公斤", "pantry", 129),
    ProductSpec("PA-TEA-01", "Tea gift box", "茶叶礼盒", "pantry", 268),
    ProductSpec("PA-WAT-01", "Water dispenser", "饮水机", "pantry", 899),
    ProductSpec("PA-CUP-01", "Paper cups (500)", "纸杯（500只）", "pantry", 49),
    ProductSpec("SV-WAR-01", "Extended warranty", "延保服务", "services", 399),
    ProductSpec("SV-INS-01", "On-site installation", "上门安装", "services", 199),
    ProductSpec(
        "SV-MNT-01", "Maintenance contract (1 year)", "设备维护合同（年）", "services", 1999
    ),
)

# Products bought together: the co-purchase structure a recommender should find.
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "EQ-PRN-01": ("SU-TON-01", "SU-PAP-01", "SV-WAR-01"),
    "EQ-MFP-01": ("SU-INK-01", "SU-PAP-01", "SV-INS-01"),
    "EQ-PRJ-01": ("SV-INS-01", "PE-CAM-01"),
    "EQ-SCN-01": ("SW-CLD-01",),
    "SU-TON-01": ("SU-PAP-01",),
    "SU-PAP-01": ("SU-FLD-01", "SU-PEN-01"),
    "PE-MON-27": ("PE-DCK-01", "PE-KBM-01"),
    "PE-DCK-01": ("PE-MON-27",),
    "PE-HDS-01": ("PE-CAM-01",),
    "FU-CHR-01": ("FU-DSK-01",),
    "FU-DSK-01": ("PE-MON-27", "FU-CHR-01"),
    "FU-TBL-01": ("EQ-PRJ-01", "SV-INS-01"),
    "SW-COL-01": ("SW-CLD-01", "PE-HDS-01"),
    "SW-ACC-01": ("SV-MNT-01",),
    "PA-COF-01": ("PA-CUP-01",),
    "PA-WAT-01": ("PA-CUP-01", "PA-TEA-01"),
}
