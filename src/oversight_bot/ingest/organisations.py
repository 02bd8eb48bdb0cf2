"""The ODS national trust file (etr.csv, no header), ONS's ICB list, and the alias file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from oversight_bot.domain.organisations import Organisation, OrgKind
from oversight_bot.errors import FileProblem, ImportFileError
from oversight_bot.ingest.csvfile import Problems, read_text, records, rows_with_header, validate_rows
from oversight_bot.services.releases import AliasList, OrganisationList, SourceFile

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


class OdsRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Text = Field(pattern=r"^[A-Z0-9]{3,5}$")
    name: Text = Field(min_length=1, max_length=200)
    region_code: Text = Field(pattern=r"^(Y\d{2})?$")
    icb_code: Text = Field(pattern=r"^([A-Z0-9]{3})?$")
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

    ons_code: Text = Field(alias="ICB24CD", pattern=r"^E54\d{6}$")
    code: Text = Field(alias="ICB24CDH", pattern=r"^[A-Z0-9]{3}$")
    name: Text = Field(alias="ICB24NM", min_length=1, max_length=200)


def read_icb_file(path: Path) -> OrganisationList:
    """ONS's "ICB (December 2024) names and codes": ICBs by their ODS code."""
    text = read_text(path)
    problems = Problems(text.source)
    rows = validate_rows(
        IcbRow,
        rows_with_header(text, ("ICB24CD", "ICB24CDH", "ICB24NM"), ("ObjectId",), "ONS's ICB names and codes"),
        problems,
    )
    problems.raise_if_any()
    organisations = tuple(Organisation(ods_code=r.code, name=r.name, kind=OrgKind.ICB) for _, r in rows)
    return OrganisationList(SourceFile(text.source, text.sha256, len(rows)), organisations)


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
