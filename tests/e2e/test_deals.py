"""In a real browser: drag a deal to the next stage of the pipeline board."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def _wide(page: Page) -> None:
    # Every column in view: a drag to a column scrolled out of sight is a test artefact.
    page.set_viewport_size({"width": 2000, "height": 900})


def test_drag_a_deal_to_the_next_stage(page: Page) -> None:
    _wide(page)
    sign_in(page)
    page.goto("/deals")
    columns = page.locator(".board-column[data-outcome=open]")
    count = columns.count()
    source_index = next(
        i for i in range(count - 1) if columns.nth(i).locator(".deal-card").count() > 0
    )
    source, target = columns.nth(source_index), columns.nth(source_index + 1)
    card = source.locator(".deal-card").first
    deal_id = card.get_attribute("data-deal")
    target_stage = target.get_attribute("data-stage")
    before = int(target.locator("header p").inner_text().split()[0])

    card.drag_to(target)

    moved = page.locator(f".board-column[data-stage='{target_stage}'] #deal-{deal_id}")
    expect(moved).to_be_visible()
    expect(page.locator(f".board-column[data-stage='{target_stage}'] header p")).to_contain_text(
        f"{before + 1} deals"
    )
    changes = page.request.get(f"/api/v1/deals/{deal_id}/stage-changes").json()
    assert changes[-1]["to_stage_id"] == int(target_stage or 0)
    assert changes[-1]["changed_by_id"] is not None
    page.reload()
    expect(
        page.locator(f".board-column[data-stage='{target_stage}'] #deal-{deal_id}")
    ).to_be_visible()


def test_dropping_on_a_lost_stage_asks_why(page: Page) -> None:
    _wide(page)
    sign_in(page)
    page.goto("/deals")
    card = page.locator(".board-column[data-outcome=open] .deal-card").first
    deal_id = card.get_attribute("data-deal")
    lost = page.locator(".board-column[data-outcome=lost]").first
    card.drag_to(lost)
    dialog = page.locator("#lost-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Reason").fill("Chose a cheaper supplier")
    with page.expect_response(lambda r: r.url.endswith(f"/deals/{deal_id}/move")) as answer:
        dialog.get_by_role("button", name="Mark as lost").click()
    assert answer.value.status == 200, answer.value.text()
    expect(lost.locator(f"#deal-{deal_id}")).to_be_visible()
    deal = page.request.get(f"/api/v1/deals/{deal_id}").json()
    assert (deal["status"], deal["lost_reason"]) == ("lost", "Chose a cheaper supplier")
