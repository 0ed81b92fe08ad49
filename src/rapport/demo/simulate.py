"""Simulates customers batch by batch: leads, deals, purchases, service, surveys, events.

Each batch of customers becomes rows for every table plus one ground-truth record per
customer. The state kept between batches is small (a few numbers per customer), so
memory stays flat however many customers are generated.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rapport.customers.lifecycle import LifecycleThresholds, stage_at
from rapport.demo.activity import Activity
from rapport.demo.catalog import COMPLEMENTS
from rapport.demo.names import NameMaker, email_for
from rapport.demo.params import DemoParams
from rapport.demo.places import phone_number
from rapport.demo.texts import LOST_REASONS
from rapport.demo.world import Rows, World


@dataclass
class Counters:
    """The next id of each table whose ids the generator hands out itself."""

    ids: dict[str, int] = field(default_factory=dict)

    def next(self, table: str) -> int:
        """The next id for ``table``."""
        value = self.ids.get(table, 0) + 1
        self.ids[table] = value
        return value


@dataclass
class Purchase:
    """One paid order as the simulation sees it."""

    day: float
    order_id: int
    skus: list[str]
    value: float
    online: bool


class Simulator:
    """Draws the whole history of one batch of customers at a time."""

    def __init__(self, params: DemoParams, world: World, thresholds: LifecycleThresholds) -> None:
        self.params = params
        self.world = world
        self.names = NameMaker(params.seed)
        self.counters = Counters()
        n = params.customers
        seeder = np.random.default_rng(params.seed)
        # Lead inflow grows linearly: density ∝ 1 + growth·x on [0, 1]; invert its CDF.
        u = np.sort(seeder.random(n))
        g = params.growth
        x = u if g == 0 else (np.sqrt(1 + g * (2 + g) * u) - 1) / g
        self.created_day = x * world.horizon * 0.999
        self.first_purchase_day = np.full(n + 1, np.nan)
        self.company_ids: list[int] = []
        self.converted_ids: list[int] = []
        self.rep_month_revenue: dict[tuple[int, int], float] = {}
        self.faulty = params.faulty_sku
        self.channel_names = [c.name for c in params.channels]
        self.channel_shares = [c.share for c in params.channels]
        self.channel_rates = {c.name: c.conversion_rate for c in params.channels}
        self.thresholds = thresholds

    def batch(
        self, first_id: int, count: int, batch_index: int
    ) -> tuple[Rows, list[dict[str, Any]]]:
        """Rows for customers ``first_id`` … ``first_id + count − 1``, and their truth."""
        p = self.params
        rng = random.Random(p.seed * 1_000_003 + batch_index)
        nrng = np.random.default_rng([p.seed, batch_index])
        pp = p.purchase
        lam = nrng.gamma(pp.r, 1.0 / pp.alpha, count)
        drop = nrng.beta(pp.a, pp.b, count)
        nu = nrng.gamma(pp.spend_q, 1.0 / pp.spend_gamma, count)
        rows: Rows = {}
        truth: list[dict[str, Any]] = []
        activity = Activity(p, self.world, rng, self.counters, rows, self.names)
        for k in range(count):
            cid = first_id + k
            record = self._customer(cid, rng, activity, float(lam[k]), float(drop[k]), float(nu[k]))
            customer = rows["customers"][-1]
            stage = stage_at(
                contacted=record.pop("_contacted"),
                purchase_days=record.pop("_days"),
                as_of=self.world.horizon,
                thresholds=self.thresholds,
            )
            customer["lifecycle_stage"] = stage.value
            customer["lifecycle_changed_at"] = customer["updated_at"]
            truth.append(record)
        return rows, truth

    # -- one customer -------------------------------------------------------------------

    def _customer(
        self, cid: int, rng: random.Random, act: Activity, lam: float, drop: float, nu: float
    ) -> dict[str, Any]:
        p, world = self.params, self.world
        created = float(self.created_day[cid - 1])
        roll = rng.random()
        kind = "person"
        if roll < p.company_share:
            kind = "company"
        elif roll < p.company_share + p.contact_share and self.company_ids:
            kind = "contact"
        chinese = rng.random() < p.chinese_share
        channel = rng.choices(self.channel_names, self.channel_shares)[0]
        owner = rng.choice(world.rep_ids)
        converts = kind != "contact" and rng.random() < self.channel_rates[channel]
        customer = self._profile(cid, kind, chinese, channel, owner, created, rng)
        act.add("customers", customer)

        truth: dict[str, Any] = {
            "customer_id": cid,
            "kind": kind,
            "channel": channel,
            "converts": converts,
            "converted_by_end": False,
            "lambda": lam,
            "p": drop,
            "nu": nu,
            "alive_at_end": None,
            "dropout_day": None,
            "first_purchase_day": None,
            "purchases": 0,
            "bought_faulty": False,
            "unhappy_answers": 0,
            "_contacted": kind == "company",
            "_days": [],
        }
        if kind == "contact":
            return truth

        first_day: float | None
        deal_skus: list[str] = []
        deal_id = None
        if kind == "company":
            first_day, deal_id, deal_skus, deal_value = self._deal(
                cid, owner, channel, created, converts, rng, act
            )
        else:
            contacted = rng.random() < (0.7 if converts else 0.6)
            truth["_contacted"] = contacted
            if contacted:
                act.lead_touches(cid, owner, created, chinese, converts)
            first_day = (
                created + rng.gammavariate(2.0, p.conversion_delay_days / 2) if converts else None
            )
            deal_value = 0.0
        if first_day is None or first_day >= world.horizon:
            return truth

        # Converted: the first purchase, then BG/NBD repeat purchases with drop-out.
        truth["converted_by_end"] = True
        truth["first_purchase_day"] = first_day
        self.first_purchase_day[cid] = first_day
        self.converted_ids.append(cid)
        purchases: list[Purchase] = []
        online_share = 0.0 if kind == "company" else p.online_share
        value = deal_value if deal_id else rng.gammavariate(p.purchase.spend_p, 1.0 / nu)
        skus = deal_skus or self._basket(value, customer["_pref"], rng)
        purchases.append(
            self._order(
                cid,
                owner,
                channel,
                first_day,
                skus,
                value,
                rng.random() < online_share,
                deal_id,
                rng,
                act,
            )
        )
        dropout: float | None = None
        if self.faulty in skus and rng.random() < p.faulty_extra_dropout:
            dropout = first_day
        t = first_day
        while dropout is None:
            t += rng.expovariate(lam) if lam > 0 else math.inf
            if t >= world.horizon:
                break
            value = rng.gammavariate(p.purchase.spend_p, 1.0 / nu)
            skus = self._basket(value, customer["_pref"], rng)
            purchases.append(
                self._order(
                    cid, owner, channel, t, skus, value, rng.random() < online_share, None, rng, act
                )
            )
            extra = p.faulty_extra_dropout if self.faulty in skus else 0.0
            if rng.random() < drop or rng.random() < extra:
                dropout = t
        end_of_life = dropout if dropout is not None else world.horizon
        truth["_days"] = [o.day for o in purchases]
        truth.update(
            alive_at_end=dropout is None,
            dropout_day=dropout,
            purchases=len(purchases),
            bought_faulty=any(self.faulty in o.skus for o in purchases),
        )
        truth["unhappy_answers"] = act.after_sales(
            cid, owner, chinese, purchases, dropout, end_of_life
        )
        act.tags_for(cid, kind, len(purchases), deal_value)
        for o in purchases:
            month = int(o.day // 30.4375)
            key = (owner, month)
            self.rep_month_revenue[key] = self.rep_month_revenue.get(key, 0.0) + o.value
        customer["updated_at"] = world.at(max(o.day for o in purchases))
        return truth

    def _profile(
        self,
        cid: int,
        kind: str,
        chinese: bool,
        channel: str,
        owner: int,
        created: float,
        rng: random.Random,
    ) -> dict[str, Any]:
        world, names = self.world, self.names
        city = names.city(chinese)
        female = rng.random() < 0.5
        company_id = None
        if kind == "company":
            name = names.company(chinese)
            latin = name if not chinese else None
            self.company_ids.append(cid)
        else:
            name, latin = names.person(chinese, female)
            if kind == "contact":
                company_id = rng.choice(self.company_ids)
        domain = "example.cn" if chinese else "example.com"
        email = email_for(latin or f"info {cid}", cid, domain) if rng.random() < 0.85 else None
        phone = phone_number(city.country, rng.randrange(100), cid) if rng.random() < 0.9 else None
        referred_by = self._referrer(created, rng) if channel == "referral" else None
        campaign_id = self._campaign(channel, created)
        at = world.at(created)
        birthday = None
        if kind != "company" and rng.random() < 0.6:
            birthday = world.start.date().replace(
                year=world.start.year - rng.randint(22, 60),
                month=rng.randint(1, 12),
                day=rng.randint(1, 28),
            )
        cats = list(world.skus_by_category)
        row: dict[str, Any] = {
            "id": cid,
            "kind": kind if kind != "contact" else "person",
            "external_id": None,
            "name": name,
            "name_latin": latin,
            "email": email,
            "phone": phone,
            "wechat_id": f"wx_{email.split('@')[0][:20]}"
            if chinese and email and rng.random() < 0.6
            else None,
            "gender": None if kind == "company" else ("female" if female else "male"),
            "birthday": birthday,
            "birthday_lunar": None,
            "language": "zh_CN" if chinese else "en",
            "country": city.country,
            "province": city.province,
            "city": city.city,
            "district": rng.choice(city.districts),
            "street": names.street(city.country == "CN"),
            "postcode": city.postcode,
            "company_id": company_id,
            "job_title": names.job(chinese) if kind == "contact" else None,
            "industry": rng.choice(["制造业", "互联网", "教育", "医疗", "零售", "金融"])
            if kind == "company"
            else None,
            "employee_count": int(rng.lognormvariate(4, 1.2)) + 5 if kind == "company" else None,
            "annual_revenue_minor": None,
            "website": None,
            "tax_id": None,
            "channel": channel,
            "campaign_id": campaign_id,
            "owner_id": owner,
            "referred_by_id": referred_by,
            "lifecycle_stage": "lead",
            "lifecycle_stage_override": None,
            "lifecycle_changed_at": None,
            "custom_fields": {"preferred_contact": rng.choice(["phone", "wechat", "email"])}
            if rng.random() < 0.4
            else {},
            "notes": None,
            "marketing_opt_out": False,
            "marketing_opt_out_at": None,
            "anonymised_at": None,
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
            "_pref": rng.choice(cats),
        }
        return row

    def _referrer(self, created: float, rng: random.Random) -> int | None:
        for _ in range(5):
            if not self.converted_ids:
                return None
            candidate = rng.choice(self.converted_ids)
            if self.first_purchase_day[candidate] < created:
                return candidate
        return None

    def _campaign(self, channel: str, created: float) -> int | None:
        for cid, first, last in self.world.campaigns.get(channel, []):
            if first <= created <= last:
                return cid
        return None

    # -- purchases ----------------------------------------------------------------------

    def _basket(self, value: float, preferred: str, rng: random.Random) -> list[str]:
        """Products for an order worth ``value``: one from the preferred category, maybe a
        complement of it, sometimes something from elsewhere."""
        world = self.world
        category = preferred if rng.random() < 0.7 else rng.choice(list(world.skus_by_category))
        skus = world.skus_by_category[category]
        affordable = [s for s in skus if world.product_price[s] <= value * 1.5] or skus[:1]
        first = rng.choice(affordable)
        basket = [first]
        complements = COMPLEMENTS.get(first)
        if complements and rng.random() < 0.45:
            basket.append(rng.choice(complements))
        return basket

    def _order(
        self,
        cid: int,
        owner: int,
        channel: str,
        day: float,
        skus: list[str],
        value: float,
        online: bool,
        deal_id: int | None,
        rng: random.Random,
        act: Activity,
    ) -> Purchase:
        oid = act.order(cid, owner, day, skus, value, "paid", online, deal_id)
        if rng.random() < self.params.cancelled_order_rate:
            act.side_order(cid, owner, day, skus, value, "cancelled", online)
        if rng.random() < self.params.refunded_order_rate:
            act.side_order(cid, owner, day, skus, value, "refunded", online)
        return Purchase(day=day, order_id=oid, skus=skus, value=value, online=online)

    # -- deals --------------------------------------------------------------------------

    def _deal(
        self,
        cid: int,
        owner: int,
        channel: str,
        created: float,
        converts: bool,
        rng: random.Random,
        act: Activity,
    ) -> tuple[float | None, int | None, list[str], float]:
        """Walk a company's deal through the pipeline; the day it was won (or None)."""
        p, world = self.params.pipeline, self.world
        n_open = len(world.open_stage_ids)
        lost_at = None if converts else rng.choices(range(n_open), p.loss_weights)[0]
        value = rng.lognormvariate(math.log(p.deal_value_median), p.deal_value_sigma)
        skus = self._basket(value / 3, rng.choice(list(world.skus_by_category)), rng)
        t = created + rng.expovariate(0.5)
        if t >= world.horizon:
            return None, None, skus, value
        deal_id = self.counters.next("deals")
        entered: list[tuple[int, float]] = []
        outcome = "open"
        for k in range(n_open):
            if t >= world.horizon:
                break
            entered.append((world.open_stage_ids[k], t))
            t += rng.lognormvariate(math.log(p.stage_median_days[k]), p.sigma)
            if lost_at == k:
                outcome = "lost"
                break
        else:
            outcome = "won"
        if t >= world.horizon:
            outcome = "open"
        closed = t if outcome != "open" else None
        act.deal(
            deal_id,
            cid,
            owner,
            channel,
            entered,
            outcome,
            closed,
            value,
            skus,
            rng.choice(LOST_REASONS) if outcome == "lost" else None,
        )
        won_day = closed if outcome == "won" else None
        return won_day, deal_id, skus, value
