"""Consistency checks of a CRM database: each query counts the rows that break a rule.

The demo data must pass all of them (tests run them on both engines, the benchmark at
full scale); they are also a quick health check of any Rapport database.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, text

from rapport.db import UTCDateTime

CHECKS = {
    "order without its customer": """
        SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
        WHERE c.id IS NULL""",
    "order before its customer was created": """
        SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE o.ordered_at < c.created_at""",
    "order total differs from the sum of its items": """
        SELECT COUNT(*) FROM orders o JOIN (
            SELECT order_id, SUM(line_total_minor) AS s FROM order_items GROUP BY order_id
        ) i ON i.order_id = o.id WHERE i.s <> o.total_minor""",
    "order without items": """
        SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (
            SELECT 1 FROM order_items i WHERE i.order_id = o.id)""",
    "line total differs from quantity × price − discount": """
        SELECT COUNT(*) FROM order_items
        WHERE quantity * unit_price_minor - discount_minor <> line_total_minor
           OR discount_minor < 0""",
    "stage change out of time order": """
        SELECT COUNT(*) FROM deal_stage_changes a JOIN deal_stage_changes b
          ON a.deal_id = b.deal_id AND a.id < b.id WHERE a.changed_at > b.changed_at""",
    "stage change whose from-stage is not the previous to-stage": """
        SELECT COUNT(*) FROM deal_stage_changes b WHERE b.from_stage_id IS DISTINCT FROM (
            SELECT a.to_stage_id FROM deal_stage_changes a
            WHERE a.deal_id = b.deal_id AND a.id < b.id ORDER BY a.id DESC LIMIT 1)""",
    "deal whose stage is not its last stage change": """
        SELECT COUNT(*) FROM deals d WHERE d.stage_id <> (
            SELECT s.to_stage_id FROM deal_stage_changes s WHERE s.deal_id = d.id
            ORDER BY s.id DESC LIMIT 1)""",
    "won deal without its order": """
        SELECT COUNT(*) FROM deals d WHERE d.status = 'won' AND NOT EXISTS (
            SELECT 1 FROM orders o WHERE o.deal_id = d.id)""",
    "interaction before the customer was created": """
        SELECT COUNT(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
        WHERE i.occurred_at < c.created_at""",
    "ticket before its order": """
        SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = t.order_id
        WHERE t.opened_at < o.ordered_at""",
    "ticket resolved before it was opened": """
        SELECT COUNT(*) FROM tickets WHERE resolved_at < opened_at""",
    "answer outside its survey's scale": """
        SELECT COUNT(*) FROM survey_responses r JOIN surveys s ON s.id = r.survey_id
        WHERE r.score < s.scale_min OR r.score > s.scale_max""",
    "event of a customer before their creation": """
        SELECT COUNT(*) FROM events e JOIN customers c ON c.id = e.customer_id
        WHERE e.occurred_at < c.created_at""",
    "payment event without a paid order": """
        SELECT COUNT(*) FROM events e LEFT JOIN orders o ON o.id = e.order_id
        WHERE e.name = 'payment' AND (o.id IS NULL OR o.status <> 'paid')""",
    "duplicate email": """
        SELECT COUNT(*) FROM (SELECT email FROM customers WHERE email IS NOT NULL
                              GROUP BY email HAVING COUNT(*) > 1) d""",
    "referral to a customer created later": """
        SELECT COUNT(*) FROM customers c JOIN customers r ON r.id = c.referred_by_id
        WHERE r.created_at > c.created_at""",
    "contact at a company created later": """
        SELECT COUNT(*) FROM customers c JOIN customers k ON k.id = c.company_id
        WHERE k.created_at > c.created_at OR k.kind <> 'company'""",
}


# Moments that have happened, so none may lie on or after the end of the history.
DATED = (
    ("customers", "created_at"),
    ("orders", "ordered_at"),
    ("orders", "refunded_at"),
    ("deals", "closed_at"),
    ("deal_stage_changes", "changed_at"),
    ("interactions", "occurred_at"),
    ("tickets", "opened_at"),
    ("tickets", "resolved_at"),
    ("survey_responses", "responded_at"),
    ("events", "occurred_at"),
    ("consents", "at"),
    ("tasks", "completed_at"),
)
CHECKS["record dated at or after the end of the history"] = "SELECT " + " + ".join(
    f"(SELECT COUNT(*) FROM {table} WHERE {column} >= :end)" for table, column in DATED
)


def violations(engine: Engine, *, end: datetime | None = None) -> dict[str, int]:
    """The checks that fail on the database behind ``engine``, with how many rows break each.

    ``end`` is when the history ends (default: now): nothing may happen on or after it.
    """
    at = end or datetime.now(UTC)
    failed: dict[str, int] = {}
    with engine.connect() as connection:
        for name, sql in CHECKS.items():
            query = text(sql)
            if ":end" in sql:
                query = query.bindparams(bindparam("end", at, type_=UTCDateTime()))
            count = int(connection.execute(query).scalar_one())
            if count:
                failed[name] = count
    return failed
