"""Column mappings that recognise other CRMs' exports and common headers.

A preset maps Rapport's customer fields to the header names another system writes, by
its column labels and by its API names. The preset whose names match the most headers
is chosen; a mapping file can override any column. Headers are compared folded: case,
spaces, underscores, dots and hyphens do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

# Fields an import can fill on a customer. first_name/last_name are joined into the name;
# company_name finds or makes the company; owner_email finds the owner.
CUSTOMER_FIELDS: Final = (
    "external_id", "name", "first_name", "last_name", "kind", "email", "phone", "mobile",
    "wechat_id", "gender", "birthday", "country", "province", "city", "district", "street",
    "postcode", "company_name", "job_title", "industry", "website", "channel", "owner_email",
    "notes", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class Preset:
    """How one source names the columns of a customer export."""

    name: str
    title: str
    columns: dict[str, tuple[str, ...]]  # Rapport field → header names


def fold(header: str) -> str:
    """A header reduced to what identifies it."""
    return re.sub(r"[\s_.\-/()（）:：]+", "", header).lower()


ZOHO = Preset("zoho", "Zoho CRM", {
    "external_id": ("Record Id", "Contact Id", "Lead Id", "id"),
    "first_name": ("First Name", "First_Name"),
    "last_name": ("Last Name", "Last_Name"),
    "name": ("Full Name", "Full_Name", "Account Name (Account)"),
    "email": ("Email",),
    "phone": ("Phone",),
    "mobile": ("Mobile",),
    "company_name": ("Account Name", "Account_Name", "Company"),
    "job_title": ("Title", "Designation"),
    "street": ("Mailing Street", "Mailing_Street", "Street"),
    "city": ("Mailing City", "Mailing_City", "City"),
    "province": ("Mailing State", "Mailing_State", "State"),
    "postcode": ("Mailing Zip", "Mailing_Zip", "Zip Code", "Zip_Code"),
    "country": ("Mailing Country", "Mailing_Country", "Country"),
    "channel": ("Lead Source", "Lead_Source"),
    "birthday": ("Date of Birth", "Date_of_Birth"),
    "notes": ("Description",),
    "website": ("Website",),
    "industry": ("Industry",),
    "created_at": ("Created Time", "Created_Time"),
    "owner_email": ("Contact Owner Email", "Owner Email"),
})  # fmt: skip

HUBSPOT = Preset("hubspot", "HubSpot", {
    "external_id": ("Record ID", "Contact ID", "hs_object_id"),
    "first_name": ("First Name", "firstname"),
    "last_name": ("Last Name", "lastname"),
    "email": ("Email", "email"),
    "phone": ("Phone Number", "phone"),
    "mobile": ("Mobile Phone Number", "mobilephone"),
    "company_name": ("Company Name", "company", "Associated Company"),
    "job_title": ("Job Title", "jobtitle"),
    "street": ("Street Address", "address"),
    "city": ("City", "city"),
    "province": ("State/Region", "state"),
    "postcode": ("Postal Code", "zip"),
    "country": ("Country/Region", "country"),
    "channel": ("Original Source", "Original Traffic Source", "hs_analytics_source"),
    "birthday": ("Date of birth", "date_of_birth"),
    "website": ("Website URL", "website"),
    "industry": ("Industry", "industry"),
    "created_at": ("Create Date", "createdate"),
    "owner_email": ("Contact owner email", "Owner Email"),
    "notes": ("Notes", "message"),
})  # fmt: skip

SALESFORCE = Preset("salesforce", "Salesforce", {
    "external_id": ("Contact ID", "Lead ID", "Id", "Contact Id"),
    "first_name": ("First Name", "FirstName"),
    "last_name": ("Last Name", "LastName"),
    "name": ("Full Name", "Name"),
    "email": ("Email",),
    "phone": ("Phone", "Business Phone"),
    "mobile": ("Mobile", "Mobile Phone", "MobilePhone"),
    "company_name": ("Account Name", "Account.Name", "Company"),
    "job_title": ("Title",),
    "street": ("Mailing Street", "MailingStreet"),
    "city": ("Mailing City", "MailingCity"),
    "province": ("Mailing State/Province", "MailingState"),
    "postcode": ("Mailing Zip/Postal Code", "MailingPostalCode"),
    "country": ("Mailing Country", "MailingCountry"),
    "channel": ("Lead Source", "LeadSource"),
    "birthday": ("Birthdate",),
    "notes": ("Description",),
    "created_at": ("Created Date", "CreatedDate"),
    "owner_email": ("Contact Owner Email", "Owner.Email"),
})  # fmt: skip

FXIAOKE = Preset("fxiaoke", "纷享销客 (FxiaoKe)", {
    "external_id": ("数据ID", "联系人编号", "客户编号", "_id"),
    "name": ("姓名", "联系人姓名", "联系人名称"),
    "mobile": ("手机", "手机号", "手机号码"),
    "phone": ("电话", "办公电话", "联系电话"),
    "email": ("邮箱", "电子邮箱"),
    "wechat_id": ("微信", "微信号"),
    "company_name": ("客户名称", "所属客户", "公司名称"),
    "job_title": ("职务", "职位"),
    "gender": ("性别",),
    "birthday": ("生日", "出生日期"),
    "province": ("省", "省份"),
    "city": ("市", "城市"),
    "district": ("区", "区县"),
    "street": ("详细地址", "地址"),
    "channel": ("来源", "客户来源", "线索来源"),
    "notes": ("备注",),
    "created_at": ("创建时间",),
    "owner_email": ("负责人邮箱",),
})  # fmt: skip

GENERIC = Preset("generic", "Common headers (English and Chinese)", {
    "external_id": ("external id", "external_id", "id", "编号", "客户编号", "外部编号"),
    "name": ("name", "full name", "customer", "customer name", "contact name", "姓名",
             "名称", "客户名称", "客户", "联系人"),
    "first_name": ("first name", "given name", "名"),
    "last_name": ("last name", "surname", "family name", "姓"),
    "kind": ("kind", "type", "类型", "客户类型"),
    "email": ("email", "e-mail", "email address", "邮箱", "电子邮箱", "邮件", "电子邮件"),
    "phone": ("phone", "telephone", "tel", "电话", "联系电话", "座机"),
    "mobile": ("mobile", "cell", "mobile phone", "手机", "手机号", "手机号码"),
    "wechat_id": ("wechat", "wechat id", "微信", "微信号"),
    "gender": ("gender", "sex", "性别"),
    "birthday": ("birthday", "birth date", "date of birth", "生日", "出生日期"),
    "country": ("country", "国家"),
    "province": ("province", "state", "region", "省", "省份"),
    "city": ("city", "城市", "市"),
    "district": ("district", "county", "区", "区县"),
    "street": ("address", "street", "street address", "地址", "详细地址", "街道"),
    "postcode": ("postcode", "postal code", "zip", "zip code", "邮编", "邮政编码"),
    "company_name": ("company", "company name", "organization", "account", "公司",
                     "公司名称", "单位", "企业名称"),
    "job_title": ("title", "job title", "position", "职位", "职务"),
    "industry": ("industry", "行业"),
    "website": ("website", "web", "url", "网站", "网址"),
    "channel": ("source", "lead source", "channel", "来源", "渠道"),
    "owner_email": ("owner", "owner email", "负责人", "负责人邮箱", "销售"),
    "notes": ("notes", "note", "remarks", "comment", "description", "备注", "说明"),
    "created_at": ("created", "created at", "create date", "创建时间", "创建日期"),
})  # fmt: skip

PRESETS: Final = {p.name: p for p in (ZOHO, HUBSPOT, SALESFORCE, FXIAOKE, GENERIC)}


def mapping_for(preset: Preset, header: Iterable[str]) -> dict[str, str]:
    """Rapport field → the header of this file that holds it, for the headers found."""
    folded = {fold(h): h for h in header if h}
    found: dict[str, str] = {}
    for field, names in preset.columns.items():
        for name in names:
            if fold(name) in folded and folded[fold(name)] not in found.values():
                found[field] = folded[fold(name)]
                break
    return found


def detect(header: list[str]) -> tuple[Preset, dict[str, str]]:
    """The preset that recognises most of ``header``, and its mapping (generic on ties)."""
    scored = [(len(mapping_for(p, header)), p.name == "generic", p) for p in PRESETS.values()]
    best = max(scored, key=lambda s: (s[0], s[1]))[2]
    return best, mapping_for(best, header)
