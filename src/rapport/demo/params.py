"""The parameters of the demo data: every knob of the generating process, with defaults.

The defaults give about ten orders per customer record, so ``--customers 100000`` makes
roughly a million orders. See docs/demo.md for what each process means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ChannelSpec:
    """An acquisition channel: its share of new leads and its true lead→customer rate."""

    name: str
    share: float
    conversion_rate: float
    cost_per_lead: float  # yuan spent on campaigns per lead acquired


DEFAULT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("organic_search", 0.20, 0.55, 0.0),
    ChannelSpec("paid_search", 0.18, 0.45, 38.0),
    ChannelSpec("social", 0.14, 0.35, 22.0),
    ChannelSpec("wechat", 0.16, 0.60, 15.0),
    ChannelSpec("referral", 0.10, 0.80, 50.0),
    ChannelSpec("trade_show", 0.07, 0.50, 120.0),
    ChannelSpec("email", 0.07, 0.40, 5.0),
    ChannelSpec("direct", 0.08, 0.70, 0.0),
)


@dataclass(frozen=True)
class PurchaseParams:
    """BG/NBD purchasing (Fader, Hardie & Lee 2005) with Gamma-Gamma spend (Fader et al. 2005).

    While alive a customer makes repeat purchases as a Poisson process with rate λ per day,
    λ ~ Gamma(shape r, rate alpha). After each repeat purchase the customer drops out for
    good with probability p, p ~ Beta(a, b). Each order's value (yuan) is Gamma(shape
    spend_p, rate ν) with ν ~ Gamma(shape spend_q, rate spend_gamma), so its mean is
    spend_p / ν.
    """

    r: float = 0.9
    alpha: float = 10.0
    a: float = 0.55
    b: float = 9.0
    spend_p: float = 4.0
    spend_q: float = 3.5
    spend_gamma: float = 240.0


@dataclass(frozen=True)
class WebFunnelParams:
    """Each shop session goes view → cart → checkout → payment; these are its step rates."""

    view_to_cart: float = 0.40
    cart_to_checkout: float = 0.65
    payment_success: float = 0.92
    window_days: int = 60  # events are kept for the last this many days before ``end``


@dataclass(frozen=True)
class PipelineParams:
    """How company leads move through the sales pipeline.

    Stage durations are log-normal with the given medians (days) and spread ``sigma``;
    a deal that does not convert is lost at stage k with probability ∝ ``loss_weights[k]``.
    """

    stage_median_days: tuple[float, ...] = (3.0, 5.0, 10.0, 8.0, 12.0)
    sigma: float = 0.6
    loss_weights: tuple[float, ...] = (0.30, 0.25, 0.20, 0.15, 0.10)
    deal_value_median: float = 18000.0  # yuan, log-normal
    deal_value_sigma: float = 0.8


@dataclass(frozen=True)
class DemoParams:
    """Everything that shapes the demo data; the same params and seed give the same data."""

    customers: int = 1000
    seed: int = 42
    end: date | None = None  # the day the data ends ("today" of the demo); None: today
    history_days: int = 1095
    growth: float = 1.5  # lead inflow at the end is (1 + growth) × that at the start
    company_share: float = 0.10  # customer records that are companies (sold through deals)
    contact_share: float = 0.06  # people who are contacts at a company and do not buy
    chinese_share: float = 0.75  # customers with Chinese names (and Chinese texts)
    channels: tuple[ChannelSpec, ...] = DEFAULT_CHANNELS
    purchase: PurchaseParams = field(default_factory=PurchaseParams)
    web: WebFunnelParams = field(default_factory=WebFunnelParams)
    pipeline: PipelineParams = field(default_factory=PipelineParams)
    conversion_delay_days: float = 21.0  # mean days from lead to first purchase (people)
    online_share: float = 0.6  # share of people's orders placed in the web shop
    faulty_sku: str = "PE-DCK-01"  # a product with a defect that drives customers away
    faulty_extra_dropout: float = 0.25  # extra drop-out chance after buying it (0: pure BG/NBD)
    cancelled_order_rate: float = 0.03  # extra cancelled orders per purchase (not purchases)
    refunded_order_rate: float = 0.02  # extra refunded orders per purchase (not purchases)
    ticket_rate: float = 0.04  # tickets per order
    faulty_ticket_rate: float = 0.5  # tickets per order containing the faulty product
    csat_rate: float = 0.12  # CSAT answers per order
    nps_rate_per_year: float = 0.8  # NPS answers per customer-year while active
    ces_rate: float = 0.5  # CES answers per resolved ticket
    unhappy_window_days: float = 120.0  # answers this close before drop-out are unhappy
    touch_rate_per_year: float = 3.0  # rep check-ins per customer-year while active
    reps: int = 16
    teams: int = 4
    agents: int = 6
    batch_size: int = 5000

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers: must be at least 1")
        shares = sum(c.share for c in self.channels)
        if abs(shares - 1.0) > 1e-9:
            raise ValueError(f"channels: shares must add up to 1, not {shares}")
        if self.company_share + self.contact_share >= 1:
            raise ValueError("company_share + contact_share: must be below 1")
        if len(self.pipeline.stage_median_days) != len(self.pipeline.loss_weights):
            raise ValueError("pipeline: one loss weight per open stage")
