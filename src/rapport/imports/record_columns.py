"""The columns an import of orders, deals, interactions, tickets, answers or events reads.

Each record type has one table of header names per field: the common English and
Chinese headers, and the labels and API names that Zoho CRM, HubSpot, Salesforce and
纷享销客 write in their exports of deals, cases/tickets and activities. Headers are
compared folded (``presets.fold``), so case, spaces and underscores do not matter.

A row names its customer by the customer's external id, email, phone or (when no
other customer has it) name; users by email or name; products by SKU or name; an
order by its number or external id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rapport.imports.presets import fold

_NAMES_CUSTOMER: Final = (
    "customer_external_id",
    "customer_email",
    "customer_phone",
    "customer_name",
)
_CUSTOMER: Final = {
    "customer_external_id": ("Customer External ID", "Customer ID", "Contact ID", "Account ID",
                             "AccountId", "ContactId", "客户编号", "客户ID"),
    "customer_email": ("Customer Email", "Contact Email", "Email", "Email Address", "邮箱",
                       "客户邮箱", "电子邮件"),
    "customer_phone": ("Customer Phone", "Contact Phone", "Phone", "Mobile", "手机", "手机号",
                       "电话", "客户电话"),
    "customer_name": ("Customer", "Customer Name", "Account Name", "Contact Name", "Account_Name",
                      "Contact_Name", "Associated Company", "Associated Contact", "Company",
                      "客户", "客户名称", "联系人", "联系人姓名"),
}  # fmt: skip


@dataclass(frozen=True)
class RecordColumns:
    """What an import of one record type reads: field → header names, and what it needs."""

    entity: str
    title: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[tuple[str, ...], ...]  # each: at least one of these fields mapped

    def mapping_for(self, header: list[str]) -> dict[str, str]:
        """Field → the header of this file that carries it (first match wins)."""
        folded = {fold(h): h for h in reversed(header)}
        found: dict[str, str] = {}
        taken: set[str] = set()
        for target, names in self.columns.items():
            for name in (target, *names):
                column = folded.get(fold(name))
                if column is not None and column not in taken:
                    found[target] = column
                    taken.add(column)
                    break
        return found


ORDERS = RecordColumns("order", "Orders", {
    "number": ("Order Number", "Order No", "Order ID", "Sales Order Number", "SO Number",
               "OrderNumber", "订单号", "订单编号", "单号"),
    "external_id": ("External ID", "Record Id", "外部编号"),
    **_CUSTOMER,
    "ordered_at": ("Order Date", "Ordered At", "Date", "Created Time", "EffectiveDate",
                   "下单时间", "下单日期", "订单日期", "日期"),
    "status": ("Order Status", "Status", "订单状态", "状态"),
    "channel": ("Channel", "Source", "渠道", "来源"),
    "campaign": ("Campaign", "Campaign Name", "活动", "营销活动"),
    "owner": ("Owner", "Order Owner", "Sales Rep", "负责人", "销售"),
    "currency": ("Currency", "CurrencyIsoCode", "币种", "货币"),
    "refunded_at": ("Refunded At", "Refund Date", "退款时间"),
    "product": ("Product", "Product Name", "SKU", "Product Code", "Item", "商品", "商品名称",
                "产品", "产品名称", "商品编码"),
    "quantity": ("Quantity", "Qty", "数量"),
    "unit_price": ("Unit Price", "Price", "List Price", "UnitPrice", "单价", "价格"),
    "discount": ("Discount", "折扣", "优惠"),
}, required=(("ordered_at",), ("product",),
             _NAMES_CUSTOMER))  # fmt: skip

DEALS = RecordColumns("deal", "Deals", {
    "external_id": ("Record Id", "Deal ID", "Opportunity ID", "hs_object_id", "Id", "商机编号",
                    "商机ID"),
    "name": ("Deal Name", "Deal_Name", "dealname", "Opportunity Name", "Name", "商机名称",
             "商机", "名称"),
    **_CUSTOMER,
    "pipeline": ("Pipeline", "Deal Pipeline", "销售流程", "流程"),
    "stage": ("Stage", "Deal Stage", "dealstage", "StageName", "Sales Stage", "阶段", "销售阶段",
              "商机阶段"),
    "amount": ("Amount", "Deal Amount", "Expected Revenue", "金额", "商机金额", "预计金额"),
    "currency": ("Currency", "CurrencyIsoCode", "币种"),
    "expected_close_on": ("Closing Date", "Close Date", "CloseDate", "closedate", "Closing_Date",
                          "预计成交日期", "结单日期", "成交日期"),
    "created_at": ("Created Time", "Create Date", "Created Date", "CreatedDate", "createdate",
                   "创建时间", "创建日期"),
    "lost_reason": ("Reason For Loss", "Closed Lost Reason", "Loss Reason", "Lost Reason",
                    "closed_lost_reason", "输单原因", "丢单原因"),
    "owner": ("Deal Owner", "Opportunity Owner", "Owner", "hubspot_owner_id", "负责人",
              "销售负责人"),
    "channel": ("Lead Source", "LeadSource", "Source", "渠道", "来源"),
    "campaign": ("Campaign Source", "Campaign", "Primary Campaign Source", "营销活动"),
    "description": ("Description", "Next Step", "描述", "备注"),
}, required=(("name",),
             _NAMES_CUSTOMER))  # fmt: skip

INTERACTIONS = RecordColumns("interaction", "Interactions", {
    **_CUSTOMER,
    "kind": ("Type", "Activity Type", "Activity", "Task Subtype", "Engagement Type", "类型",
             "方式", "跟进方式", "活动类型"),
    "occurred_at": ("Date", "Occurred At", "Activity Date", "ActivityDate", "Call Start Time",
                    "Created Time", "时间", "日期", "跟进时间"),
    "direction": ("Direction", "Call Type", "方向", "呼叫类型"),
    "subject": ("Subject", "Title", "主题", "标题"),
    "body": ("Description", "Notes", "Body", "Comments", "内容", "跟进内容", "备注", "记录"),
    "duration_seconds": ("Duration (seconds)", "Call Duration (in seconds)",
                         "CallDurationInSeconds", "Duration", "时长", "通话时长"),
    "outcome": ("Outcome", "Call Result", "CallDisposition", "结果"),
    "user": ("Owner", "Activity Owner", "Assigned To", "User", "负责人", "跟进人"),
}, required=(("kind",), ("occurred_at",),
             _NAMES_CUSTOMER))  # fmt: skip

TICKETS = RecordColumns("ticket", "Tickets", {
    "external_id": ("Ticket ID", "Ticket Id", "Case Number", "CaseNumber", "Request Id",
                    "hs_object_id", "工单编号", "工单号"),
    **_CUSTOMER,
    "subject": ("Subject", "Ticket name", "subject", "Title", "主题", "标题", "工单标题"),
    "description": ("Description", "Ticket description", "content", "问题描述", "描述", "内容"),
    "status": ("Status", "Ticket status", "hs_pipeline_stage", "状态", "工单状态"),
    "priority": ("Priority", "hs_ticket_priority", "优先级"),
    "category": ("Category", "Type", "Ticket category", "hs_ticket_category", "Reason", "类别",
                 "分类", "问题类型"),
    "channel": ("Channel", "Case Origin", "Origin", "Source", "渠道", "来源"),
    "opened_at": ("Created Time", "Create date", "Date/Time Opened", "CreatedDate", "Opened At",
                  "创建时间", "提交时间"),
    "first_response_at": ("First Response Time", "First response date", "首次响应时间"),
    "resolved_at": ("Resolved Time", "Resolved At", "解决时间"),
    "closed_at": ("Closed Time", "Close date", "Date/Time Closed", "ClosedDate", "关闭时间"),
    "order": ("Order Number", "Order", "订单号"),
    "product": ("Product", "Product Name", "产品", "商品"),
    "assignee": ("Ticket Owner", "Case Owner", "Assignee", "Owner", "处理人", "负责人"),
}, required=(("subject",),
             _NAMES_CUSTOMER))  # fmt: skip

RESPONSES = RecordColumns("survey_response", "Survey answers", {
    "survey": ("Survey", "Survey Name", "问卷", "调查", "问卷名称"),
    **_CUSTOMER,
    "score": ("Score", "Rating", "NPS", "CSAT", "CES", "评分", "分数", "得分"),
    "comment": ("Comment", "Comments", "Feedback", "Reason", "评论", "意见", "反馈", "原因"),
    "responded_at": ("Responded At", "Submitted At", "Date", "Response Date", "提交时间", "日期",
                     "时间"),
    "channel": ("Channel", "渠道"),
    "order": ("Order Number", "订单号"),
}, required=(("survey",), ("score",),
             _NAMES_CUSTOMER))  # fmt: skip

EVENTS = RecordColumns("event", "Events", {
    "name": ("Event", "Event Name", "事件", "事件名称"),
    "session_id": ("Session", "Session ID", "会话", "会话ID"),
    "occurred_at": ("Time", "Timestamp", "Occurred At", "时间"),
    "anonymous_id": ("Anonymous ID", "Visitor ID", "Device ID", "访客ID", "设备ID"),
    "customer_external_id": _CUSTOMER["customer_external_id"],
    "customer_email": _CUSTOMER["customer_email"],
    "page": ("Page", "URL", "Page URL", "页面"),
    "product": ("Product", "SKU", "商品"),
    "order": ("Order Number", "订单号"),
    "channel": ("Channel", "Source", "渠道"),
}, required=(("name",), ("session_id",), ("occurred_at",)))  # fmt: skip

RECORD_COLUMNS: Final = {spec.entity: spec for spec in
                         (ORDERS, DEALS, INTERACTIONS, TICKETS, RESPONSES, EVENTS)}  # fmt: skip
