"""Scores through the API: a customer comes with its newest scores; scoring runs are read
by admins, managers and analysts only."""

from __future__ import annotations

import uuid
from datetime import date

from rapport.scores import service
from rapport.scores.scoring import ScoringParams
from tests.api.conftest import Cast, MakeCustomer


def _order(cast: Cast, customer_id: int, day: str) -> None:
    admin = cast.client("admin")
    product = admin.post("/api/v1/products", json={
        "sku": f"SKU-{uuid.uuid4().hex[:8]}", "name": "Oolong", "unit_price_minor": 12_300,
    }).json()  # fmt: skip
    response = admin.post("/api/v1/orders", json={
        "customer_id": customer_id, "ordered_at": f"{day}T10:00:00+00:00",
        "items": [{"product_id": product["id"]}],
    })  # fmt: skip
    assert response.status_code == 201, response.text


def test_a_customer_comes_with_its_newest_scores(cast: Cast, make_customer: MakeCustomer) -> None:
    buyer = make_customer(owner_id=cast["rep_a"].id)
    lead = make_customer()
    for day in ("2026-01-05", "2026-02-10", "2026-03-20"):
        _order(cast, buyer["id"], day)
    before = cast.client("rep_a").get(f"/api/v1/customers/{buyer['id']}").json()
    assert before["scores"] is None
    run = service.run(engine=cast.app.state.engine, params=ScoringParams(as_of=date(2026, 4, 30)))
    scored = cast.client("rep_a").get(f"/api/v1/customers/{buyer['id']}").json()["scores"]
    assert scored["model_version"] == run.version
    # Three purchases, the last 41 days before the end of April: a repeat buyer.
    assert scored["lifecycle_stage"] == "repeat"
    assert scored["rfm_segment"] is not None and 1 <= scored["rfm_recency"] <= 5
    # The lead was created today, after the day scored: not yet a customer then.
    assert cast.client("admin").get(f"/api/v1/customers/{lead['id']}").json()["scores"] is None
    listed = cast.client("admin").get("/api/v1/customers", params={"q": buyer["name"]}).json()
    assert [c["scores"]["model_version"] for c in listed["items"]] == [run.version]


def test_scoring_runs_are_for_admins_managers_and_analysts(cast: Cast) -> None:
    run = service.run(engine=cast.app.state.engine, params=ScoringParams(as_of=date(2026, 4, 30)))
    for name in ("admin", "manager_a", "analyst"):
        listed = cast.client(name).get("/api/v1/scoring-runs")
        assert listed.status_code == 200 and listed.json()[0]["version"] == run.version
        one = cast.client(name).get(f"/api/v1/scoring-runs/{run.id}").json()
        assert one["customers"] == run.customers and "lifecycle" in one["timings"]
    for name in ("rep_a", "agent_a"):
        assert cast.client(name).get("/api/v1/scoring-runs").status_code == 403
    assert cast.client("admin").get("/api/v1/scoring-runs/999999").status_code == 404
