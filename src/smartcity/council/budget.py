"""The budget deliberation (Haushaltsberatung): import a budget plan from CSV, file the factions'
amendments (Änderungsanträge) as papers, mark the budget adopted, and read it back by product
area and group with each line's amendments and their state.

The CSV (docs/council.md, "Budget deliberation"): a header row with the columns
`Produktbereich`, `Produktgruppe`, `Produkt-Nr.`, `Bezeichnung` and one `Ansatz <year>` per
year (consecutive years); separated by `;` (or `,`, or a tab), UTF-8 or Windows-1252; amounts in
euros with a decimal comma and optional thousands points (`1.234.567,89`), empty meaning 0.
A file with any bad row stores nothing and names every bad row.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.uploads.services import PayloadTooLarge
from smartcity.core.web.i18n import _, current_language, gettext_
from smartcity.council import services as council
from smartcity.council.models import AgendaItem, Consultation, Meeting, Organization, Paper
from smartcity.council.models_budget import (
    Amendment,
    AmendmentChange,
    Budget,
    BudgetAmount,
    BudgetLine,
)

MAX_BYTES = 1024 * 1024
MAX_LINES = 5000
MAX_YEARS = 5
# Shown at most; a file with more bad rows says how many more there are.
MAX_ERRORS = 50
MAX_CENTS = 10**15  # ten trillion euros
PAPER_TYPE = "Änderungsantrag"
FACTION = "Fraktion"
# Agenda-item results by which an amendment is adopted (the digital session writes
# "angenommen"; the office records "beschlossen" and its variants).
ADOPTING = frozenset(
    {"angenommen", "beschlossen", "ungeändert beschlossen", "geändert beschlossen"}
)
COLUMNS = {
    "area": ("produktbereich",),
    "group": ("produktgruppe",),
    "number": ("produkt-nr.", "produkt-nr", "produktnummer", "produkt nr."),
    "name": ("bezeichnung",),
}
COLUMN_NAMES = {
    "area": "Produktbereich",
    "group": "Produktgruppe",
    "number": "Produkt-Nr.",
    "name": "Bezeichnung",
}
LIMITS = {"area": 200, "group": 200, "number": 40, "name": 300}
YEAR_COLUMN = re.compile(r"^ansatz\s+(\d{4})$")
AMOUNT = re.compile(r"^(-)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$")


# ---- amounts ---------------------------------------------------------------------------------


def parse_amount(text: str) -> int:
    """Euros as written in a German plan (`-1.234.567,89`, `1234`, empty for 0) in cents;
    ValueError for anything else."""
    cleaned = text.strip()
    for noise in ("€", "EUR", " ", "\u00a0", "\u202f"):
        cleaned = cleaned.replace(noise, "")
    cleaned = cleaned.replace("\u2212", "-").replace("+", "")
    if cleaned in ("", "-"):
        return 0
    found = AMOUNT.match(cleaned)
    if found is None:
        raise ValueError(cleaned)
    cents = int(found[2].replace(".", "")) * 100 + int((found[3] or "0").ljust(2, "0"))
    if cents >= MAX_CENTS:
        raise ValueError(cleaned)
    return -cents if found[1] else cents


def money(cents: int, *, sign: bool = False, language: str | None = None) -> str:
    """An amount for a page in the page's language: `1.234.567 €` (German) or `€1,234,567`,
    with cents only when there are any; `sign` writes `+` before a positive change."""
    language = language or current_language.get()
    whole, rest = divmod(abs(cents), 100)
    digits = f"{whole:,}" + (f".{rest:02d}" if rest else "")
    prefix = "-" if cents < 0 else ("+" if sign and cents > 0 else "")
    if language == "de":
        digits = digits.translate(str.maketrans(",.", ".,"))
        return f"{prefix}{digits} €"
    return f"{prefix}€{digits}"


def euros(cents: int) -> float:
    """Cents as euros for open data (exact: two decimals)."""
    return round(cents / 100, 2)


# ---- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    area: str
    group: str
    number: str
    name: str
    amounts: dict[int, int]


@dataclass(frozen=True)
class Plan:
    years: list[int]
    lines: list[PlanLine]


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(
            gettext_("The file is too large: at most {size} MB.").format(size=MAX_BYTES // 2**20),
            size=len(data),
            limit=MAX_BYTES,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InvalidInput(
                gettext_("This is not a CSV file."), errors={"file": _("This is not a CSV file.")}
            ) from None
    if "\x00" in text or not text.strip():
        message = (
            gettext_("This is not a CSV file.") if text.strip() else gettext_("The file is empty.")
        )
        raise InvalidInput(message, errors={"file": message})
    return text


def _header(header: list[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Which column holds what: the text columns and the years' amounts."""
    names = [cell.strip().casefold() for cell in header]
    columns: dict[str, int] = {}
    missing: list[str] = []
    for key, accepted in COLUMNS.items():
        index = next((i for i, name in enumerate(names) if name in accepted), None)
        if index is None:
            missing.append(COLUMN_NAMES[key])
        else:
            columns[key] = index
    if missing:
        message = gettext_("The file lacks the columns {columns} in its first row.").format(
            columns=", ".join(f"„{name}“" for name in missing)
        )
        raise InvalidInput(message, errors={"file": message})
    years: dict[int, int] = {}
    for index, name in enumerate(names):
        found = YEAR_COLUMN.match(name)
        if found:
            year = int(found[1])
            if year in years:
                message = gettext_("The column „Ansatz {year}“ appears twice.").format(year=year)
                raise InvalidInput(message, errors={"file": message})
            years[year] = index
    ordered = sorted(years)
    if not ordered:
        message = gettext_(
            "The file has no column with the planned amounts of a year (e.g. „Ansatz 2027“)."
        )
        raise InvalidInput(message, errors={"file": message})
    if len(ordered) > MAX_YEARS or ordered != list(range(ordered[0], ordered[-1] + 1)):
        message = gettext_(
            "The years of the columns „Ansatz …“ must follow each other (at most {count})."
        ).format(count=MAX_YEARS)
        raise InvalidInput(message, errors={"file": message})
    return columns, years


