"""Sign-in limits: per account and address, per account, per address; counted in memory."""

from __future__ import annotations

import pytest

from rapport.config import Settings
from rapport.errors import TooManyRequests
from rapport.ratelimit import ACCOUNT_FACTOR, ADDRESS_FACTOR, Limiter


def _limiter() -> Limiter:
    return Limiter.from_settings(Settings(login_attempts=2, login_window_minutes=15))


def test_one_account_from_one_address_gets_the_set_number_of_attempts() -> None:
    limits = _limiter()
    limits.attempt_login("a@example.com", "10.0.0.1")
    limits.attempt_login("a@example.com", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        limits.attempt_login("a@example.com", "10.0.0.1")
    assert 0 < refused.value.retry_after <= 15 * 60


def test_signing_in_starts_the_count_again() -> None:
    limits = _limiter()
    limits.attempt_login("a@example.com", "10.0.0.1")
    limits.attempt_login("a@example.com", "10.0.0.1")
    limits.signed_in("a@example.com", "10.0.0.1")
    limits.attempt_login("a@example.com", "10.0.0.1")


def test_guessing_one_account_from_many_addresses_is_limited() -> None:
    limits = _limiter()
    for n in range(2 * ACCOUNT_FACTOR):
        limits.attempt_login("a@example.com", f"10.0.{n}.1")
    with pytest.raises(TooManyRequests):
        limits.attempt_login("a@example.com", "10.9.9.9")


def test_guessing_many_accounts_from_one_address_is_limited() -> None:
    limits = _limiter()
    for n in range(2 * ADDRESS_FACTOR):
        limits.attempt_login(f"user{n}@example.com", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        limits.attempt_login("another@example.com", "10.0.0.1")
    limits.attempt_login("another@example.com", "10.0.0.2")  # other addresses are not blocked


def test_api_requests_beyond_the_rate_are_refused_with_a_wait() -> None:
    limits = Limiter.from_settings(Settings(api_rate_limit="3/minute"))
    for _ in range(3):
        limits.request("token:1")
    with pytest.raises(TooManyRequests) as refused:
        limits.request("token:1")
    assert 0 < refused.value.retry_after <= 60
    limits.request("token:2")
