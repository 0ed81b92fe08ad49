"""Normalisation: typed values become stored values, and bad ones get a human message."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ValidationError

from rapport import normalize
from rapport.config import get_settings
from rapport.normalize import (
    Birthday,
    Country,
    Currency,
    Email,
    LunarBirthday,
    Phone,
    WeChatId,
)

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        " 138 0013 8000 ",
        "138-0013-8000",
        "138.0013.8000",
        "(138) 0013 8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "008613800138000",
        "0086 138 0013 8000",
        "１３８００１３８０００",
        "＋８６ １３８－００１３－８０００",
        "００８６１３８００１３８０００",
    ],
)
def test_chinese_mobile_numbers_become_e164(typed: str) -> None:
    assert normalize.phone(typed, region="CN") == "+8613800138000"


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("(202) 555-0123", "US", "+12025550123"),
        ("202.555.0123", "US", "+12025550123"),
        ("+1 202 555 0123", "CN", "+12025550123"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("07400 123456", "GB", "+447400123456"),
        ("07400 123456", "gb", "+447400123456"),
        ("0044 7400 123456", "US", "+447400123456"),
        ("+44 (0)20 7946 0018", "CN", "+442079460018"),
        ("010 1234 5678", "CN", "+861012345678"),
    ],
)
def test_numbers_follow_their_region_or_country_code(typed: str, region: str, stored: str) -> None:
    assert normalize.phone(typed, region=region) == stored


@pytest.mark.parametrize(
    ("typed", "region", "message"),
    [
        (
            "12345",
            "CN",
            "'12345' is not a valid phone number for region CN; "
            "write it with +country code, e.g. +86 131 2345 6789",
        ),
        ("13800138000", "US", "'13800138000' is not a valid phone number for region US;"),
        ("1380013800", "CN", "'1380013800' is not a valid phone number for region CN;"),
        ("call me", "CN", "'call me' is not a valid phone number for region CN;"),
        ("13800138000", "XX", "'13800138000' is not a valid phone number for region XX;"),
        ("+86 12345", "CN", "'+86 12345' is not a valid phone number; check the country code"),
        ("+999 1234", "CN", "'+999 1234' is not a valid phone number; check the country code"),
        ("   ", "CN", "Nothing was entered; expected a phone number"),
    ],
)
def test_invalid_numbers_are_refused_with_a_hint(typed: str, region: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.phone(typed, region=region)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  jane@example.com\t", "jane@example.com"),
        ("Max@Bücher.DE", "max@bücher.de"),
        ("max@xn--bcher-kva.de", "max@bücher.de"),
        ("李雷@例子.中国", "李雷@例子.中国"),
        ("ÄÖ@MÜNCHEN.de", "äö@münchen.de"),
    ],
)
def test_emails_are_normalised_and_lower_cased(typed: str, stored: str) -> None:
    assert normalize.email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("jane", "'jane' is not a valid email address. An email address must have an @-sign."),
        (
            "jane@",
            "'jane@' is not a valid email address. There must be something after the @-sign.",
        ),
        (
            "jane@localhost",
            "'jane@localhost' is not a valid email address. "
            "The part after the @-sign is not valid. It should have a period.",
        ),
        (
            "jane doe@example.com",
            "'jane doe@example.com' is not a valid email address. "
            "The email address contains invalid characters before the @-sign: SPACE.",
        ),
        ("", "Nothing was entered; expected an email address such as name@example.com"),
    ],
)
def test_invalid_emails_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.email(typed)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("typed", "stored"), [("CNY", "CNY"), ("usd", "USD"), (" eur ", "EUR"), ("Jpy", "JPY")]
)
def test_known_currencies_are_upper_cased(typed: str, stored: str) -> None:
    assert normalize.currency(typed) == stored


@pytest.mark.parametrize("typed", ["RMB", "US$", "ABC", "yuan", "€"])
def test_unknown_currencies_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"is not an ISO 4217 currency code; expected e\.g\. CNY"):
        normalize.currency(typed)


@pytest.mark.parametrize(
    ("typed", "stored"), [("CN", "CN"), ("us", "US"), (" gb ", "GB"), ("Hk", "HK"), ("XK", "XK")]
)
def test_known_countries_are_upper_cased(typed: str, stored: str) -> None:
    assert normalize.country(typed) == stored


@pytest.mark.parametrize("typed", ["QQ", "XX", "ZZ", "EU", "UN", "1A"])
def test_unknown_countries_are_refused(typed: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.country(typed)
    assert str(raised.value) == (
        f"'{typed.upper()}' is not an ISO 3166-1 country code; expected e.g. CN, US, GB"
    )


@pytest.mark.parametrize("typed", ["CHN", "usa", "China", "C"])
def test_countries_need_two_letters(typed: str) -> None:
    with pytest.raises(ValueError, match=r"is not a two-letter ISO 3166-1 country code"):
        normalize.country(typed)


@pytest.mark.parametrize("born", [date(1900, 1, 1), date(1985, 4, 2), TODAY])
def test_possible_birthdays_are_kept(born: date) -> None:
    assert normalize.birthday(born, today=TODAY) == born


def test_future_birthdays_are_refused() -> None:
    with pytest.raises(ValueError) as raised:
        normalize.birthday(date(2024, 6, 2), today=TODAY)
    assert str(raised.value) == "2024-06-02 is in the future; expected a date of birth"


def test_birthdays_before_1900_are_refused() -> None:
    with pytest.raises(ValueError) as raised:
        normalize.birthday(date(1899, 12, 31), today=TODAY)
    assert str(raised.value) == "1899-12-31 is before 1900-01-01"


def test_birthday_defaults_to_the_real_today() -> None:
    with pytest.raises(ValueError, match="in the future"):
        normalize.birthday(date(9999, 1, 1))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("04-02", "04-02"),
        ("4-2", "04-02"),
        ("12-30", "12-30"),
        ("1-1", "01-01"),
        ("L04-12", "L04-12"),
        ("l4-12", "L04-12"),
        (" L4-2 ", "L04-02"),
        ("０４-１２", "04-12"),
    ],
)
def test_lunar_birthdays_become_mm_dd(typed: str, stored: str) -> None:
    assert normalize.lunar_birthday(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("13-01", "'13-01' has month 13; lunar months run from 1 to 12"),
        ("00-10", "'00-10' has month 0; lunar months run from 1 to 12"),
        ("04-31", "'04-31' has day 31; lunar months have days 1 to 30"),
        ("L04-00", "'L04-00' has day 0; lunar months have days 1 to 30"),
    ],
)
def test_lunar_months_and_days_out_of_range_are_refused(typed: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.lunar_birthday(typed)
    assert str(raised.value) == message


@pytest.mark.parametrize("typed", ["0412", "04/12", "2024-04-12", "X04-12", "LL04-12", "四月十二"])
def test_lunar_birthdays_in_other_forms_are_refused(typed: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.lunar_birthday(typed)
    assert str(raised.value) == (
        f"'{typed}' is not a lunar birthday; "
        "write MM-DD, led by L for a leap month, e.g. 04-12 or L04-12"
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("wxid_abc", "wxid_abc"),
        ("Zhang-San_88", "Zhang-San_88"),
        ("  abcdef  ", "abcdef"),
        ("a" * 20, "a" * 20),
    ],
)
def test_wechat_ids_are_kept_as_typed(typed: str, stored: str) -> None:
    assert normalize.wechat_id(typed) == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("abcde", "has 5 characters"),
        ("a" * 21, "has 21 characters"),
        ("8zhangsan", "does not start with a letter"),
        ("_zhangsan", "does not start with a letter"),
        ("zhang.san", "has characters other than letters, digits, '-' and '_'"),
        ("zhang san", "has characters other than letters, digits, '-' and '_'"),
        ("zhang张三", "has characters other than letters, digits, '-' and '_'"),
    ],
)
def test_malformed_wechat_ids_are_refused(typed: str, problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize.wechat_id(typed)
    assert str(raised.value) == (
        f"'{typed}' {problem}; a WeChat ID has 6 to 20 letters, digits, '-' or '_', "
        "starting with a letter"
    )


class Contact(BaseModel):
    email: Email
    phone: Phone
    currency: Currency = "CNY"
    country: Country = "CN"
    birthday: Birthday | None = None
    lunar_birthday: LunarBirthday | None = None
    wechat_id: WeChatId | None = None


@pytest.fixture
def settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings read afresh, with no ``RAPPORT_DEFAULT_REGION`` or ``.env`` from the machine."""
    monkeypatch.delenv("RAPPORT_DEFAULT_REGION", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("settings_from_environment")
def test_a_schema_normalises_every_field() -> None:
    contact = Contact.model_validate(
        {
            "email": "Jane@Example.com",
            "phone": "138 0013 8000",
            "currency": "usd",
            "country": "us",
            "birthday": "1985-04-02",
            "lunar_birthday": "l4-12",
            "wechat_id": " Jane_1985 ",
        }
    )
    assert contact.model_dump() == {
        "email": "jane@example.com",
        "phone": "+8613800138000",
        "currency": "USD",
        "country": "US",
        "birthday": date(1985, 4, 2),
        "lunar_birthday": "L04-12",
        "wechat_id": "Jane_1985",
    }


@pytest.mark.usefixtures("settings_from_environment")
@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "email",
            "jane",
            "'jane' is not a valid email address. An email address must have an @-sign.",
        ),
        ("phone", "12345", "'12345' is not a valid phone number for region CN; "),
        ("currency", "RMB", "'RMB' is not an ISO 4217 currency code; expected e.g. CNY, USD, EUR"),
        (
            "country",
            "CHN",
            "'CHN' is not a two-letter ISO 3166-1 country code; expected e.g. CN, US",
        ),
        ("birthday", "1899-12-31", "1899-12-31 is before 1900-01-01"),
        ("lunar_birthday", "13-01", "'13-01' has month 13; lunar months run from 1 to 12"),
        ("wechat_id", "abc", "'abc' has 3 characters; a WeChat ID has 6 to 20"),
    ],
)
def test_a_schema_error_names_the_field_and_carries_the_message(
    field: str, typed: str, message: str
) -> None:
    data = {"email": "jane@example.com", "phone": "13800138000", field: typed}
    with pytest.raises(ValidationError) as raised:
        Contact.model_validate(data)
    [error] = raised.value.errors()
    assert error["loc"] == (field,)
    assert error["type"] == "value_error"
    assert error["msg"].startswith(f"Value error, {message}")