def parse_plan(data: bytes) -> Plan:
    """The plan in a CSV file; InvalidInput naming every bad row (or what is wrong with the
    file as a whole), PayloadTooLarge for a file over the limit."""
    text = _text(data)
    first = text.splitlines()[0]
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        columns, years = _header(next(rows))
        lines: list[PlanLine] = []
        problems: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) + len(problems) >= MAX_LINES:
                message = gettext_("The file has more than {count} rows.").format(count=MAX_LINES)
                raise InvalidInput(message, errors={"file": message})
            try:
                lines.append(_line(row, columns, years, seen, number))
            except ValueError as exc:
                problems.append((number, str(exc)))
    except csv.Error:
        message = gettext_("The file cannot be read as CSV.")
        raise InvalidInput(message, errors={"file": message}) from None
    if problems:
        errors = {
            f"zeile-{number}": gettext_("Row {row}: {problem}").format(row=number, problem=problem)
            for number, problem in problems[:MAX_ERRORS]
        }
        if len(problems) > MAX_ERRORS:
            errors["zeilen"] = gettext_("… and {count} more rows with errors.").format(
                count=len(problems) - MAX_ERRORS
            )
        raise InvalidInput(gettext_("Nothing was imported: the file has errors."), errors=errors)
    if not lines:
        message = gettext_("The file has no budget lines.")
        raise InvalidInput(message, errors={"file": message})
    return Plan(sorted(years), lines)


