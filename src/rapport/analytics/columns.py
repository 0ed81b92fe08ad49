"""The CRM's column types as the analytics engine holds them: Arrow types, and DuckDB's
names for them."""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa
from sqlalchemy import JSON, BigInteger, Boolean, Date, Enum, Integer, String, Text

from rapport.db import UTCDateTime

DUCK_TYPES: Final = {
    pa.timestamp("us"): "TIMESTAMP", pa.date32(): "DATE", pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT", pa.string(): "VARCHAR", pa.float64(): "DOUBLE",
}  # fmt: skip


def arrow_type(column_type: Any) -> pa.DataType:
    if isinstance(column_type, UTCDateTime):
        return pa.timestamp("us")
    if isinstance(column_type, Date):
        return pa.date32()
    if isinstance(column_type, Boolean):
        return pa.bool_()
    if isinstance(column_type, (Integer, BigInteger)):
        return pa.int64()
    if isinstance(column_type, (String, Text, Enum, JSON)):
        return pa.string()
    return pa.float64()
