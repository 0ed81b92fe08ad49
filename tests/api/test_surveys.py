"""Surveys and answers through the API: standard scales, scores on the scale, fitting links."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from rapport.db import utcnow
from tests.api.conftest import Cast, MakeCustomer
from tests.api.test_tickets import add_order, open_ticket

SURVEYS = "/api/v1/surveys"
ANSWERS = "/api/v1/survey-responses"


def make_survey(cast: Cast, kind: str = "nps", **fields: Any) -> dict[str, Any]:
    """A survey created by the admin."""
    question = "您有多大可能推荐我们？ How likely are you to recommend us?"
    body = {"name": f"{kind.upper()} {uuid.uuid4().hex[:6]}", "kind": kind, "question": question}
    body.update(fields)
    response = cast.client("admin").post(SURVEYS, json=body)
    assert response.status_code == 201, response.text
    survey: dict[str, Any] = response.json()
    return survey


def answer(cast: Cast, by: str, survey_id: int, customer_id: int, **fields: Any) -> Any:
    """The response to posting an answer as ``by``."""
    body = {"survey_id": survey_id, "customer_id": customer_id, "score": 9, **fields}
    return cast.client(by).post(ANSWERS, json=body)


def _paths(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["path"] for f in response.json()["error"]["fields"]]


@pytest.mark.parametrize(("kind", "scale"), [("nps", (0, 10)), ("csat", (1, 5)), ("ces", (1, 7))])
def test_standard_surveys_get_their_scale(cast: Cast, kind: str, scale: tuple[int, int]) -> None:
    survey = make_survey(cast, kind)
    assert (survey["scale_min"], survey["scale_max"]) == scale
    same = make_survey(cast, kind, scale_min=scale[0], scale_max=scale[1])
    assert (same["scale_min"], same["scale_max"]) == scale


def test_a_scale_that_breaks_the_standard_or_runs_backwards_names_the_end(cast: Cast) -> None:
    admin = cast.client("admin")
    body = {"name": "x", "question": "?"}
    nps = admin.post(SURVEYS, json={**body, "kind": "nps", "scale_min": 1, "scale_max": 5})
    assert _paths(nps) == ["body.scale_min", "body.scale_max"]
    assert "from 0 to 10" in nps.json()["error"]["fields"][0]["message"]
    assert _paths(admin.post(SURVEYS, json={**body, "kind": "custom"})) == [
        "body.scale_min",
        "body.scale_max",
    ]
    backwards = admin.post(SURVEYS, json={**body, "kind": "custom", "scale_min": 5,
                                          "scale_max": 5})  # fmt: skip
    assert _paths(backwards) == ["body.scale_max"]
    custom = make_survey(cast, "custom", scale_min=-2, scale_max=2)
    assert (custom["scale_min"], custom["scale_max"]) == (-2, 2)
    to_ces = admin.patch(f"{SURVEYS}/{custom['id']}", json={"kind": "ces"})
    assert (to_ces.json()["scale_min"], to_ces.json()["scale_max"]) == (1, 7)


def test_only_admins_change_surveys(cast: Cast) -> None:
    survey = make_survey(cast)
    url = f"{SURVEYS}/{survey['id']}"
    for name in ("rep_a", "manager_a", "agent_a", "analyst"):
        client = cast.client(name)
        assert client.get(url).status_code == 200
        assert client.post(
            SURVEYS, json={"name": "x", "kind": "nps", "question": "?"}
        ).status_code == (403)
        assert client.patch(url, json={"name": "mine"}).status_code == 403
        assert client.delete(url).status_code == 403


def test_kind_and_scale_are_fixed_once_a_survey_has_answers(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survey = make_survey(cast, "custom", scale_min=1, scale_max=3)
    url, admin = f"{SURVEYS}/{survey['id']}", cast.client("admin")
    assert admin.patch(url, json={"scale_max": 4}).status_code == 200
    assert answer(cast, "admin", survey["id"], make_customer()["id"], score=2).status_code == 201
    refused = admin.patch(url, json={"scale_max": 10})
    assert refused.status_code == 409
    assert "has 1 answer;" in refused.json()["error"]["message"]
    assert admin.patch(url, json={"kind": "csat"}).status_code == 409
    assert admin.patch(url, json={"name": "Renamed", "is_active": False}).status_code == 200


def test_a_score_off_the_scale_names_the_score_and_the_range(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survey = make_survey(cast, "csat")
    customer = make_customer(by="rep_a")
    for score in (0, 6):
        response = answer(cast, "rep_a", survey["id"], customer["id"], score=score)
        assert _paths(response) == ["body.score"]
        assert "from 1 to 5" in response.json()["error"]["fields"][0]["message"]
    made = answer(
        cast, "rep_a", survey["id"], customer["id"], score=5, comment="很好", channel="sms"
    )
    assert made.status_code == 201, made.text
    url = f"{ANSWERS}/{made.json()['id']}"
    assert _paths(cast.client("rep_a").patch(url, json={"score": 7})) == ["body.score"]
    nps = make_survey(cast, "nps")
    moved = cast.client("rep_a").patch(url, json={"survey_id": nps["id"], "score": 0})
    assert moved.status_code == 200, moved.text
    assert _paths(answer(cast, "rep_a", 10**9, customer["id"])) == ["body.survey_id"]


def test_ticket_and_order_links_must_be_of_the_same_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survey = make_survey(cast, "ces")
    mine, other = make_customer(by="rep_a"), make_customer(by="rep_a")
    my_ticket = open_ticket(cast, "rep_a", mine["id"])
    other_ticket = open_ticket(cast, "rep_a", other["id"])
    my_order, other_order = add_order(cast, mine["id"]), add_order(cast, other["id"])

    wrong_ticket = answer(cast, "rep_a", survey["id"], mine["id"], score=3,
                          ticket_id=other_ticket["id"])  # fmt: skip
    assert _paths(wrong_ticket) == ["body.ticket_id"]
    wrong_order = answer(cast, "rep_a", survey["id"], mine["id"], score=3, order_id=other_order)
    assert _paths(wrong_order) == ["body.order_id"]
    made = answer(cast, "rep_a", survey["id"], mine["id"], score=3,
                  ticket_id=my_ticket["id"], order_id=my_order)  # fmt: skip
    assert made.status_code == 201, made.text
    moved = cast.client("rep_a").patch(
        f"{ANSWERS}/{made.json()['id']}", json={"customer_id": other["id"]}
    )
    assert _paths(moved) == ["body.ticket_id"]


def test_answers_are_seen_and_changed_with_their_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survey = make_survey(cast)
    theirs = make_customer(by="rep_b")
    made = answer(cast, "rep_b", survey["id"], theirs["id"], score=4)
    assert made.status_code == 201, made.text
    url = f"{ANSWERS}/{made.json()['id']}"

    rep = cast.client("rep_a")
    assert rep.get(url).status_code == 404
    assert made.json()["id"] not in {a["id"] for a in rep.get(ANSWERS).json()["items"]}
    assert _paths(answer(cast, "rep_a", survey["id"], theirs["id"])) == ["body.customer_id"]
    agent = cast.client("agent_a")  # reads every customer, so every answer; changes neither
    assert agent.get(url).status_code == 200
    assert agent.patch(url, json={"comment": "x"}).status_code == 403
    analyst = cast.client("analyst")
    assert analyst.get(url).status_code == 200
    assert analyst.patch(url, json={"comment": "x"}).status_code == 403
    assert cast.client("manager_b").patch(url, json={"comment": "跟进"}).status_code == 200


def test_filters_by_survey_customer_time_and_score(cast: Cast, make_customer: MakeCustomer) -> None:
    survey, other_survey = make_survey(cast), make_survey(cast)
    customer = make_customer(by="rep_a")
    now = utcnow()
    made = {}
    for score, days in ((0, 20), (6, 10), (9, 5), (10, 1)):
        at = (now - timedelta(days=days)).isoformat()
        made[score] = answer(cast, "rep_a", survey["id"], customer["id"], score=score,
                             responded_at=at).json()["id"]  # fmt: skip
    elsewhere = answer(cast, "rep_a", other_survey["id"], customer["id"], score=9).json()["id"]
    client = cast.client("rep_a")

    def ids(**params: Any) -> list[int]:
        response = client.get(ANSWERS, params={"customer_id": customer["id"], **params})
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert ids(survey_id=survey["id"], sort="-responded_at") == [
        made[10],
        made[9],
        made[6],
        made[0],
    ]
    assert ids(survey_id=survey["id"], min_score=7, sort="score") == [made[9], made[10]]
    assert ids(max_score=6, sort="score") == [made[0], made[6]]
    window = {"responded_from": (now - timedelta(days=11)).isoformat(),
              "responded_to": (now - timedelta(days=2)).isoformat()}  # fmt: skip
    assert ids(**window, sort="responded_at") == [made[6], made[9]]
    assert ids(survey_id=other_survey["id"]) == [elsewhere]


def test_surveys_and_answers_go_to_the_recycle_bin_and_come_back(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survey = make_survey(cast)
    made = answer(cast, "rep_a", survey["id"], make_customer(by="rep_a")["id"], score=8).json()
    rep = cast.client("rep_a")
    answer_url = f"{ANSWERS}/{made['id']}"
    assert rep.delete(answer_url).status_code == 204
    assert rep.get(answer_url).status_code == 404
    assert rep.post(f"{answer_url}/restore").status_code == 200

    admin, url = cast.client("admin"), f"{SURVEYS}/{survey['id']}"
    assert admin.patch(url, json={"question": "How likely…? 您会推荐吗？"}).status_code == 200
    assert admin.delete(url).status_code == 204
    assert _paths(answer(cast, "rep_a", survey["id"], made["customer_id"])) == ["body.survey_id"]
    assert survey["id"] in {s["id"] for s in admin.get(f"{SURVEYS}/deleted").json()["items"]}
    assert admin.post(f"{url}/restore").status_code == 200
    history = admin.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history][-2:] == ["delete", "restore"]
    assert ("update", "question") in {(h["action"], h["field"]) for h in history}
    assert ("create", "scale_max") in {(h["action"], h["field"]) for h in history}
