"""A segment as a customer-match audience: hashed contact data for advertising platforms.

Ad platforms (Google Customer Match, Meta Custom Audiences) find their own users among a
list of SHA-256 hashes of normalised emails and phone numbers, for targeting and
lookalike audiences. A segment's current members go into that list only when

- the reader may see them (the customer access rules; others leave no trace, not even
  in the counts),
- the customer has not opted out of marketing (``marketing_opt_out``),
- the newest consent-ledger entry for the ``audience_export`` purpose, whatever its
  channel, says "given" (no entry means no), and
- there is an email or a phone number to hash.

Each member left out is counted once, under the first of these reasons that applies:
opted out, no consent, no email or phone. Erased (anonymised) customers have no contact
data left to give.

Normalisation before hashing: emails trimmed and lower-cased; phone numbers in E.164
with the leading ``+`` for Google (``+8613800138000``), and the same digits without the
``+`` for Meta (``8613800138000``: country code, no symbols, no leading zeros).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Final, Literal

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Action, Actor, condition
from rapport.consents.models import Consent, ConsentStatus
from rapport.customers.models import Customer
from rapport.customers.service import RULE as CUSTOMER_RULE
from rapport.segments.models import SegmentMembership
from rapport.segments.service import RECORD as SEGMENT_RECORD

Platform = Literal["google", "meta"]
PURPOSE: Final = "audience_export"  # the consent purpose that allows the export
COLUMNS: Final = ("email_sha256", "phone_sha256")
PAGE: Final = 1000
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_SEPARATORS: Final = re.compile(r"[\s\-().]")
# customer id, email, phone, opted out, erased, newest audience_export consent status
_Row = Row[int, str | None, str | None, bool, bool, ConsentStatus | None]
_Query = Select[int, str | None, str | None, bool, bool, ConsentStatus | None]


class LeftOut(StrEnum):
    """Why a member is not in the audience."""

    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    NO_CONTACT = "no_contact"  # neither an email nor a phone number


@dataclass(frozen=True)
class AudienceMember:
    """One current member: the hashes (empty when the field is missing), or why not."""

    customer_id: int
    email_sha256: str
    phone_sha256: str
    left_out: LeftOut | None


@dataclass
class AudienceCounts:
    """How many visible current members went into the audience, and why the rest did not."""

    included: int = 0
    opted_out: int = 0
    no_consent: int = 0
    no_contact: int = 0

    @property
    def members(self) -> int:
        """Every visible current member, included or not."""
        return self.included + self.opted_out + self.no_consent + self.no_contact

    def add(self, member: AudienceMember) -> None:
        """Counts ``member`` under its outcome."""
        if member.left_out is None:
            self.included += 1
        else:
            name = member.left_out.value
            setattr(self, name, getattr(self, name) + 1)


def normalise_email(email: str | None) -> str | None:
    """The email trimmed and lower-cased; None when there is none."""
    text = (email or "").strip().lower()
    return text or None


def normalise_phone(phone: str | None, *, platform: Platform) -> str | None:
    """The number as ``platform`` hashes it: E.164 with ``+`` (google), its digits without
    ``+`` (meta); None when there is none, or it is not in E.164 (its country is unknown)."""
    text = _PHONE_SEPARATORS.sub("", phone or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _E164.fullmatch(text):
        return None
    return text if platform == "google" else text.removeprefix("+")


def sha256_hex(text: str | None) -> str:
    """The lower-case hex SHA-256 of ``text`` in UTF-8; empty for None."""
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else ""


def _query(actor: Actor, segment_id: int) -> _Query:
    """Current members of the segment that ``actor`` sees, by customer id, with their
    contact data, opt-out, erasure and newest ``audience_export`` consent."""
    newest_consent = (
        select(Consent.status)
        .where(Consent.customer_id == Customer.id, Consent.purpose == PURPOSE)
        .order_by(Consent.at.desc(), Consent.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    in_segment = select(SegmentMembership.customer_id).where(
        SegmentMembership.segment_id == segment_id, SegmentMembership.left_at.is_(None)
    )
    return (
        select(
            Customer.id,
            Customer.email,
            Customer.phone,
            Customer.marketing_opt_out,
            Customer.anonymised_at.is_not(None),
            newest_consent,
        )
        .where(
            Customer.id.in_(in_segment),
            Customer.deleted_at.is_(None),
            condition(actor, CUSTOMER_RULE, Action.READ),
        )
        .order_by(Customer.id)
    )


def _member(row: _Row, platform: Platform) -> AudienceMember:
    """The member of one row of ``_query``: hashed, or the first reason to leave them out."""
    customer_id, email, phone, opted_out, erased, consent = row
    if opted_out:
        return AudienceMember(customer_id, "", "", LeftOut.OPTED_OUT)
    if consent != ConsentStatus.GIVEN:
        return AudienceMember(customer_id, "", "", LeftOut.NO_CONSENT)
    email_hash = "" if erased else sha256_hex(normalise_email(email))
    phone_hash = "" if erased else sha256_hex(normalise_phone(phone, platform=platform))
    if not (email_hash or phone_hash):
        return AudienceMember(customer_id, "", "", LeftOut.NO_CONTACT)
    return AudienceMember(customer_id, email_hash, phone_hash, None)


def members(
    *, session: Session, actor: Actor, segment_id: int, platform: Platform = "google"
) -> Iterator[AudienceMember]:
    """Each current member of the segment ``actor`` sees, by customer id, hashed for
    ``platform`` or with the reason left out; read page by page. NotFound for a segment
    ``actor`` cannot see (checked at once, not on the first member)."""
    records.get(session=session, actor=actor, kind=SEGMENT_RECORD, record_id=segment_id)
    return _pages(session, _query(actor, segment_id), platform)


def _pages(session: Session, query: _Query, platform: Platform) -> Iterator[AudienceMember]:
    """The members ``query`` finds, read a page at a time (keyset on the customer id)."""
    after = 0
    while True:
        rows = session.execute(query.where(Customer.id > after).limit(PAGE)).all()
        for row in rows:
            yield _member(row, platform)
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def write_csv(*, members: Iterable[AudienceMember], out: IO[str]) -> AudienceCounts:
    """Writes the header and one line of hashes per included member to ``out``; gives
    the counts of included and left-out members."""
    counts = AudienceCounts()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for member in members:
        counts.add(member)
        if member.left_out is None:
            writer.writerow((member.email_sha256, member.phone_sha256))
    return counts
