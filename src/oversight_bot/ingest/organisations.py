"""The ODS national trust file (etr.csv, no header), ONS's ICB list, and the alias file."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.domain.register import IcbMembership, Succession
from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.ingest.csvfile import Problems, header_of, read_text, records, rows_with_header, validate_rows
from oversight_bot.services.releases import AliasList, MembershipList, OrganisationList, SourceFile, SuccessionList

ODS_WIDTH = 27
# Positions in ODS's standard layout (0-based): code, name, region (national grouping), ICB
# (high level health geography), open date, close date.
ODS_FIELDS = {"code": 0, "name": 1, "region_code": 2, "icb_code": 3, "opened_on": 10, "closed_on": 11}

Text = Annotated[str, BeforeValidator(lambda s: s.strip() if isinstance(s, str) else s)]


def _ods_date(text: object) -> object:
    if not isinstance(text, str):
        return text
    text = text.strip()
    if text == "":
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date in YYYYMMDD form") from None


OdsDate = Annotated[date | None, BeforeValidator(_ods_date)]


def _iso_date(text: object) -> object:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-04-01") from None


class OdsRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")
    name: Text = Field(min_length=1, max_length=200)
    region_code: Text = Field(pattern=r"^(Y\d{2})?$")
    # Three characters until 2026; the ICBs made by the mergers of 1 April 2026 have five (D7T5G).
    icb_code: Text = Field(pattern=r"^([A-Z0-9]{3,5})?$")
    opened_on: OdsDate
    closed_on: OdsDate


def read_ods_file(path: Path, regions: dict[str, str]) -> OrganisationList:
    """ODS `etr.csv`: NHS trusts, with region codes turned into NHS England region names."""
    text = read_text(path)
    problems = Problems(text.source)
    named = ((line, {name: fields[i] for name, i in ODS_FIELDS.items()}) for line, fields in records(text, ODS_WIDTH))
    rows = validate_rows(OdsRow, named, problems)
    _check_unique(rows, problems)
    for line, row in rows:
        if row.region_code and row.region_code not in regions:
            problems.add(line, f"unknown region code {row.region_code!r}; known: {', '.join(sorted(regions))}")
    problems.raise_if_any()
    organisations = tuple(
        Organisation(
            ods_code=row.code,
            name=row.name,
            kind=OrgKind.TRUST,
            region=regions.get(row.region_code) if row.region_code else None,
            icb_code=row.icb_code or None,
            opened_on=row.opened_on,
            closed_on=row.closed_on,
        )
        for _, row in rows
    )
    return OrganisationList(SourceFile(text.source, text.sha256, len(rows)), organisations)


def _check_unique(rows: list[tuple[int, OdsRow]], problems: Problems) -> None:
    seen: dict[str, int] = {}
    for line, row in rows:
        if row.code in seen:
            problems.add(line, f"{row.code} repeats line {seen[row.code]}")
        seen.setdefault(row.code, line)


class IcbRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    ons_code: Text = Field(pattern=r"^E54\d{6}$")
    code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")
    name: Text = Field(min_length=1, max_length=200)


# ONS names its columns by the list's year: ICB24CD, ICB24CDH, ICB24NM for December 2024, ICB25... after.
_ICB_COLUMN = re.compile(r"^ICB(\d{2})(CD|CDH|NM)$")


def read_icb_file(path: Path) -> OrganisationList:
    """ONS's "ICB (<month year>) names and codes", any year's: ICBs by their ODS code."""
    text = read_text(path)
    year = _icb_list_year(text.source, header_of(text))
    columns = {f"ICB{year}CD": "ons_code", f"ICB{year}CDH": "code", f"ICB{year}NM": "name"}
    problems = Problems(text.source)
    rows = validate_rows(
        IcbRow,
        (
            (line, {columns[k]: v for k, v in row.items() if k in columns})
            for line, row in rows_with_header(text, tuple(columns), ("ObjectId", "FID"), "ONS's ICB names and codes")
        ),
        problems,
        {field: column for column, field in columns.items()},
    )
    problems.raise_if_any()
    organisations = tuple(Organisation(ods_code=r.code, name=r.name, kind=OrgKind.ICB) for _, r in rows)
    return OrganisationList(SourceFile(text.source, text.sha256, len(rows)), organisations)


def _icb_list_year(source: str, header: list[str]) -> str:
    years = {match[1] for name in header if (match := _ICB_COLUMN.match(name))}
    if len(years) != 1:
        message = (
            "the header does not name ONS's ICB columns for one year (like ICB24CD, ICB24CDH, ICB24NM); "
            f"found {', '.join(header)}"
        )
        raise ImportFileError(source, [FileProblem(1, message)])
    return years.pop()


class SuccessionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    predecessor: Text = Field(pattern=r"^[A-Z0-9]{3,10}$")
    successor: Text = Field(pattern=r"^[A-Z0-9]{3,10}$")
    effective_on: OdsDate
    indicator: Text = Field(pattern=r"^[01]?$")


SUCC_WIDTH = 5


def read_succ_file(path: Path) -> SuccessionList:
    """ODS's successor file (succ.csv: no header, five fields): predecessor, successor, (blank),
    effective date (YYYYMMDD), and an indicator ODS's file carries without documenting it here."""
    text = read_text(path)
    problems = Problems(text.source)
    named = (
        (line, {"predecessor": f[0], "successor": f[1], "effective_on": f[3], "indicator": f[4]})
        for line, f in records(text, SUCC_WIDTH)
    )
    rows = validate_rows(SuccessionRow, named, problems)
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        if row.effective_on is None:
            problems.add(line, "column 4: an effective date (YYYYMMDD) is required")
        key = (row.predecessor, row.successor)
        if key in seen:
            problems.add(line, f"{row.predecessor} -> {row.successor} repeats line {seen[key]}")
        seen.setdefault(key, line)
    problems.raise_if_any()
    successions = tuple(
        Succession(row.predecessor, row.successor, row.effective_on) for _, row in rows if row.effective_on
    )
    return SuccessionList(SourceFile(text.source, text.sha256, len(rows)), successions)


class MembershipRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    ods_code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")
    icb_code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")
    since: Annotated[date | None, BeforeValidator(_iso_date)] = None
    source: Text = Field(min_length=1, max_length=500)


def read_memberships_file(path: Path) -> MembershipList:
    """`ods_code,icb_code,since,source`: ICB memberships ODS's trust file does not give (care trusts,
    which ODS lists in another file), each with where it comes from."""
    text = read_text(path)
    problems = Problems(text.source)
    rows = validate_rows(
        MembershipRow,
        rows_with_header(text, ("ods_code", "icb_code", "source"), ("since",), "ICB memberships"),
        problems,
    )
    problems.raise_if_any()
    memberships = tuple(IcbMembership(r.ods_code, r.icb_code, r.since, None, r.source) for _, r in rows)
    return MembershipList(SourceFile(text.source, text.sha256, len(rows)), memberships)


class AliasRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    alias: Text = Field(min_length=2, max_length=100)
    ods_code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")

    @field_validator("ods_code", mode="before")
    @classmethod
    def _upper(cls, code: object) -> object:
        return code.strip().upper() if isinstance(code, str) else code


def read_alias_file(path: Path) -> AliasList:
    """`alias,ods_code[,source]` rows: the names people use ("UHS", "Maudsley", "Mid Staffs"); the
    optional `source` column says where each came from (documentation only, not imported)."""
    text = read_text(path)
    problems = Problems(text.source)
    rows = validate_rows(AliasRow, rows_with_header(text, ("alias", "ods_code"), ("source",)), problems)
    problems.raise_if_any()
    aliases = tuple((line, row.alias, row.ods_code) for line, row in rows)
    return AliasList(SourceFile(text.source, text.sha256, len(rows)), aliases)


def read_regions_file(path: Path) -> dict[str, str]:
    """`ods_code,name`: NHS England region codes (Y56...) and the names NHS England's files use."""
    text = read_text(path)
    found = {row["ods_code"].strip(): row["name"].strip() for _, row in rows_with_header(text, ("ods_code", "name"))}
    if not found:
        raise ImportFileError(text.source, [FileProblem(None, "no regions listed")])
    return found
