"""Every column a preset recognises is documented, and detection picks the right preset."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.imports.presets import PRESETS, detect
from rapport.imports.record_columns import RECORD_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_column_is_documented(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [h for names in PRESETS[name].columns.values() for h in names if f"`{h}`" not in text]
    assert not missing, f"docs/import.md lacks {missing} of preset {name}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Record Id", "First Name", "Last Name", "Email", "Mailing City", "Lead Source"], "zoho"),
        (
            ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date"],
            "hubspot",
        ),
        (
            ["Contact ID", "First Name", "Last Name", "Email", "Mailing State/Province"],
            "salesforce",
        ),
        (["FirstName", "LastName", "Email", "MobilePhone", "MailingCity"], "salesforce"),
        (["hs_object_id", "firstname", "lastname", "email", "mobilephone"], "hubspot"),
        (["姓名", "手机", "邮箱", "客户名称", "负责人邮箱", "数据ID"], "fxiaoke"),
        (["姓名", "手机", "邮箱", "城市"], "generic"),
        (["Name", "E-mail", "Mobile", "City"], "generic"),
    ],
)
def test_detection_picks_the_source(header: list[str], expected: str) -> None:
    preset, mapping = detect(header)
    assert preset.name == expected
    assert "email" in mapping


@pytest.mark.parametrize("entity", sorted(RECORD_COLUMNS))
def test_every_record_column_is_documented(entity: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    spec = RECORD_COLUMNS[entity]
    assert f"`--type {entity}`" in text
    missing = [h for field, names in spec.columns.items() for h in (field, *names)
               if f"`{h}`" not in text]  # fmt: skip
    assert not missing, f"docs/import.md lacks {missing} of {entity} imports"