@pytest.mark.usefixtures("settings_from_environment")
def test_phone_follows_the_configured_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Contact(email="jane@example.com", phone="202 555 0123").phone == "+862025550123"

    monkeypatch.setenv("RAPPORT_DEFAULT_REGION", "US")
    get_settings.cache_clear()
    assert Contact(email="jane@example.com", phone="(202) 555-0123").phone == "+12025550123"
    with pytest.raises(ValidationError) as raised:
        Contact(email="jane@example.com", phone="13800138000")
    [error] = raised.value.errors()
    assert error["loc"] == ("phone",)
    assert "is not a valid phone number for region US; write it with +country code" in error["msg"]


@pytest.mark.parametrize("region", ["CN", "US", "GB", "DE", "HK", "SG", "JP"])
def test_the_fast_path_agrees_with_phonenumbers(region: str) -> None:
    """Generated numbers of every length the region uses give the library's answer."""
    rng = random.Random(region)
    for _ in range(4000):
        digits = str(rng.randint(1, 9)) + "".join(
            str(rng.randint(0, 9)) for _ in range(rng.randint(6, 11))
        )
        try:
            parsed = phonenumbers.parse(digits, region)
            valid = phonenumbers.is_valid_number(parsed)
            expected: str | None = (
                phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                if valid
                else None
            )
        except phonenumbers.NumberParseException:
            expected = None
        try:
            got: str | None = normalize.phone(digits, region=region)
        except ValueError:
            got = None
        assert got == expected, (region, digits)


@pytest.mark.parametrize(
    "address",
    ["a@example.com", "first.last+tag@mail.example.cn", "x_y-z@sub.domain.co.uk",
     "a..b@example.com", ".a@example.com", "a.@example.com", "a@-x.com", "a@x-.com",
     "a@x.test", "a@localhost", "a@x.c", "a@123.456", "名字@example.com"],
)  # fmt: skip
def test_the_email_fast_path_agrees_with_email_validator(address: str) -> None:
    try:
        expected: str | None = validate_email(
            address, check_deliverability=False
        ).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalize.email(address)
    except ValueError:
        got = None
    assert got == expected