def _line(
    row: list[str],
    columns: dict[str, int],
    years: dict[int, int],
    seen: dict[str, int],
    number: int,
) -> PlanLine:
    """One row; ValueError with what is wrong with it (in the reader's language)."""
    width = max([*columns.values(), *years.values()]) + 1
    if len(row) < width:
        raise ValueError(
            gettext_("it has {found} columns instead of {expected}.").format(
                found=len(row), expected=width
            )
        )
    values = {key: row[index].strip() for key, index in columns.items()}
    wrong: list[str] = []
    for key, value in values.items():
        if not value:
            wrong.append(gettext_("„{column}“ is empty").format(column=COLUMN_NAMES[key]))
        elif len(value) > LIMITS[key]:
            wrong.append(
                gettext_("„{column}“ is longer than {limit} characters").format(
                    column=COLUMN_NAMES[key], limit=LIMITS[key]
                )
            )
    if values["number"] and values["number"] in seen:
        wrong.append(
            gettext_("the product number {number} is already in row {row}").format(
                number=values["number"], row=seen[values["number"]]
            )
        )
    amounts: dict[int, int] = {}
    for year, index in years.items():
        try:
            amounts[year] = parse_amount(row[index])
        except ValueError:
            wrong.append(
                gettext_("„Ansatz {year}“ is not an amount in euros (e.g. 1.234.567,89)").format(
                    year=year
                )
            )
    if wrong:
        raise ValueError("; ".join(wrong) + ".")
    seen[values["number"]] = number
    return PlanLine(values["area"], values["group"], values["number"], values["name"], amounts)


def import_budget(
    db: Session, *, title: str, data: bytes, budget: Budget | None, actor: str
) -> Budget:
    """Create a budget from a CSV file, or replace a draft budget's lines by the file's (lines
    are matched by their product number, so that amendments stay with their line). Nothing is
    stored when the file or the title has an error."""
    if budget is not None and budget.adopted:
        raise InvalidInput(_("An adopted budget cannot be replaced."))
    title = title.strip()
    wrong_title = (
        {"title": _("Please enter a title (at most 300 characters).")}
        if not title or len(title) > 300
        else {}
    )
    try:
        plan = parse_plan(data)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, errors={**wrong_title, **exc.errors}) from None
    if wrong_title:
        raise InvalidInput(_("Please check your entries."), errors=wrong_title)
    now = utcnow()
    if budget is None:
        budget = Budget(title=title, first_year=plan.years[0], last_year=plan.years[-1])
        db.add(budget)
        db.flush()
        existing: dict[str, BudgetLine] = {}
        action = "council_budget.import"
    else:
        existing = {line.number: line for line in lines_of(db, budget)}
        _keep_amended(db, existing, plan)
        action = "council_budget.reimport"
    budget.title, budget.first_year, budget.last_year = title, plan.years[0], plan.years[-1]
    budget.modified_at = now
    wanted = {line.number for line in plan.lines}
    gone = [line.id for number, line in existing.items() if number not in wanted]
    if gone:
        db.execute(delete(BudgetAmount).where(BudgetAmount.line_id.in_(gone)))
        db.execute(delete(BudgetLine).where(BudgetLine.id.in_(gone)))
    kept = [line.id for number, line in existing.items() if number in wanted]
    if kept:
        db.execute(delete(BudgetAmount).where(BudgetAmount.line_id.in_(kept)))
    for position, planned in enumerate(plan.lines):
        line = existing.get(planned.number)
        if line is None:
            line = BudgetLine(budget_id=budget.id, number=planned.number)
            db.add(line)
        line.position, line.area, line.product_group, line.name = (
            position,
            planned.area,
            planned.group,
            planned.name,
        )
        db.flush()
        db.add_all(
            BudgetAmount(line_id=line.id, year=year, cents=cents)
            for year, cents in planned.amounts.items()
        )
    db.flush()
    audit.record(
        db,
        actor=actor,
        action=action,
        resource_type="council_budget",
        resource_id=budget.id,
        changes={
            "title": title,
            "years": f"{plan.years[0]}–{plan.years[-1]}",
            "lines": len(plan.lines),
            "removed": len(gone),
        },
    )
    return budget


