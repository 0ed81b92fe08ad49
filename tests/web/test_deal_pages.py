"""The pipeline board and a deal's page: moves are stage changes, lost needs a reason."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Cast, MakeCustomer
from tests.api.test_deals import _deal, _stage, pipeline
from tests.web.conftest import sign_in

__all__ = ["pipeline"]  # the fixture, used here


def test_the_board_shows_each_stage_with_the_deals_the_user_may_see(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    mine = make_customer(name="Board Mine", owner_id=cast["rep_a"].id)
    theirs = make_customer(name="Board Theirs", owner_id=cast["rep_b"].id)
    _deal(cast, "rep_a", pipeline, mine["id"], name="Visible deal", amount_minor=120_000)
    _deal(cast, "rep_b", pipeline, theirs["id"], name="Hidden deal")
    visitor = sign_in(cast, "rep_a")
    page = visitor.client.get("/deals", params={"pipeline": pipeline["id"]}).text
    assert "Visible deal" in page
    assert "Hidden deal" not in page
    assert "¥1,200.00" in page
    assert page.count('class="board-column') == len(pipeline["stages"])


def test_moving_a_card_records_the_stage_change(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    customer = make_customer(name="Mover", owner_id=cast["rep_a"].id)
    deal = _deal(cast, "rep_a", pipeline, customer["id"], name="Moving deal")
    visitor = sign_in(cast, "rep_a")
    target = _stage(pipeline, "First contact")
    moved: Any = visitor.post(
        f"/deals/{deal['id']}/move", {"stage_id": str(target)}, headers={"HX-Request": "true"}
    )
    assert moved.status_code == 200
    assert 'id="board"' in moved.text
    changes = cast.client("admin").get(f"/api/v1/deals/{deal['id']}/stage-changes").json()
    assert [(c["to_stage_id"], c["changed_by_id"]) for c in changes][-1] == (
        target,
        cast["rep_a"].id,
    )


def test_a_lost_stage_without_a_reason_says_so_on_the_deal_page(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    customer = make_customer(name="Loser", owner_id=cast["rep_a"].id)
    deal = _deal(cast, "rep_a", pipeline, customer["id"], name="Doomed deal")
    visitor = sign_in(cast, "rep_a")
    lost = str(_stage(pipeline, "Lost"))
    refused: Any = visitor.post(f"/deals/{deal['id']}/move", {"stage_id": lost})
    assert refused.status_code == 422
    assert 'id="lost_reason-error"' in refused.text
    accepted: Any = visitor.post(
        f"/deals/{deal['id']}/move", {"stage_id": lost, "lost_reason": "Budget cut"}
    )
    assert accepted.status_code == 303
    page = visitor.client.get(f"/deals/{deal['id']}").text
    assert "Budget cut" in page


def test_others_cannot_move_or_open_a_deal(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    customer = make_customer(name="Private", owner_id=cast["rep_a"].id)
    deal = _deal(cast, "rep_a", pipeline, customer["id"], name="Private deal")
    outsider = sign_in(cast, "rep_b")
    assert outsider.client.get(f"/deals/{deal['id']}").status_code == 404
    target = str(_stage(pipeline, "Proposal"))
    assert outsider.post(f"/deals/{deal['id']}/move", {"stage_id": target}).status_code == 404  # type: ignore[attr-defined]
    analyst = sign_in(cast, "analyst")
    page = analyst.client.get(f"/deals/{deal['id']}").text
    assert "Private deal" in page
    assert "/move" not in page
    assert analyst.post(f"/deals/{deal['id']}/move", {"stage_id": target}).status_code == 403  # type: ignore[attr-defined]
