"""Realistic synthetic people, organisations and codes, shared by the demo, tests and benchmarks.

Every code carries a valid check character (GB 32100 credit codes, GB 11643 resident IDs), so
the platform's own validation accepts them; ``corrupt`` makes one that it must refuse."""

from __future__ import annotations

import random

from stdnum.cn import ric, uscc

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文斌海燕晓东红梅丹玲飞鹏"
         "宇浩然子涵欣怡俊杰梓轩雨桐佳琪思远嘉怡天佑诗琪")
ROADS = ("人民路", "解放路", "五马街", "公园路", "信河街", "府前街", "蝉街", "飞霞路", "小南路",
         "车站大道", "锦绣路", "学院路", "松台街", "水心街", "划龙桥路", "黎明路",
         "新城大道", "江滨路", "双屿路", "鹿城路", "勤奋路", "望江路", "百里路")
TRADE_WORDS = ("瓯江", "鹿城", "东瓯", "永嘉", "温商", "江心", "华盛", "鑫源", "恒泰",
               "瑞丰", "宏达", "金鹿", "天一", "新瓯", "联合", "润华", "卓越", "海宁",
               "锦程", "正泰")
INDUSTRIES = (("鞋业", "制造业"), ("服装", "制造业"), ("电器", "批发和零售业"),
              ("餐饮", "住宿和餐饮业"), ("贸易", "批发和零售业"), ("科技", "信息技术服务业"),
              ("眼镜", "制造业"),
              ("物流", "交通运输业"), ("建材", "批发和零售业"), ("文化传媒", "文化体育和娱乐业"))
REGION = "330302"
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


def person_name(rng: random.Random) -> str:
    """A Chinese personal name: a common surname and one or two given-name characters."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def credit_code(rng: random.Random, region: str = REGION) -> str:
    """A unified social credit code: 9 (market regulator), 1 (enterprise) or 2 (individual
    business), the region, a 9-character organisation code, and the GB 32100 check character."""
    organisation = "".join(rng.choice(CODE_ALPHABET) for _ in range(9))
    body = "9" + rng.choice("12") + region + organisation
    return body + uscc.calc_check_digit(body)


def resident_id(rng: random.Random, region: str = REGION, born: tuple[int, int] = (1940, 2005),
                ) -> str:
    """An 18-digit resident ID number with a real birth date and a valid check digit."""
    birthday = f"{rng.randint(*born)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{region}{birthday}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def corrupt(code: str) -> str:
    """The same code with a wrong check character."""
    alphabet = "0123456789X" if code[:-1].isdigit() else CODE_ALPHABET
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def address(rng: random.Random) -> str:
    return f"温州市鹿城区{rng.choice(ROADS)}{rng.randint(1, 399)}号"


def address_code(rng: random.Random, region: str = REGION) -> str:
    """A standard address code: region, street, road and door number (GB/T 23705 style)."""
    return f"{region}{rng.randint(1, 15):03d}{rng.randint(1, 999):04d}{rng.randint(1, 9999):05d}"


def business_name(rng: random.Random) -> tuple[str, str]:
    """(name, industry) of a plausible Lucheng business."""
    trade, industry = rng.choice(INDUSTRIES)
    form = rng.choice(("有限公司", "有限公司", "股份有限公司", "经营部", "商行"))
    return f"温州{rng.choice(TRADE_WORDS)}{trade}{form}", industry


def phone(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"0577-8{rng.randint(0, 9999999):07d}"
    return f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