def _keep_amended(db: Session, existing: dict[str, BudgetLine], plan: Plan) -> None:
    """A line with amendments must stay in the plan, and the years they change with it."""
    wanted = {line.number for line in plan.lines}
    amended = _amended_years(db, [line.id for line in existing.values()])
    errors: dict[str, str] = {}
    for number, line in existing.items():
        if line.id not in amended:
            continue
        if number not in wanted:
            errors[f"produkt-{number}"] = gettext_(
                "The product {number} has amendments and must stay in the plan."
            ).format(number=number)
        elif not amended[line.id] <= set(plan.years):
            errors[f"produkt-{number}"] = gettext_(
                "The product {number} has amendments for years the file does not have."
            ).format(number=number)
    if errors:
        raise InvalidInput(gettext_("Nothing was imported: the file has errors."), errors=errors)


def _amended_years(db: Session, line_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    if not line_ids:
        return found
    for line_id, year in db.execute(
        select(Amendment.line_id, AmendmentChange.year)
        .join(AmendmentChange, AmendmentChange.amendment_id == Amendment.id, isouter=True)
        .where(Amendment.line_id.in_(line_ids))
    ):
        years = found.setdefault(line_id, set())  # listed even without changes
        if year is not None:
            years.add(year)
    return found


def adopt(db: Session, budget: Budget, *, on: date, actor: str) -> Budget:
    """Mark the budget adopted by the council (from then on it is published as open data and
    can be neither re-imported nor amended)."""
    if budget.adopted:
        raise InvalidInput(_("This budget is already adopted."))
    # The amendments' outcome as of today is what the adopted budget holds from now on.
    for found in view(db, budget, public_only=False).amendments:
        found.amendment.adopted = found.adopted
    budget.adopted, budget.adopted_on, budget.modified_at = True, on, utcnow()
    audit.record(
        db,
        actor=actor,
        action="council_budget.adopt",
        resource_type="council_budget",
        resource_id=budget.id,
        changes={"adopted_on": on.isoformat()},
    )
    return budget


# ---- amendments ------------------------------------------------------------------------------


def factions(db: Session) -> list[Organization]:
    return list(
        db.scalars(
            select(Organization)
            .where(Organization.organization_type == FACTION, Organization.deleted.is_(False))
            .order_by(Organization.name)
        )
    )


def file_amendment(
    db: Session,
    budget: Budget,
    *,
    line_id: int | None,
    faction_id: int | None,
    changes: dict[int, str],
    reason: str,
    today: date,
    actor: str,
) -> Amendment:
    """A faction's amendment to a line: filed as a paper of type „Änderungsantrag“ by the
    faction (public, so that it is deliberated, voted and published like every paper).
    `changes` are the amounts as typed, by year."""
    if budget.adopted:
        raise InvalidInput(_("An adopted budget cannot be amended any more."))
    errors: dict[str, str] = {}
    line = db.get(BudgetLine, line_id) if line_id else None
    if line is None or line.budget_id != budget.id:
        errors["line"] = _("Please choose a line of the budget.")
    faction = db.get(Organization, faction_id) if faction_id else None
    if faction is None or faction.deleted or faction.organization_type != FACTION:
        errors["faction"] = _("Please choose a faction.")
    reason = reason.strip()
    if not reason:
        errors["reason"] = _("Please give the reason for the amendment.")
    elif len(reason) > 4000:
        errors["reason"] = _("The reason is longer than 4000 characters.")
    amounts: dict[int, int] = {}
    for year in budget.years:
        try:
            amounts[year] = parse_amount(changes.get(year, ""))
        except ValueError:
            errors[f"change_{year}"] = _(
                "Please enter an amount in euros, e.g. -25.000 or 1.500,50."
            )
    if not errors and not any(amounts.values()):
        errors[f"change_{budget.first_year}"] = _("Please enter a change for at least one year.")
    if errors:
        raise InvalidInput(_("Please check your entries."), errors=errors)
    assert line is not None
    assert faction is not None
    # The budget's row locked (PostgreSQL) until the commit: two amendments filed at once get
    # consecutive references, not the same one (SQLite has one writer at a time anyway).
    db.execute(select(Budget.id).where(Budget.id == budget.id).with_for_update())
    count = db.scalar(
        select(func.count())
        .select_from(Amendment)
        .join(BudgetLine, BudgetLine.id == Amendment.line_id)
        .where(BudgetLine.budget_id == budget.id)
    )
    paper = council.create(
        db,
        Paper(
            name=f"Änderungsantrag {faction.name}: {line.number} {line.name}"[:500],
            reference=f"ÄA {budget.first_year}/{(count or 0) + 1:03d}",
            date=today,
            paper_type=PAPER_TYPE,
            public=True,
            originator_organization_id=faction.id,
        ),
        actor=actor,
    )
    amendment = Amendment(line_id=line.id, paper_id=paper.id, faction_id=faction.id, reason=reason)
    db.add(amendment)
    db.flush()
    db.add_all(
        AmendmentChange(amendment_id=amendment.id, year=year, cents=cents)
        for year, cents in amounts.items()
        if cents
    )
    budget.modified_at = utcnow()
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="council_budget_amendment.create",
        resource_type="council_budget_amendment",
        resource_id=amendment.id,
        changes={
            "budget": budget.id,
            "line": line.number,
            "paper": paper.id,
            "faction": faction.id,
            **{str(year): cents for year, cents in amounts.items() if cents},
        },
    )
    return amendment


