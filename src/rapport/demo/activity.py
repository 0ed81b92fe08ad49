"""Rows for what happens around a customer: orders, deals, tickets, answers, contacts, events."""

from __future__ import annotations

import math
import random
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rapport.demo.names import NameMaker
from rapport.demo.params import DemoParams
from rapport.demo.texts import HAPPY_COMMENTS, INTERACTION_SUBJECTS, TICKETS, UNHAPPY_COMMENTS
from rapport.demo.world import Rows, World

if TYPE_CHECKING:
    from rapport.demo.simulate import Counters, Purchase

HOUR = 1 / 24


class Activity:
    """Appends the rows of one batch; ids come from the shared counters."""

    def __init__(
        self,
        params: DemoParams,
        world: World,
        rng: random.Random,
        counters: Counters,
        rows: Rows,
        names: NameMaker,
    ) -> None:
        self.params = params
        self.world = world
        self.rng = rng
        self.counters = counters
        self.rows = rows
        self.names = names
        self.web_start = world.horizon - params.web.window_days
        self._language: dict[int, bool] = {}
        self._created: dict[int, float] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Queue ``row`` for ``table``."""
        self.rows.setdefault(table, []).append(row)
        if table == "customers":
            self._language[row["id"]] = row["language"] == "zh_CN"
            self._created[row["id"]] = (
                row["created_at"] - self.world.start
            ).total_seconds() / 86400
            self._consents(row)

    def _at(self, day: float) -> datetime:
        return self.world.at(day)

    # -- orders -------------------------------------------------------------------------

    def order(
        self,
        cid: int,
        owner: int,
        day: float,
        skus: list[str],
        value: float,
        status: str,
        online: bool,
        deal_id: int | None,
    ) -> int:
        """Write an order whose items add up to ``value`` yuan; its id."""
        oid = self.counters.next("orders")
        total = self._items(oid, skus, max(1, round(value * 100)))
        at = self._at(day)
        refunded = None
        if status == "refunded":
            refunded = self._at(min(day + self.rng.uniform(1, 10), self.world.horizon - HOUR))
        self.add(
            "orders",
            {
                "id": oid,
                "external_id": None,
                "number": f"SO{oid:09d}",
                "customer_id": cid,
                "status": status,
                "channel": "online" if online else ("sales" if deal_id else "store"),
                "campaign_id": None,
                "owner_id": owner,
                "deal_id": deal_id,
                "currency": "CNY",
                "total_minor": total,
                "ordered_at": at,
                "refunded_at": refunded,
                "created_at": at,
                "updated_at": refunded or at,
                "deleted_at": None,
            },
        )
        return oid

    def side_order(
        self,
        cid: int,
        owner: int,
        day: float,
        skus: list[str],
        value: float,
        status: str,
        online: bool,
    ) -> None:
        """A cancelled or refunded order near a purchase (not itself a purchase)."""
        when = day - self.rng.uniform(0.01, 3) if status == "cancelled" else day + 0.5
        when = max(when, self._created_day(cid))
        if when < self.world.horizon - 11:
            self.order(cid, owner, when, skus, value, status, online, None)

    def _created_day(self, cid: int) -> float:
        return self._created[cid]

    def _items(self, order_id: int, skus: list[str], total: int) -> int:
        """Order lines for ``skus`` whose line totals add up exactly to ``total`` (minor)."""
        prices = [self.world.product_price[s] * 100 for s in skus]
        share_total = sum(prices)
        remaining = total
        for i, sku in enumerate(skus):
            amount = remaining if i == len(skus) - 1 else total * prices[i] // share_total
            remaining -= amount
            quantity = max(1, min(50, round(amount / prices[i])))
            unit = -(-amount // quantity)  # ceiling: the discount makes up the difference
            self.add(
                "order_items",
                {
                    "id": self.counters.next("order_items"),
                    "order_id": order_id,
                    "product_id": self.world.product_ids[sku],
                    "quantity": quantity,
                    "unit_price_minor": unit,
                    "discount_minor": unit * quantity - amount,
                    "line_total_minor": amount,
                },
            )
        return total

    # -- leads and deals ----------------------------------------------------------------

    def lead_touches(
        self, cid: int, owner: int, created: float, chinese: bool, converts: bool
    ) -> None:
        """A rep's first contacts with a new lead."""
        rng = self.rng
        t = created + rng.expovariate(0.5)
        for _ in range(rng.randint(1, 3 if converts else 2)):
            if t >= self.world.horizon:
                return
            kind = rng.choice(["call", "wechat", "email", "call"])
            self._interaction(cid, owner, kind, "outbound", "first_contact", chinese, t)
            t += rng.uniform(2, 10)

    def deal(
        self,
        deal_id: int,
        cid: int,
        owner: int,
        channel: str,
        entered: list[tuple[int, float]],
        outcome: str,
        closed: float | None,
        value: float,
        skus: list[str],
        lost_reason: tuple[str, str] | None,
    ) -> None:
        """Write a deal with its items, stage history and the meetings along the way."""
        world, rng = self.world, self.rng
        chinese = self._language[cid]
        changes = list(entered)
        if outcome == "won":
            changes.append((world.won_stage_id, closed or 0.0))
        elif outcome == "lost":
            changes.append((world.lost_stage_id, closed or 0.0))
        previous = None
        for stage_id, day in changes:
            self.add(
                "deal_stage_changes",
                {
                    "id": self.counters.next("deal_stage_changes"),
                    "deal_id": deal_id,
                    "from_stage_id": previous,
                    "to_stage_id": stage_id,
                    "changed_at": self._at(day),
                    "changed_by_id": owner,
                },
            )
            if stage_id in world.open_stage_ids:
                kind = rng.choice(["meeting", "visit", "call"])
                self._interaction(
                    cid, owner, kind, "outbound", "deal", chinese, day + 0.2, deal_id=deal_id
                )
            previous = stage_id
        stage_id, stage_day = changes[-1]
        created = self._at(entered[0][1])
        price = self.world.product_price
        quantity = max(1, round(value / max(1, sum(price[s] for s in skus))))
        for sku in skus:
            self.add(
                "deal_items",
                {
                    "id": self.counters.next("deal_items"),
                    "deal_id": deal_id,
                    "product_id": world.product_ids[sku],
                    "quantity": quantity,
                    "unit_price_minor": price[sku] * 100,
                },
            )
        reason = None
        if lost_reason:
            reason = lost_reason[1] if chinese else lost_reason[0].replace("_", " ")
        self.add(
            "deals",
            {
                "id": deal_id,
                "external_id": None,
                "name": f"{self._name(cid)} · {skus[0]}",
                "pipeline_id": world.pipeline_id,
                "stage_id": stage_id,
                "customer_id": cid,
                "owner_id": owner,
                "campaign_id": None,
                "channel": channel,
                "status": outcome,
                "amount_minor": round(value * 100),
                "currency": "CNY",
                "expected_close_on": self._at(entered[0][1] + 45).date(),
                "stage_entered_at": self._at(stage_day),
                "closed_at": self._at(closed) if closed else None,
                "lost_reason": reason,
                "description": None,
                "custom_fields": {"competitor": rng.choice(["Acme", "Globex", "Initech"])}
                if rng.random() < 0.3
                else {},
                "created_at": created,
                "updated_at": self._at(stage_day),
                "deleted_at": None,
            },
        )
        if outcome == "open":
            self._task(cid, owner, "deal", world.horizon + rng.uniform(-3, 7), deal_id=deal_id)

    def _name(self, cid: int) -> str:
        row = self.rows["customers"][-1]
        return str(row["name"]) if row["id"] == cid else f"#{cid}"

    # -- after the first purchase -------------------------------------------------------

    def after_sales(
        self,
        cid: int,
        owner: int,
        chinese: bool,
        purchases: list[Purchase],
        dropout: float | None,
        end_of_life: float,
    ) -> int:
        """Tickets, survey answers, check-ins, win-back and web sessions; unhappy answers."""
        p, rng, horizon = self.params, self.rng, self.world.horizon
        faulty = p.faulty_sku
        unhappy_answers = 0
        faulty_days = [o.day for o in purchases if faulty in o.skus]

        def unhappy(day: float) -> bool:
            if dropout is not None and 0 <= dropout - day < p.unhappy_window_days:
                return True
            return any(0 <= day - f < 60 for f in faulty_days)

        for o in purchases:
            has_faulty = faulty in o.skus
            rate = p.faulty_ticket_rate if has_faulty else p.ticket_rate
            if rng.random() < rate:
                opened = o.day + rng.uniform(1, 20)
                if opened < horizon:
                    unhappy_answers += self._ticket(
                        cid, chinese, o, opened, has_faulty, unhappy(opened)
                    )
            if rng.random() < p.csat_rate and o.day + 3 < horizon:
                bad = unhappy(o.day + 3)
                unhappy_answers += bad
                self._answer(cid, "csat", o.day + 3, bad, chinese, order_id=o.order_id)
            if o.online and o.day >= self.web_start:
                self._sessions(cid, o)
        first = purchases[0].day
        t = first + rng.expovariate(p.nps_rate_per_year / 365)
        while t < end_of_life:
            bad = unhappy(t)
            unhappy_answers += bad
            self._answer(cid, "nps", t, bad, chinese)
            t += rng.expovariate(p.nps_rate_per_year / 365)
        t = first + rng.expovariate(p.touch_rate_per_year / 365)
        while t < end_of_life:
            self._interaction(
                cid,
                owner,
                rng.choice(["call", "wechat", "email", "visit"]),
                "outbound",
                "follow_up",
                chinese,
                t,
            )
            if rng.random() < 0.3:
                self._task(cid, owner, "follow_up", t, done_at=t)
            t += rng.expovariate(p.touch_rate_per_year / 365)
        last = purchases[-1].day
        if dropout is not None and rng.random() < 0.5:
            t = last + rng.uniform(150, 200)
            if t < horizon:
                self._interaction(cid, owner, "email", "outbound", "win_back", chinese, t)
        if dropout is None and 60 <= horizon - last <= 150:
            self._task(cid, owner, "re_engage", horizon + rng.uniform(-2, 10))
        return unhappy_answers

    def _ticket(
        self, cid: int, chinese: bool, order: Purchase, opened: float, faulty: bool, bad: bool
    ) -> int:
        rng, horizon = self.rng, self.world.horizon
        category = "quality" if faulty else rng.choice(list(TICKETS))
        subject, description = rng.choice(TICKETS[category][0 if chinese else 1])
        agent = rng.choice(self.world.agent_ids)
        first_response = opened + rng.expovariate(1 / (12 * HOUR if bad else 3 * HOUR))
        resolved: float | None = opened + rng.lognormvariate(math.log(4.0 if bad else 1.0), 0.7)
        status = "closed"
        if resolved is not None and resolved >= horizon:
            resolved, status = None, rng.choice(["open", "pending"])
        elif resolved is not None and horizon - resolved < 3:
            status = "resolved"
        tid = self.counters.next("tickets")
        sku = order.skus[0] if not faulty else self.params.faulty_sku
        self.add(
            "tickets",
            {
                "id": tid,
                "external_id": None,
                "customer_id": cid,
                "order_id": order.order_id,
                "product_id": self.world.product_ids[sku],
                "assignee_id": agent,
                "subject": subject,
                "description": description,
                "status": status,
                "priority": "high" if faulty else rng.choice(["low", "normal", "normal", "high"]),
                "category": category,
                "channel": rng.choice(["phone", "email", "wechat", "web"]),
                "opened_at": self._at(opened),
                "first_response_at": self._at(first_response) if first_response < horizon else None,
                "resolved_at": self._at(resolved) if resolved is not None else None,
                "closed_at": self._at(resolved) if status == "closed" and resolved else None,
                "created_at": self._at(opened),
                "updated_at": self._at(resolved or opened),
                "deleted_at": None,
            },
        )
        if first_response < horizon:
            self._interaction(
                cid, agent, "call", "outbound", "support", chinese, first_response, ticket_id=tid
            )
        answered = 0
        if resolved is not None and resolved + 1 < horizon and rng.random() < self.params.ces_rate:
            self._answer(cid, "ces", resolved + 1, bad, chinese, ticket_id=tid)
            answered = int(bad)
        return answered

    def _answer(
        self,
        cid: int,
        kind: str,
        day: float,
        bad: bool,
        chinese: bool,
        order_id: int | None = None,
        ticket_id: int | None = None,
    ) -> None:
        rng = self.rng
        if kind == "nps":
            weights = NPS_UNHAPPY if bad else NPS_HAPPY
            score = rng.choices(range(11), weights)[0]
        elif kind == "csat":
            score = rng.choices(range(1, 6), CSAT_UNHAPPY if bad else CSAT_HAPPY)[0]
        else:
            score = rng.choices(range(1, 8), CES_UNHAPPY if bad else CES_HAPPY)[0]
        comment = None
        if rng.random() < 0.4:
            themes = UNHAPPY_COMMENTS if bad else HAPPY_COMMENTS
            texts = themes[rng.choice(list(themes))][0 if chinese else 1]
            comment = rng.choice(texts)
        at = self._at(day)
        self.add(
            "survey_responses",
            {
                "id": self.counters.next("survey_responses"),
                "survey_id": self.world.survey_ids[kind],
                "customer_id": cid,
                "score": score,
                "comment": comment,
                "ticket_id": ticket_id,
                "order_id": order_id,
                "channel": rng.choice(["email", "sms", "wechat", "web"]),
                "responded_at": at,
                "created_at": at,
                "updated_at": at,
                "deleted_at": None,
            },
        )

    # -- contacts, tasks, consent, tags -------------------------------------------------

    def _interaction(
        self,
        cid: int,
        user: int,
        kind: str,
        direction: str,
        topic: str,
        chinese: bool,
        day: float,
        deal_id: int | None = None,
        ticket_id: int | None = None,
    ) -> int:
        rng = self.rng
        subject = rng.choice(INTERACTION_SUBJECTS[topic][0 if chinese else 1])
        iid = self.counters.next("interactions")
        at = self._at(min(day, self.world.horizon - HOUR))
        self.add(
            "interactions",
            {
                "id": iid,
                "customer_id": cid,
                "user_id": user,
                "deal_id": deal_id,
                "ticket_id": ticket_id,
                "kind": kind,
                "direction": direction,
                "subject": subject,
                "body": None,
                "duration_seconds": int(rng.lognormvariate(5.5, 0.8))
                if kind in ("call", "meeting", "visit")
                else None,
                "outcome": rng.choice(["reached", "reached", "no_answer", "left_message"])
                if kind == "call"
                else None,
                "occurred_at": at,
                "created_at": at,
                "updated_at": at,
                "deleted_at": None,
            },
        )
        return iid

    def _task(
        self,
        cid: int,
        assignee: int,
        topic: str,
        due: float,
        done_at: float | None = None,
        deal_id: int | None = None,
    ) -> None:
        chinese = self._language.get(cid, True)
        titles = {
            "deal": ("跟进商机", "Follow up on the deal"),
            "follow_up": ("客户回访", "Check in with the customer"),
            "re_engage": ("电话唤醒沉睡客户", "Call to re-engage"),
        }
        created_day = min(due - 3, done_at or due, self.world.horizon - HOUR)
        created = self._at(max(created_day, self._created_day(cid)))
        self.add(
            "tasks",
            {
                "id": self.counters.next("tasks"),
                "title": titles[topic][0 if chinese else 1],
                "description": None,
                "assignee_id": assignee,
                "created_by_id": assignee,
                "status": "done" if done_at is not None else "open",
                "priority": "normal",
                "due_at": self._at(due),
                "completed_at": self._at(done_at) if done_at else None,
                "customer_id": cid,
                "deal_id": deal_id,
                "ticket_id": None,
                "created_at": created,
                "updated_at": created,
                "deleted_at": None,
            },
        )

    def _consents(self, customer: dict[str, Any]) -> None:
        rng, created = self.rng, customer["created_at"]
        for channel, present in (("email", customer["email"]), ("sms", customer["phone"])):
            if not present or rng.random() < 0.3:
                continue
            self.rows.setdefault("consents", []).append(
                {
                    "id": self.counters.next("consents"),
                    "customer_id": customer["id"],
                    "purpose": "marketing",
                    "channel": channel,
                    "status": "given",
                    "at": created,
                    "source": "signup",
                    "note": None,
                }
            )
            start = (created - self.world.start).total_seconds() / 86400
            if rng.random() < 0.12 and self.world.horizon - start > 1:
                # Withdrawn at least a day after being given, and before the history ends.
                day = start + rng.uniform(1, self.world.horizon - start)
                withdrawn = self._at(min(day, self.world.horizon - HOUR))
                self.rows["consents"].append(
                    {
                        "id": self.counters.next("consents"),
                        "customer_id": customer["id"],
                        "purpose": "marketing",
                        "channel": channel,
                        "status": "withdrawn",
                        "at": withdrawn,
                        "source": "unsubscribe link",
                        "note": None,
                    }
                )
                customer["marketing_opt_out"] = True
                customer["marketing_opt_out_at"] = withdrawn

    def tags_for(self, cid: int, kind: str, purchases: int, deal_value: float) -> None:
        """Tag VIPs, key accounts and resellers."""
        tags = self.world.tag_ids
        chosen = []
        if purchases >= 20:
            chosen.append(tags["vip"])
        if kind == "company" and deal_value > 50_000:
            chosen.append(tags["key_account"])
        if kind == "company" and self.rng.random() < 0.15:
            chosen.append(tags["reseller"])
        for tag_id in chosen:
            self.add("customer_tags", {"customer_id": cid, "tag_id": tag_id})

    # -- web sessions -------------------------------------------------------------------

    def _sessions(self, cid: int, order: Purchase) -> None:
        """The failed sessions before a web purchase, then the session that paid.

        Sessions follow the funnel's step rates; a purchase is the first session that
        succeeds, so the failures before it are geometric and the rates hold overall.
        """
        web, rng = self.params.web, self.rng
        p1, p2, p3 = web.view_to_cart, web.cart_to_checkout, web.payment_success
        success = p1 * p2 * p3
        fail_weights = (1 - p1, p1 * (1 - p2), p1 * p2 * (1 - p3))
        failures = 0
        while rng.random() >= success:
            failures += 1
        created = self._created_day(cid)
        earliest = max(self.web_start, created)
        for _ in range(failures):
            # Browsing in the two weeks before, but inside the event window and the
            # customer's life: a failure is never dropped, so the step rates hold.
            start = max(order.day - rng.uniform(0.05, 14), earliest)
            start = min(start, order.day - 0.02)
            depth = rng.choices((1, 2, 3), fail_weights)[0]
            anonymous = rng.random() < 0.4
            self._session(cid, order, start, depth, paid=False, anonymous=anonymous)
        self._session(cid, order, order.day - 0.01, 3, paid=True, anonymous=False)

    def _session(
        self, cid: int, order: Purchase, start: float, depth: int, paid: bool, anonymous: bool
    ) -> None:
        rng = self.rng
        session_id = f"s{self.counters.next('sessions'):010d}"
        product = self.world.product_ids[order.skus[0]]
        steps = [("page_view", "/"), ("product_view", f"/products/{product}")]
        if depth >= 2:
            steps.append(("add_to_cart", "/cart"))
        if depth >= 3:
            steps.append(("checkout", "/checkout"))
            steps.append(
                ("payment", "/checkout/pay") if paid else ("payment_failed", "/checkout/pay")
            )
        t = start
        for name, page in steps:
            at = self._at(t)
            self.add(
                "events",
                {
                    "id": self.counters.next("events"),
                    "customer_id": None if anonymous else cid,
                    "anonymous_id": f"a{cid:09d}" if anonymous else None,
                    "session_id": session_id,
                    "name": name,
                    "page": page,
                    "product_id": product if name != "page_view" else None,
                    "order_id": order.order_id if name == "payment" else None,
                    "channel": "web",
                    "properties": {},
                    "occurred_at": at,
                    "received_at": at,
                },
            )
            t += rng.uniform(20, 180) / 86400


NPS_HAPPY = (0.5, 0.3, 0.4, 0.6, 1.0, 2.0, 3.2, 9.0, 22.0, 27.0, 34.0)
NPS_UNHAPPY = (6.0, 5.0, 7.0, 9.0, 11.0, 13.0, 14.0, 12.0, 10.0, 7.0, 6.0)
CSAT_HAPPY = (2.0, 3.0, 10.0, 35.0, 50.0)
CSAT_UNHAPPY = (15.0, 25.0, 30.0, 20.0, 10.0)
CES_HAPPY = (1.0, 2.0, 4.0, 8.0, 20.0, 35.0, 30.0)
CES_UNHAPPY = (12.0, 18.0, 22.0, 20.0, 14.0, 9.0, 5.0)
