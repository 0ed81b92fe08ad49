"""Cell text as people write it in spreadsheets, read into numbers, amounts and choices.

Amounts are written in major units (``1,299.00``, ``¥1299``; a comma separates
thousands) and stored in minor units by the
currency's ISO 4217 exponent (two for CNY and USD, none for JPY). Choices accept
Rapport's own words, other CRMs' and Chinese ones (``Closed Won``, ``已支付``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from babel.numbers import get_currency_precision

from rapport.i18n import N_
from rapport.imports.reasons import CellError

_AMOUNT: Final = re.compile(r"[¥￥$€£\s,]|^(CNY|RMB|USD|EUR|GBP)|(CNY|RMB|USD|EUR|GBP|元)$")


def amount_minor(text: str, currency: str) -> int:
    """``text`` (an amount in ``currency``'s major unit) in minor units; CellError if not."""
    cleaned = _AMOUNT.sub("", text.strip().upper())
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(N_("is not an amount; write it like 1299.00")) from None
    if not value.is_finite() or value < 0:
        raise CellError(N_("must be an amount of zero or more"))
    minor = value.scaleb(get_currency_precision(currency))
    if minor != minor.to_integral_value():
        raise CellError(N_("has more decimals than %(currency)s has"), currency=currency)
    return int(minor)


def whole_number(text: str) -> int:
    """A whole number written with or without thousands separators; CellError if not."""
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(N_("is not a whole number")) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise CellError(N_("is not a whole number"))
    return int(value)


def choice(text: str, words: dict[str, str], hint: str) -> str:
    """The value that ``text`` names in ``words`` (lower-cased keys); CellError with
    ``hint`` (a template marked with ``N_``) if none does."""
    found = words.get(re.sub(r"[\s_\-]+", " ", text.strip().lower()))
    if found is None:
        raise CellError(hint)
    return found


ORDER_STATUS: Final = {
    "paid": "paid", "completed": "paid", "complete": "paid", "delivered": "paid",
    "shipped": "paid", "closed": "paid", "已支付": "paid", "已付款": "paid", "已完成": "paid",
    "已发货": "paid", "完成": "paid",
    "pending": "pending", "unpaid": "pending", "created": "pending", "待支付": "pending",
    "待付款": "pending", "未付款": "pending",
    "refunded": "refunded", "returned": "refunded", "已退款": "refunded", "退款": "refunded",
    "cancelled": "cancelled", "canceled": "cancelled", "void": "cancelled", "已取消": "cancelled",
    "取消": "cancelled",
}  # fmt: skip
TICKET_STATUS: Final = {
    "open": "open", "new": "open", "new ticket": "open", "working": "open", "in progress": "open",
    "escalated": "open", "新建": "open", "待处理": "open", "处理中": "open", "打开": "open",
    "pending": "pending", "on hold": "pending", "waiting on contact": "pending",
    "waiting on us": "pending", "waiting": "pending", "挂起": "pending", "等待": "pending",
    "等待客户": "pending",
    "resolved": "resolved", "solved": "resolved", "已解决": "resolved", "解决": "resolved",
    "closed": "closed", "已关闭": "closed", "关闭": "closed",
}  # fmt: skip
TICKET_PRIORITY: Final = {
    "low": "low", "低": "low", "normal": "normal", "medium": "normal", "中": "normal",
    "普通": "normal", "high": "high", "高": "high", "urgent": "urgent", "critical": "urgent",
    "紧急": "urgent", "最高": "urgent",
}  # fmt: skip
INTERACTION_KIND: Final = {
    "call": "call", "phone call": "call", "phone": "call", "电话": "call", "通话": "call",
    "email": "email", "e mail": "email", "mail": "email", "邮件": "email",
    "meeting": "meeting", "event": "meeting", "会议": "meeting", "面谈": "meeting",
    "visit": "visit", "拜访": "visit", "上门": "visit",
    "chat": "chat", "live chat": "chat", "在线": "chat", "在线聊天": "chat",
    "sms": "sms", "text": "sms", "短信": "sms",
    "wechat": "wechat", "微信": "wechat",
    "note": "note", "task": "note", "备注": "note", "笔记": "note",
}  # fmt: skip
DIRECTION: Final = {
    "inbound": "inbound", "incoming": "inbound", "in": "inbound", "呼入": "inbound",
    "来电": "inbound", "outbound": "outbound", "outgoing": "outbound", "out": "outbound",
    "呼出": "outbound", "去电": "outbound",
}  # fmt: skip
WON: Final = frozenset({"won", "closed won", "closedwon", "赢单", "成交", "已成交", "赢"})
LOST: Final = frozenset({"lost", "closed lost", "closedlost", "输单", "丢单", "失败", "输"})
