"""Validation errors in words: pydantic's error types and the normaliser's refusals as
gettext templates, which the forms and the import wizard say in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rapport.i18n import N_
from rapport.normalize import InputError

# Pydantic's error types, in words a person reads beside a form field or an imported row.
MESSAGES: Final = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This is too long."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "greater_than_equal": N_("This number is too small."),
    "greater_than": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "less_than": N_("This number is too large."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "datetime_parsing": N_("Enter a date and time."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "bool_parsing": N_("Choose yes or no."),
    "extra_forbidden": N_("This field is not expected here."),
}


# The normaliser's refusals (``rapport.normalize.InputError``) by code, in words.
INPUT_MESSAGES: Final = {
    "empty": N_("This field is required."),
    "email": N_("“%(text)s” is not an email address."),
    "phone": N_("“%(text)s” is not a phone number; check the country code and the digits."),
    "phone_region": N_("“%(text)s” is not a phone number of region %(region)s; write it with "
                       "+country code, e.g. %(example)s."),
    "currency": N_("“%(text)s” is not a currency code such as CNY, USD or EUR."),
    "country": N_("“%(text)s” is not a two-letter country code such as CN, US or GB."),
    "birthday_future": N_("%(day)s is in the future."),
    "birthday_early": N_("%(day)s is before %(earliest)s."),
    "lunar": N_("“%(text)s” is not a lunar birthday: write MM-DD, with L before a leap month "
                "(04-12, L04-12)."),
    "wechat": N_("“%(text)s” is not a WeChat ID: 6 to 20 letters, digits, - or _, starting "
                 "with a letter."),
}  # fmt: skip


def worded(error: Mapping[str, Any]) -> tuple[str, Mapping[str, object]] | None:
    """The template and params that say a pydantic error in words, if there are any."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, InputError) and cause.code in INPUT_MESSAGES:
        return INPUT_MESSAGES[cause.code], cause.params
    known = MESSAGES.get(str(error.get("type", "")))
    return None if known is None else (known, {})