# ---- reading ---------------------------------------------------------------------------------


def budgets(db: Session) -> list[Budget]:
    return list(db.scalars(select(Budget).order_by(Budget.first_year.desc(), Budget.id.desc())))


def budget_or_404(db: Session, budget_id: int) -> Budget:
    budget = db.get(Budget, budget_id)
    if budget is None:
        raise NotFound(gettext_("There is no such budget."))
    return budget


def lines_of(db: Session, budget: Budget) -> list[BudgetLine]:
    return list(
        db.scalars(
            select(BudgetLine)
            .where(BudgetLine.budget_id == budget.id)
            .order_by(BudgetLine.position, BudgetLine.id)
        )
    )


@dataclass
class AmendmentView:
    amendment: Amendment
    paper: Paper
    faction: Organization
    line: BudgetLine
    changes: dict[int, int]
    # The state in the reader's language and whether the amendment was adopted.
    state: str
    adopted: bool


@dataclass
class LineView:
    line: BudgetLine
    planned: dict[int, int]
    amendments: list[AmendmentView] = field(default_factory=list)

    def adopted(self, year: int) -> int:
        """The amount with the adopted amendments."""
        return self.planned.get(year, 0) + sum(
            a.changes.get(year, 0) for a in self.amendments if a.adopted
        )


@dataclass
class GroupView:
    name: str
    lines: list[LineView]


@dataclass
class AreaView:
    name: str
    groups: list[GroupView]

    def total(self, year: int, *, adopted: bool = False) -> int:
        return sum(
            line.adopted(year) if adopted else line.planned.get(year, 0)
            for group in self.groups
            for line in group.lines
        )


@dataclass
class BudgetView:
    budget: Budget
    areas: list[AreaView]
    amendments: list[AmendmentView]

    def bars(self, year: int) -> list[tuple[str, int, float]]:
        """Each area's total of the year with its share of the largest (0 to 1; a negative
        total has no bar), for the chart."""
        totals = [(area.name, area.total(year)) for area in self.areas]
        largest = max((cents for _name, cents in totals), default=0)
        return [
            (name, cents, max(cents, 0) / largest if largest > 0 else 0.0) for name, cents in totals
        ]

    def change_bars(self, year: int) -> list[tuple[str, int, float]]:
        """Each amendment's change in `year` (those that change it), labelled with its paper's
        reference and faction, with its share of the largest change in either direction (-1
        to 1), for the chart of the amendments."""
        changes = [
            (f"{a.paper.reference or a.paper.name} · {a.faction.name}", a.changes[year])
            for a in self.amendments
            if a.changes.get(year)
        ]
        largest = max((abs(cents) for _label, cents in changes), default=0)
        return [(label, cents, cents / largest if largest else 0.0) for label, cents in changes]

    def amended_lines(self) -> list[LineView]:
        """The lines with amendments, in the plan's order."""
        return [
            line
            for area in self.areas
            for group in area.groups
            for line in group.lines
            if line.amendments
        ]


