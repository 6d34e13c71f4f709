"""Typed facts: what crosses the boundary between extraction and everything else.

Every fact carries ``start``/``end``: Python string indices (code points, end
exclusive) into the report's text as decoded (BOM removed, line ends turned
into ``\\n``, nothing else changed), and ``text == original[start:end]``.
Field names and meanings follow ``corpus/GUIDE.md`` and ``../shared/OUTPUT.md``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Qualifier = Literal["exact", "approx", "over", "under"]
Granularity = Literal["day", "month", "quarter", "half", "year"]
DateKind = Literal["point", "span", "asof", "deadline"]
Phase = Literal[
    "planned",
    "signed",
    "land",
    "started",
    "under_construction",
    "topped_out",
    "completed",
    "in_production",
    "at_capacity",
]
BatchList = Literal["sign", "start", "produce"]

#: Lifecycle order of phases; used to tell progress from regression.
PHASE_ORDER: dict[str, int] = {
    "planned": 0,
    "signed": 1,
    "land": 2,
    "started": 3,
    "under_construction": 4,
    "topped_out": 5,
    "completed": 6,
    "in_production": 7,
    "at_capacity": 8,
}


class FactBase(BaseModel):
    """Common part of every fact."""

    model_config = ConfigDict(extra="forbid")

    start: int = Field(description="start offset in the decoded original text")
    end: int = Field(description="end offset (exclusive) in the decoded original text")
    text: str = Field(description="original[start:end], verbatim")
    sentence_start: Optional[int] = Field(
        default=None, description="offset of the sentence the fact stands in"
    )
    sentence_end: Optional[int] = None


class Amount(FactBase):
    kind: Literal["amount"] = "amount"
    value_yuan: Optional[int] = Field(
        default=None, description="integer amount in the currency's own units (yuan for CNY)"
    )
    value_max_yuan: Optional[int] = Field(
        default=None, description="upper bound for a range (3亿至5亿元); value_yuan is the lower"
    )
    currency: str = "CNY"
    qualifier: Qualifier = "exact"
    role: str = "other"
    target: bool = False
    subject: Optional[str] = None


class Percentage(FactBase):
    kind: Literal["percentage"] = "percentage"
    value: Optional[float] = None
    value_max: Optional[float] = None
    qualifier: Qualifier = "exact"
    metric: str = ""
    target: bool = False


class PercentagePoint(FactBase):
    """A change in percentage points (``2.3个百分点``): not a rate."""

    kind: Literal["percentage_point"] = "percentage_point"
    value: Optional[float] = None
    qualifier: Qualifier = "exact"
    metric: str = ""
    direction: Optional[Literal["up", "down"]] = None


class DateFact(FactBase):
    kind: Literal["date"] = "date"
    date_start: Optional[_dt.date] = None
    date_end: Optional[_dt.date] = None
    granularity: Granularity = "day"
    date_kind: DateKind = "point"
    lunar: bool = False
    relative: bool = False


class Count(FactBase):
    kind: Literal["count"] = "count"
    value: int
    value_max: Optional[int] = None
    noun: str = "项目"
    qualifier: Qualifier = "exact"
    target: bool = False
    subject: Optional[str] = None


class Project(FactBase):
    kind: Literal["project"] = "project"
    name: str
    phase: Optional[Phase] = None
    batch: Optional[int] = None
    batch_list: Optional[BatchList] = None
    investment_yuan: Optional[int] = None
    source: Optional[str] = Field(default=None, description="rules, ner or both")


class Organisation(FactBase):
    kind: Literal["organisation"] = "organisation"
    name: str
    org_type: Optional[str] = None


class Person(FactBase):
    kind: Literal["person"] = "person"
    name: str
    title: Optional[str] = None
    organisation: Optional[str] = None


class Place(FactBase):
    kind: Literal["place"] = "place"
    name: str


class PhaseEvent(FactBase):
    """A stage word with no named project in reach (``16个基础设施新建项目集中开工``)."""

    kind: Literal["phase_event"] = "phase_event"
    phase: Phase
    word: str


Fact = Annotated[
    Union[
        Amount,
        Percentage,
        PercentagePoint,
        DateFact,
        Count,
        Project,
        Organisation,
        Person,
        Place,
        PhaseEvent,
    ],
    Field(discriminator="kind"),
]

def _extractor_version() -> str:
    from .version import extractor_version

    return extractor_version()


ReferenceSource = Literal["given", "file", "inferred", "default"]


class ExtractionResult(BaseModel):
    """All facts of one report."""

    model_config = ConfigDict(extra="allow")

    path: Optional[str] = None
    id: Optional[Union[str, int]] = None
    sha256: Optional[str] = None
    title: Optional[str] = None
    reference_date: Optional[_dt.date] = None
    reference_date_source: Optional[ReferenceSource] = None
    facts: list[Fact] = Field(default_factory=list)
    extractor_version: Optional[str] = Field(
        default_factory=lambda: _extractor_version(),
        description="the extractors that produced the facts (extract.version)",
    )

    def of_kind(self, kind: str) -> list:
        return [f for f in self.facts if f.kind == kind]

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json", exclude_none=False)
