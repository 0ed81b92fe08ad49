"""What people type, turned into what the CRM stores, or a message saying what is wrong.

Each function raises ``ValueError`` with a message meant for the person who typed the
value; it never names the field, because the caller (or Pydantic) adds the field's path.
The ``Annotated`` types at the end apply the same rules inside request schemas.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from typing import Annotated, Final

import babel
import babel.numbers
import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator

from rapport.config import get_settings

EARLIEST_BIRTHDAY = date(1900, 1, 1)
# CLDR names groupings and placeholders that are not places a customer lives in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_COUNTRIES = frozenset(
    code
    for code in babel.Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_LUNAR = re.compile(r"(L?)([0-9]{1,2})-([0-9]{1,2})", re.IGNORECASE)
_WECHAT_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


class InputError(ValueError):
    """What is wrong with a value, in English, with a code and the figures it names, so a
    page can say it in the reader's language (``rapport.web.forms``)."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _stripped(value: str, expected: str) -> str:
    text = value.strip()
    if not text:
        raise InputError("empty", f"Nothing was entered; expected {expected}")
    return text


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL: Final = re.compile(
    rf"[a-z0-9](?:[a-z0-9_+-]|\.(?!\.)){{0,62}}(?<!\.)@(?:{_LABEL}\.)+[a-z]{{2,63}}"
)


def _plain_email(text: str) -> bool:
    """Whether ``text`` is an everyday ASCII address that email-validator would take as is.

    Imports check millions of addresses; the library is kept for everything unusual.
    """
    if len(text) > 254 or "xn--" in text or not _PLAIN_EMAIL.fullmatch(text):
        return False  # (punycode domains are shown in Unicode by the library)
    return text.rsplit(".", 1)[1] not in SPECIAL_USE_DOMAIN_NAMES


def email(value: str) -> str:
    """The address, normalised and lower-cased, with no check that its domain exists."""
    text = _stripped(value, "an email address such as name@example.com")
    if _plain_email(text.lower()):
        return text.lower()
    try:
        validated = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InputError(
            "email", f"{text!r} is not a valid email address. {error}", text=text
        ) from None
    return validated.normalized.lower()


@cache
def _example_phone(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+86 131 2345 6789"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@cache
def _mobile_pattern(region: str) -> tuple[int, re.Pattern[str]] | None:
    """The region's country code and its mobile numbers' national pattern, if it has one.

    A number written without a national prefix that matches it is one that phonenumbers
    finds valid (tests compare the two on many generated numbers per region); checking it
    directly is many times faster for long imports.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None:
        return None
    pattern = metadata.mobile.national_number_pattern
    if not pattern or metadata.country_code is None:
        return None
    prefix = metadata.national_prefix or ""
    guarded = f"(?!{re.escape(prefix)})(?:{pattern})" if prefix else f"(?:{pattern})"
    return metadata.country_code, re.compile(guarded)


def phone(value: str, *, region: str) -> str:
    """The number in E.164 (``+8613800138000``); ``region`` applies when it has no +country."""
    region = region.upper()
    # NFKC turns full-width digits, plus signs and brackets into their ASCII forms.
    text = _stripped(unicodedata.normalize("NFKC", value), "a phone number")
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    quick = _mobile_pattern(region)
    if quick is not None and digits.isdigit() and quick[1].fullmatch(digits):
        return f"+{quick[0]}{digits}"  # a mobile number in the region's own format
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if digits.startswith("+"):
        raise InputError(
            "phone",
            f"{text!r} is not a valid phone number; check the country code and the digits",
            text=text,
        )
    example = _example_phone(region)
    raise InputError(
        "phone_region",
        f"{text!r} is not a valid phone number for region {region}; "
        f"write it with +country code, e.g. {example}",
        text=text, region=region, example=example,
    )  # fmt: skip


def currency(value: str) -> str:
    """The upper-cased ISO 4217 code, such as ``CNY``."""
    code = _stripped(value, "a currency code such as CNY").upper()
    if code not in babel.numbers.list_currencies():
        raise InputError(
            "currency", f"{code!r} is not an ISO 4217 currency code; expected e.g. CNY, USD, EUR",
            text=code,
        )  # fmt: skip
    return code


def country(value: str) -> str:
    """The upper-cased ISO 3166-1 alpha-2 code, such as ``CN``."""
    code = _stripped(value, "a country code such as CN").upper()
    if code in _COUNTRIES:
        return code
    if len(code) == 2:
        raise InputError(
            "country", f"{code!r} is not an ISO 3166-1 country code; expected e.g. CN, US, GB",
            text=code,
        )  # fmt: skip
    raise InputError(
        "country",
        f"{code!r} is not a two-letter ISO 3166-1 country code; expected e.g. CN, US",
        text=code,
    )


def birthday(value: date, *, today: date | None = None) -> date:
    """The date unchanged, once it is known to be neither in the future nor before 1900."""
    if value > (today if today is not None else date.today()):
        raise InputError(
            "birthday_future", f"{value.isoformat()} is in the future; expected a date of birth",
            day=value.isoformat(),
        )  # fmt: skip
    if value < EARLIEST_BIRTHDAY:
        raise InputError(
            "birthday_early", f"{value.isoformat()} is before {EARLIEST_BIRTHDAY.isoformat()}",
            day=value.isoformat(), earliest=EARLIEST_BIRTHDAY.isoformat(),
        )  # fmt: skip
    return value


def lunar_birthday(value: str) -> str:
    """The Chinese-calendar birthday as ``MM-DD``, led by ``L`` in a leap month: ``L04-12``."""
    expected = "MM-DD, led by L for a leap month, e.g. 04-12 or L04-12"
    text = _stripped(unicodedata.normalize("NFKC", value), expected)
    match = _LUNAR.fullmatch(text)
    if match is None:
        raise InputError("lunar", f"{text!r} is not a lunar birthday; write {expected}", text=text)
    leap, month, day = match[1].upper(), int(match[2]), int(match[3])
    if not 1 <= month <= 12:
        raise InputError("lunar", f"{text!r} has month {month}; lunar months run from 1 to 12",
                         text=text)  # fmt: skip
    if not 1 <= day <= 30:
        raise InputError("lunar", f"{text!r} has day {day}; lunar months have days 1 to 30",
                         text=text)  # fmt: skip
    return f"{leap}{month:02d}-{day:02d}"


def wechat_id(value: str) -> str:
    """The WeChat ID as typed, without surrounding spaces, once its form is valid."""
    rule = "6 to 20 letters, digits, '-' or '_', starting with a letter"
    text = _stripped(value, f"a WeChat ID of {rule}")
    if not 6 <= len(text) <= 20:
        problem = f"has {len(text)} characters"
    elif not (text[0].isascii() and text[0].isalpha()):
        problem = "does not start with a letter"
    elif not _WECHAT_CHARACTERS.fullmatch(text):
        problem = "has characters other than letters, digits, '-' and '_'"
    else:
        return text
    raise InputError("wechat", f"{text!r} {problem}; a WeChat ID has {rule}", text=text)


def _phone_in_default_region(value: str) -> str:
    return phone(value, region=get_settings().default_region)


Email = Annotated[str, AfterValidator(email)]
Phone = Annotated[str, AfterValidator(_phone_in_default_region)]
Currency = Annotated[str, AfterValidator(currency)]
Country = Annotated[str, AfterValidator(country)]
Birthday = Annotated[date, AfterValidator(birthday)]
LunarBirthday = Annotated[str, AfterValidator(lunar_birthday)]
WeChatId = Annotated[str, AfterValidator(wechat_id)]
