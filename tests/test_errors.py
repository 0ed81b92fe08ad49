"""The services' errors: English messages, made from templates a page can translate."""

from __future__ import annotations

from rapport.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from rapport.i18n import N_


def test_a_message_from_a_template_reads_as_its_english() -> None:
    conflict = Conflict(
        N_("customer %(id)s already has the email %(email)s"), id=7, email="li@example.com"
    )
    assert conflict.message == str(conflict) == "customer 7 already has the email li@example.com"
    assert conflict.template == "customer %(id)s already has the email %(email)s"
    assert conflict.params == {"id": 7, "email": "li@example.com"}


def test_an_invalid_lists_each_field_with_its_english_message() -> None:
    invalid = Invalid(
        [
            FieldProblem(("body", "owner_id"), N_("no active user %(id)s"), id=9),
            FieldProblem(("body", "name"), N_("cannot be cleared")),
        ]
    )
    assert invalid.message == "body.owner_id: no active user 9; body.name: cannot be cleared"
    assert [p.message for p in invalid.problems] == ["no active user 9", "cannot be cleared"]
    one = Invalid.field(("body", "owner_id"), N_("no active user %(id)s"), id=9)
    assert one.message == "body.owner_id: no active user 9"


def test_not_found_names_the_kind_and_the_id() -> None:
    missing = NotFound("customer", 4)
    assert missing.message == "customer 4 not found"
    assert missing.params == {"entity": "customer", "id": 4}


def test_text_without_params_is_kept_as_it_is() -> None:
    assert FieldProblem(("body", "discount"), "100% is too much").message == "100% is too much"
    assert Forbidden("only 50% may pass").message == "only 50% may pass"
