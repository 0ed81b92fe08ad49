"""The demo company itself: its users, teams, pipeline, catalogue, campaigns and surveys.

These rows are written once, before the customers; ``World`` keeps their ids so the
customer batches can refer to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rapport.demo.catalog import CATEGORIES, COMPLEMENTS, PRODUCTS
from rapport.demo.params import DemoParams

Rows = dict[str, list[dict[str, Any]]]

STAGES: tuple[tuple[str, str, int], ...] = (
    ("Lead identification", "线索确认", 10),
    ("First contact", "初次接触", 20),
    ("Needs analysis", "需求分析", 40),
    ("Proposal", "方案报价", 60),
    ("Negotiation", "商务谈判", 80),
)

REP_NAMES = (
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄俊",
    "周婷",
    "吴昊",
    "徐丽",
    "孙强",
    "马超",
    "朱琳",
    "胡斌",
    "郭蕾",
    "Emily Chen",
    "David Li",
    "Sarah Wang",
    "Tom Zhou",
)


@dataclass
class World:
    """Ids and facts of the reference rows, as the customer batches need them."""

    start: datetime
    end: datetime
    rep_ids: list[int] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)
    rep_team: dict[int, int] = field(default_factory=dict)
    pipeline_id: int = 1
    open_stage_ids: list[int] = field(default_factory=list)
    won_stage_id: int = 0
    lost_stage_id: int = 0
    product_ids: dict[str, int] = field(default_factory=dict)
    product_price: dict[str, int] = field(default_factory=dict)  # yuan
    skus_by_category: dict[str, list[str]] = field(default_factory=dict)
    sku_category: dict[str, str] = field(default_factory=dict)
    # channel → list of (campaign id, first day, last day) in days since start
    campaigns: dict[str, list[tuple[int, float, float]]] = field(default_factory=dict)
    survey_ids: dict[str, int] = field(default_factory=dict)
    tag_ids: dict[str, int] = field(default_factory=dict)
    horizon: float = field(init=False)  # days from the start of the history to its end

    def at(self, day: float) -> datetime:
        """The moment ``day`` days after the start of the history."""
        return self.start + timedelta(days=day)

    def __post_init__(self) -> None:
        self.horizon = (self.end - self.start).total_seconds() / 86400.0


def _stamp(moment: datetime) -> dict[str, datetime]:
    return {"created_at": moment, "updated_at": moment}


def build_world(params: DemoParams, end: date) -> tuple[World, Rows]:
    """The reference rows of the demo company and the ``World`` that indexes them."""
    rng = random.Random(params.seed)
    end_at = datetime(end.year, end.month, end.day, tzinfo=UTC)
    start_at = end_at - timedelta(days=params.history_days)
    world = World(start=start_at, end=end_at)
    rows: Rows = {}
    setup = _stamp(start_at - timedelta(days=30))

    rows["teams"] = [
        {"id": t + 1, "name": f"销售{t + 1}组 Sales team {t + 1}", **setup}
        for t in range(params.teams)
    ]
    rows["teams"].append({"id": params.teams + 1, "name": "客户服务 Customer service", **setup})
    users: list[dict[str, Any]] = [
        _user(1, "admin@example.com", "管理员 Admin", "admin", None, setup),
        _user(2, "analyst@example.com", "数据分析 Analyst", "analyst", None, setup),
    ]
    next_id = 3
    for t in range(params.teams):
        users.append(
            _user(
                next_id,
                f"manager{t + 1}@example.com",
                REP_NAMES[t % 20] + " (经理)",
                "manager",
                t + 1,
                setup,
            )
        )
        next_id += 1
    for r in range(params.reps):
        team = r % params.teams + 1
        users.append(
            _user(next_id, f"rep{r + 1}@example.com", REP_NAMES[(r + 4) % 20], "rep", team, setup)
        )
        world.rep_ids.append(next_id)
        world.rep_team[next_id] = team
        next_id += 1
    for a in range(params.agents):
        users.append(
            _user(
                next_id,
                f"agent{a + 1}@example.com",
                f"客服{a + 1}号 Agent {a + 1}",
                "agent",
                params.teams + 1,
                setup,
            )
        )
        world.agent_ids.append(next_id)
        next_id += 1
    rows["users"] = users

    rows["pipelines"] = [
        {"id": 1, "name": "标准销售流程 Standard sales", "is_default": True, **setup}
    ]
    stages = []
    for position, (name_en, name_zh, probability) in enumerate(STAGES, start=1):
        stages.append(
            {
                "id": position,
                "pipeline_id": 1,
                "name": f"{name_zh} {name_en}",
                "position": position,
                "probability": probability,
                "outcome": "open",
                "rotting_days": 30,
                **setup,
            }
        )
        world.open_stage_ids.append(position)
    world.won_stage_id = len(STAGES) + 1
    world.lost_stage_id = len(STAGES) + 2
    stages.append(
        {
            "id": world.won_stage_id,
            "pipeline_id": 1,
            "name": "赢单 Won",
            "position": world.won_stage_id,
            "probability": 100,
            "outcome": "won",
            "rotting_days": None,
            **setup,
        }
    )
    stages.append(
        {
            "id": world.lost_stage_id,
            "pipeline_id": 1,
            "name": "输单 Lost",
            "position": world.lost_stage_id,
            "probability": 0,
            "outcome": "lost",
            "rotting_days": None,
            **setup,
        }
    )
    rows["stages"] = stages

    category_ids = {key: i for i, key in enumerate(CATEGORIES, start=1)}
    rows["product_categories"] = [
        {"id": category_ids[key], "name": f"{zh} {en}", "parent_id": None, **setup}
        for key, (en, zh) in CATEGORIES.items()
    ]
    rows["products"] = []
    for pid, spec in enumerate(PRODUCTS, start=1):
        rows["products"].append(
            {
                "id": pid,
                "sku": spec.sku,
                "name": f"{spec.name_zh} {spec.name_en}",
                "description": None,
                "category_id": category_ids[spec.category],
                "unit_price_minor": spec.price * 100,
                "currency": "CNY",
                "is_active": True,
                **setup,
            }
        )
        world.product_ids[spec.sku] = pid
        world.product_price[spec.sku] = spec.price
        world.skus_by_category.setdefault(spec.category, []).append(spec.sku)
        world.sku_category[spec.sku] = spec.category
    for skus in world.skus_by_category.values():
        skus.sort(key=lambda s: world.product_price[s])
    assert set(COMPLEMENTS) <= set(world.product_ids)

    rows["campaigns"] = _campaigns(params, world, rng, setup)
    rows["surveys"] = [
        {
            "id": 1,
            "name": "NPS 净推荐值",
            "kind": "nps",
            "scale_min": 0,
            "scale_max": 10,
            "question": "您有多大可能向朋友或同事推荐我们？ How likely are you to recommend us?",
            "is_active": True,
            **setup,
        },
        {
            "id": 2,
            "name": "CSAT 订单满意度",
            "kind": "csat",
            "scale_min": 1,
            "scale_max": 5,
            "question": "您对这次购买满意吗？ How satisfied are you with this order?",
            "is_active": True,
            **setup,
        },
        {
            "id": 3,
            "name": "CES 服务费力度",
            "kind": "ces",
            "scale_min": 1,
            "scale_max": 7,
            "question": "解决问题很容易。 The company made it easy to handle my issue.",
            "is_active": True,
            **setup,
        },
    ]
    world.survey_ids = {"nps": 1, "csat": 2, "ces": 3}
    rows["tags"] = [
        {"id": 1, "name": "VIP", "color": "#c0392b", **setup},
        {"id": 2, "name": "重点客户 Key account", "color": "#2c3e50", **setup},
        {"id": 3, "name": "经销商 Reseller", "color": "#16a085", **setup},
    ]
    world.tag_ids = {"vip": 1, "key_account": 2, "reseller": 3}
    rows["custom_field_definitions"] = [
        {
            "id": 1,
            "entity": "customer",
            "key": "preferred_contact",
            "label": "Preferred contact",
            "label_zh": "首选联系方式",
            "field_type": "choice",
            "choices": ["phone", "wechat", "email"],
            "is_required": False,
            "position": 1,
            **setup,
        },
        {
            "id": 2,
            "entity": "deal",
            "key": "competitor",
            "label": "Competitor",
            "label_zh": "竞争对手",
            "field_type": "text",
            "choices": [],
            "is_required": False,
            "position": 1,
            **setup,
        },
    ]
    rows["segments"] = [
        {
            "id": 1,
            "name": "高价值活跃客户 High-value active",
            "kind": "rules",
            "owner_id": 1,
            "description": "Five or more paid orders, the last within 90 days.",
            "definition": {
                "all": [
                    {"field": "paid_orders", "op": ">=", "value": 5},
                    {"field": "days_since_last_order", "op": "<=", "value": 90},
                ]
            },
            "refreshed_at": None,
            **setup,
        },
        {
            "id": 2,
            "name": "沉睡客户 Dormant",
            "kind": "rules",
            "owner_id": 1,
            "description": "Bought before, nothing for 180 days.",
            "definition": {
                "all": [
                    {"field": "paid_orders", "op": ">=", "value": 1},
                    {"field": "days_since_last_order", "op": ">", "value": 180},
                ]
            },
            "refreshed_at": None,
            **setup,
        },
    ]
    return world, rows


def _user(
    uid: int, email: str, name: str, role: str, team: int | None, stamp: dict[str, datetime]
) -> dict[str, Any]:
    locale = "en" if name.isascii() else "zh_CN"
    return {
        "id": uid,
        "email": email,
        "name": name,
        "password_hash": None,
        "role": role,
        "team_id": team,
        "locale": locale,
        "is_active": True,
        "last_login_at": None,
        **stamp,
    }


def _campaigns(
    params: DemoParams, world: World, rng: random.Random, stamp: dict[str, datetime]
) -> list[dict[str, Any]]:
    """One campaign per paid channel and quarter, costed from the channel's cost per lead."""
    rows: list[dict[str, Any]] = []
    quarter = 91.0
    quarters = int(world.horizon // quarter) + 1
    growth = params.growth
    for channel in params.channels:
        if channel.cost_per_lead <= 0:
            continue
        spans = world.campaigns.setdefault(channel.name, [])
        for q in range(quarters):
            first, last = q * quarter, min((q + 1) * quarter, world.horizon) - 1e-6
            if first >= world.horizon:
                break
            # Expected leads in the quarter under the linear growth of lead inflow.
            mid = (first + last) / 2 / world.horizon
            share = (1 + growth * mid) / (1 + growth / 2) * (last - first) / world.horizon
            leads = params.customers * channel.share * share
            cost = leads * channel.cost_per_lead * rng.uniform(0.85, 1.15)
            cid = len(rows) + 1
            starts = world.at(first).date()
            rows.append(
                {
                    "id": cid,
                    "name": f"{channel.name} {starts:%Y} Q{(starts.month - 1) // 3 + 1}",
                    "channel": channel.name,
                    "description": None,
                    "cost_minor": round(cost * 100),
                    "currency": "CNY",
                    "starts_on": starts,
                    "ends_on": world.at(last).date(),
                    **stamp,
                }
            )
            spans.append((cid, first, last))
    return rows
