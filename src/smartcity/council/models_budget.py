"""The budget deliberation (Haushaltsberatung): a budget plan imported from CSV, its lines
(products in product groups and areas) with a planned amount per year, and the factions'
amendments (Änderungsanträge) to a line, each filed as a council Paper.

Amounts are whole cents (`BigInteger`), never floats. A budget is a draft until the council
office marks it adopted; then it is neither re-imported nor amended any more.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db import Base, UTCDateTime, utcnow
from smartcity.core.tenancy.models import TenantOwned


class Budget(TenantOwned, Base):
    """A budget plan (Haushaltsplan) for one or more consecutive years (a Doppelhaushalt)."""

    __tablename__ = "council_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    adopted: Mapped[bool] = mapped_column(default=False)
    adopted_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class BudgetLine(TenantOwned, Base):
    """A product of the plan (Produkt) in its product group and area, in the file's order."""

    __tablename__ = "council_budget_line"
    __table_args__ = (UniqueConstraint("budget_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(
        ForeignKey("council_budget.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    area: Mapped[str] = mapped_column(String(200))  # Produktbereich
    product_group: Mapped[str] = mapped_column(String(200))  # Produktgruppe
    number: Mapped[str] = mapped_column(String(40))  # Produkt-Nr.
    name: Mapped[str] = mapped_column(String(300))  # Bezeichnung


class BudgetAmount(TenantOwned, Base):
    """A line's planned amount (Ansatz) for one year."""

    __tablename__ = "council_budget_amount"
    __table_args__ = (UniqueConstraint("line_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("council_budget_line.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger)


class Amendment(TenantOwned, Base):
    """A faction's amendment to a budget line, filed as a Paper (so that it is deliberated and
    voted like any paper and published through OParl)."""

    __tablename__ = "council_budget_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("council_budget_line.id", ondelete="RESTRICT"), index=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("council_paper.id", ondelete="RESTRICT"), unique=True
    )
    faction_id: Mapped[int] = mapped_column(
        ForeignKey("council_organization.id", ondelete="RESTRICT")
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether the council adopted it, fixed when the budget is adopted (None before): the
    # adopted budget's amounts do not move when an agenda item's result is edited later.
    adopted: Mapped[bool | None] = mapped_column(default=None)


class AmendmentChange(TenantOwned, Base):
    """How much an amendment changes its line's amount in one year (negative: less)."""

    __tablename__ = "council_budget_change"
    __table_args__ = (UniqueConstraint("amendment_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("council_budget_amendment.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger)
