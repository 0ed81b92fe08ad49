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


@dataclass(frozen=True)
class Limiter:
    """The rate limits of one app: API requests per token, failed sign-ins per account."""

    window: strategies.MovingWindowRateLimiter
    api: RateLimitItem
    logins: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        """The limits the settings ask for, counted where they say (Redis or memory)."""
        backend = storage.storage_from_string(settings.redis_url or "memory://")
        minutes = settings.login_window_minutes
        return cls(
            window=strategies.MovingWindowRateLimiter(backend),
            api=parse(settings.api_rate_limit),
            logins=RateLimitItemPerMinute(settings.login_attempts, minutes),
        )

    def _wait(self, item: RateLimitItem, *key: str) -> int:
        reset = self.window.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def request(self, key: str) -> None:
        """Count one API request by ``key``; TooManyRequests beyond the rate."""
        if not self.window.hit(self.api, "api", key):
            wait = self._wait(self.api, "api", key)
            raise TooManyRequests(f"rate limit of {self.api} reached; slow down", wait)

    def check_login(self, key: str) -> None:
        """TooManyRequests if ``key`` (account and address) has used up its failed sign-ins."""
        if not self.window.test(self.logins, "login", key):
            wait = self._wait(self.logins, "login", key)
            raise TooManyRequests("too many failed sign-ins; try again later", wait)

    def failed_login(self, key: str) -> None:
        """Count one failed sign-in of ``key``."""
        self.window.hit(self.logins, "login", key)

    def reset_login(self, key: str) -> None:
        """Forget the failed sign-ins of ``key`` (after it signs in)."""
        self.window.clear(self.logins, "login", key)
