"""Rate limits on API use and on sign-in attempts, counted in memory or in Redis.

The counting is the ``limits`` library's moving window; this module only names the
limits Rapport keeps and turns a refusal into ``TooManyRequests`` with its wait.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, parse, storage, strategies

from rapport.config import Settings
from rapport.errors import TooManyRequests

ACCOUNT_FACTOR = 4  # attempts on one account from anywhere: this many times the setting
ADDRESS_FACTOR = 20  # attempts from one address on any account


@dataclass(frozen=True)
class Limiter:
    """The rate limits of one app: API requests per token, failed sign-ins per account."""

    window: strategies.MovingWindowRateLimiter
    api: RateLimitItem
    logins: RateLimitItem  # per account and address
    account_logins: RateLimitItem  # per account, from anywhere
    address_logins: RateLimitItem  # per address, for any account

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        """The limits the settings ask for, counted where they say (Redis or memory)."""
        backend = storage.storage_from_string(settings.redis_url or "memory://")
        minutes = settings.login_window_minutes
        attempts = settings.login_attempts
        return cls(
            window=strategies.MovingWindowRateLimiter(backend),
            api=parse(settings.api_rate_limit),
            logins=RateLimitItemPerMinute(attempts, minutes),
            # Guessing spread over many addresses, or over many accounts from one address.
            account_logins=RateLimitItemPerMinute(attempts * ACCOUNT_FACTOR, minutes),
            address_logins=RateLimitItemPerMinute(attempts * ADDRESS_FACTOR, minutes),
        )

    def _wait(self, item: RateLimitItem, *key: str) -> int:
        reset = self.window.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def request(self, key: str) -> None:
        """Count one API request by ``key``; TooManyRequests beyond the rate."""
        if not self.window.hit(self.api, "api", key):
            wait = self._wait(self.api, "api", key)
            raise TooManyRequests(f"rate limit of {self.api} reached; slow down", wait)

    def attempt_login(self, account: str, address: str) -> None:
        """Count a sign-in attempt before the password is checked; TooManyRequests when
        the account from this address, the account, or the address has had too many."""
        counters = (
            (self.logins, ("login", account, address)),
            (self.account_logins, ("login-account", account)),
            (self.address_logins, ("login-address", address)),
        )
        for item, key in counters:
            if not self.window.hit(item, *key):
                wait = self._wait(item, *key)
                raise TooManyRequests("too many sign-in attempts; try again later", wait)

    def signed_in(self, account: str, address: str) -> None:
        """Forget the account's attempts after it signed in (the address keeps its count)."""
        self.window.clear(self.logins, "login", account, address)
        self.window.clear(self.account_logins, "login-account", account)
