"""Administrative divisions (GB/T 2260): the provinces and the cities the portal names.

A province is the first two digits of an address code ("11" Beijing, "44" Guangdong); a city the
first four ("4401" Guangzhou). Pension and medical insurance are pooled at least by province, so
a transfer names a province and, where the agencies need it, a city. Taiwan, Hong Kong and Macao
have GB/T 2260 codes but no mainland social insurance: they are listed, not offered.
"""

from __future__ import annotations

from typing import NamedTuple


class Province(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    mainland: bool = True


PROVINCES: tuple[Province, ...] = (
    Province("11", "北京市", "Beijing"),
    Province("12", "天津市", "Tianjin"),
    Province("13", "河北省", "Hebei"),
    Province("14", "山西省", "Shanxi"),
    Province("15", "内蒙古自治区", "Inner Mongolia"),
    Province("21", "辽宁省", "Liaoning"),
    Province("22", "吉林省", "Jilin"),
    Province("23", "黑龙江省", "Heilongjiang"),
    Province("31", "上海市", "Shanghai"),
    Province("32", "江苏省", "Jiangsu"),
    Province("33", "浙江省", "Zhejiang"),
    Province("34", "安徽省", "Anhui"),
    Province("35", "福建省", "Fujian"),
    Province("36", "江西省", "Jiangxi"),
    Province("37", "山东省", "Shandong"),
    Province("41", "河南省", "Henan"),
    Province("42", "湖北省", "Hubei"),
    Province("43", "湖南省", "Hunan"),
    Province("44", "广东省", "Guangdong"),
    Province("45", "广西壮族自治区", "Guangxi"),
    Province("46", "海南省", "Hainan"),
    Province("50", "重庆市", "Chongqing"),
    Province("51", "四川省", "Sichuan"),
    Province("52", "贵州省", "Guizhou"),
    Province("53", "云南省", "Yunnan"),
    Province("54", "西藏自治区", "Xizang"),
    Province("61", "陕西省", "Shaanxi"),
    Province("62", "甘肃省", "Gansu"),
    Province("63", "青海省", "Qinghai"),
    Province("64", "宁夏回族自治区", "Ningxia"),
    Province("65", "新疆维吾尔自治区", "Xinjiang"),
    Province("71", "台湾省", "Taiwan", mainland=False),
    Province("81", "香港特别行政区", "Hong Kong", mainland=False),
    Province("82", "澳门特别行政区", "Macao", mainland=False),
)


class City(NamedTuple):
    code: str
    name_zh: str
    name_en: str

    @property
    def province(self) -> str:
        return self.code[:2]


# The provincial capitals (for a municipality: its urban districts, 市辖区) and Shenzhen.
CITIES: tuple[City, ...] = (
    City("1101", "北京市", "Beijing"),
    City("1201", "天津市", "Tianjin"),
    City("1301", "石家庄市", "Shijiazhuang"),
    City("1401", "太原市", "Taiyuan"),
    City("1501", "呼和浩特市", "Hohhot"),
    City("2101", "沈阳市", "Shenyang"),
    City("2201", "长春市", "Changchun"),
    City("2301", "哈尔滨市", "Harbin"),
    City("3101", "上海市", "Shanghai"),
    City("3201", "南京市", "Nanjing"),
    City("3301", "杭州市", "Hangzhou"),
    City("3401", "合肥市", "Hefei"),
    City("3501", "福州市", "Fuzhou"),
    City("3601", "南昌市", "Nanchang"),
    City("3701", "济南市", "Jinan"),
    City("4101", "郑州市", "Zhengzhou"),
    City("4201", "武汉市", "Wuhan"),
    City("4301", "长沙市", "Changsha"),
    City("4401", "广州市", "Guangzhou"),
    City("4403", "深圳市", "Shenzhen"),
    City("4501", "南宁市", "Nanning"),
    City("4601", "海口市", "Haikou"),
    City("5001", "重庆市", "Chongqing"),
    City("5101", "成都市", "Chengdu"),
    City("5201", "贵阳市", "Guiyang"),
    City("5301", "昆明市", "Kunming"),
    City("5401", "拉萨市", "Lhasa"),
    City("6101", "西安市", "Xi'an"),
    City("6201", "兰州市", "Lanzhou"),
    City("6301", "西宁市", "Xining"),
    City("6401", "银川市", "Yinchuan"),
    City("6501", "乌鲁木齐市", "Urumqi"),
)

PROVINCE_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}
CITY_BY_CODE: dict[str, City] = {c.code: c for c in CITIES}
MAINLAND: tuple[Province, ...] = tuple(p for p in PROVINCES if p.mainland)


def province_of(address_code: str) -> str:
    """The province of an address code of 2 to 6 digits; ValueError for an unknown one."""
    code = address_code[:2]
    digits = address_code.isascii() and address_code.isdigit()
    if not digits or len(address_code) > 6 or code not in PROVINCE_BY_CODE:
        raise ValueError(f"not a GB/T 2260 province code: {address_code!r}")
    return code