def _states(db: Session, paper_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """Each paper's state from its deliberation: the result of the latest public agenda item
    with a result, else "in deliberation" once on an agenda, else "filed"."""
    found: dict[int, tuple[str, bool]] = {}
    scheduled: set[int] = set()
    if paper_ids:
        for paper_id, result in db.execute(
            select(Consultation.paper_id, AgendaItem.result)
            .join(AgendaItem, AgendaItem.id == Consultation.agenda_item_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                Consultation.paper_id.in_(paper_ids),
                Consultation.deleted.is_(False),
                AgendaItem.deleted.is_(False),
                AgendaItem.public.is_(True),
                Meeting.deleted.is_(False),
            )
            .order_by(Meeting.start, AgendaItem.order)
        ):
            scheduled.add(paper_id)
            if result:
                found[paper_id] = (_result(result), result.casefold() in ADOPTING)
    for paper_id in scheduled - found.keys():
        found[paper_id] = (gettext_("in deliberation"), False)
    return found


def _result(result: str) -> str:
    labels = {"angenommen": _("adopted"), "abgelehnt": _("rejected")}
    return gettext_(labels[result]) if result in labels else result


def view(db: Session, budget: Budget, *, public_only: bool) -> BudgetView:
    """The budget by area and product group, each line with its amounts and amendments (on
    the portal only those whose paper is published)."""
    lines = lines_of(db, budget)
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    if lines:
        for line_id, year, cents in db.execute(
            select(BudgetAmount.line_id, BudgetAmount.year, BudgetAmount.cents).where(
                BudgetAmount.line_id.in_([line.id for line in lines])
            )
        ):
            planned[line_id][year] = cents
    views = {line.id: LineView(line, planned[line.id]) for line in lines}
    statement = (
        select(Amendment, Paper, Organization)
        .join(Paper, Paper.id == Amendment.paper_id)
        .join(Organization, Organization.id == Amendment.faction_id)
        .where(Amendment.line_id.in_(list(views)))
        .order_by(Paper.reference, Amendment.id)
    )
    if public_only:
        statement = statement.where(Paper.public.is_(True), Paper.deleted.is_(False))
    rows = db.execute(statement).all() if views else []
    changes: dict[int, dict[int, int]] = defaultdict(dict)
    if rows:
        for amendment_id, year, cents in db.execute(
            select(AmendmentChange.amendment_id, AmendmentChange.year, AmendmentChange.cents).where(
                AmendmentChange.amendment_id.in_([row[0].id for row in rows])
            )
        ):
            changes[amendment_id][year] = cents
    states = _states(db, [paper.id for _a, paper, _f in rows])
    amendments: list[AmendmentView] = []
    for amendment, paper, faction in rows:
        state, adopted = states.get(paper.id, (gettext_("filed"), False))
        if paper.deleted:
            state, adopted = gettext_("withdrawn"), False
        if budget.adopted and amendment.adopted is not None:
            adopted = amendment.adopted  # as fixed at the adoption
        found = AmendmentView(
            amendment,
            paper,
            faction,
            views[amendment.line_id].line,
            changes[amendment.id],
            state,
            adopted,
        )
        amendments.append(found)
        views[amendment.line_id].amendments.append(found)
    # Areas and groups in the order of their first line in the file.
    grouped: dict[str, dict[str, list[LineView]]] = {}
    for line in lines:
        grouped.setdefault(line.area, {}).setdefault(line.product_group, []).append(views[line.id])
    areas = [
        AreaView(area, [GroupView(name, rows) for name, rows in groups.items()])
        for area, groups in grouped.items()
    ]
    return BudgetView(budget, areas, amendments)
