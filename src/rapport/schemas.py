"""Field types that many record schemas share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints


def _utc(value: datetime) -> datetime:
    """``value`` in UTC; a time without a zone is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Money = Annotated[int, Field(ge=0, le=10**15, description="In minor units (fen, cents).")]
