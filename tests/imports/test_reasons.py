"""Why a row was refused: the English as before, with the words to say it in any language."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rapport.customers.schemas import CustomerCreate
from rapport.errors import Conflict, FieldProblem
from rapport.i18n import N_
from rapport.imports.customer_rows import parse_date
from rapport.imports.reasons import CellError, Reason


def test_a_reason_from_a_template_reads_as_its_english() -> None:
    reason = Reason.of(N_("not imported: line %(row)s of the same order has a problem"), row=7)
    assert reason.text == "not imported: line 7 of the same order has a problem"
    assert reason.columns() == {
        "reason": "not imported: line 7 of the same order has a problem",
        "reason_template": "not imported: line %(row)s of the same order has a problem",
        "reason_params": {"row": 7},
    }


def test_a_template_without_params_is_its_own_msgid() -> None:
    plain = Reason.of(N_("no active user with this email or name"))
    assert plain.columns() == {
        "reason": "no active user with this email or name",
        "reason_template": None,
        "reason_params": None,
    }


def test_a_service_refusal_keeps_its_template() -> None:
    taken = Reason.of_error(
        Conflict(N_("order %(id)s already has the number %(number)s"), id=3, number="SO-1")
    )
    assert taken.text == "order 3 already has the number SO-1"
    assert taken.template == "order %(id)s already has the number %(number)s"
    problem = Reason.of_problem(FieldProblem(("body", "x"), N_("no active user %(id)s"), id=5))
    assert (problem.text, problem.params) == ("no active user 5", {"id": 5})


def test_a_validation_error_keeps_its_english_and_gets_the_forms_words() -> None:
    with pytest.raises(ValidationError) as raised:
        CustomerCreate.model_validate({"name": "赵六", "email": "not-an-email"})
    (error,) = raised.value.errors()
    reason = Reason.of_validation(error)
    assert reason.text == str(error["msg"]).removeprefix("Value error, ")
    assert reason.template == "“%(text)s” is not an email address."
    assert reason.params == {"text": "not-an-email"}


def test_a_date_outside_the_calendar_keeps_the_librarys_english() -> None:
    with pytest.raises(CellError) as raised:
        parse_date("1985/13/01")
    reason = Reason.of_error(raised.value)
    assert reason.text == "month must be in 1..12"
    assert reason.template == "is not a real date"


def test_params_are_kept_as_json_can_hold_them() -> None:
    reason = Reason.of(N_("%(day)s is in the future."), day=date(2099, 1, 1))
    assert reason.params == {"day": "2099-01-01"}
    assert reason.text == "2099-01-01 is in the future."
