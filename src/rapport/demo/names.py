"""Names, emails and addresses of demo customers, in Chinese and English."""

from __future__ import annotations

import random
from functools import cache

from faker import Faker
from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.zh_CN import Provider as ChineseNames
from pypinyin import lazy_pinyin

from rapport.demo.places import CHINESE_CITIES, INTERNATIONAL_CITIES, City

_ZH_SURNAMES = list(ChineseNames.last_names)
_ZH_SURNAME_WEIGHTS = [float(w) for w in ChineseNames.last_names.values()]
_ZH_FEMALE = list(ChineseNames.first_names_female)
_ZH_MALE = list(ChineseNames.first_names_male)
_EN_FEMALE = list(EnglishNames.first_names_female)
_EN_MALE = list(EnglishNames.first_names_male)
_EN_SURNAMES = list(EnglishNames.last_names)


@cache
def _latin(hanzi: str) -> str:
    return "".join(lazy_pinyin(hanzi))


class NameMaker:
    """Draws person and company names, emails and street addresses from a seeded stream."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        zh, en = Faker("zh_CN"), Faker("en_US")
        zh.seed_instance(seed)
        en.seed_instance(seed + 1)
        self.zh_companies = [zh.company() for _ in range(1500)]
        self.en_companies = [en.company() for _ in range(1500)]
        self.zh_streets = [zh.street_address() for _ in range(1500)]
        self.en_streets = [en.street_address() for _ in range(1500)]
        self.zh_jobs = ["总经理", "采购经理", "行政主管", "IT经理", "财务总监", "运营经理"]
        self.en_jobs = ["CEO", "Purchasing manager", "Office manager", "IT manager", "CFO"]
        self._cities_zh = list(CHINESE_CITIES)
        self._weights_zh = [c.weight for c in CHINESE_CITIES]
        self._cities_en = list(INTERNATIONAL_CITIES)
        self._weights_en = [c.weight for c in INTERNATIONAL_CITIES]

    def person(self, chinese: bool, female: bool) -> tuple[str, str]:
        """A person's name and its romanised form (given name first for English)."""
        rng = self.rng
        if chinese:
            surname = rng.choices(_ZH_SURNAMES, _ZH_SURNAME_WEIGHTS)[0]
            pool = _ZH_FEMALE if female else _ZH_MALE
            given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
            return surname + given, f"{_latin(surname).title()} {_latin(given).title()}"
        first = rng.choice(_EN_FEMALE if female else _EN_MALE)
        name = f"{first} {rng.choice(_EN_SURNAMES)}"
        return name, name

    def company(self, chinese: bool) -> str:
        """A company name."""
        return self.rng.choice(self.zh_companies if chinese else self.en_companies)

    def job(self, chinese: bool) -> str:
        """A job title at a customer company."""
        return self.rng.choice(self.zh_jobs if chinese else self.en_jobs)

    def city(self, chinese: bool) -> City:
        """Where a customer lives."""
        if chinese:
            return self.rng.choices(self._cities_zh, self._weights_zh)[0]
        return self.rng.choices(self._cities_en, self._weights_en)[0]

    def street(self, chinese: bool) -> str:
        """A street address line."""
        return self.rng.choice(self.zh_streets if chinese else self.en_streets)


def email_for(latin_name: str, unique: int, domain: str) -> str:
    """A plausible email for a name; ``unique`` keeps it distinct from every other one."""
    local = ".".join(part.lower() for part in latin_name.split() if part.isalpha()) or "user"
    return f"{local}.{_base36(unique * 7919 % 2_176_782_336 + 46_656)}@{domain}"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
