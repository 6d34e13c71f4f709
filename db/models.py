"""Typed records that cross the boundary between the registry and its users.

``StoredReport`` is a report as the registry holds it (text + facts + which
registry project each project mention was assigned to). The consistency
checks (:mod:`db.checks`) take a list of them and return ``Inconsistency``
items; they never read SQL themselves, so they are testable without a database.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal, Optional

from pydantic import BaseModel, Field

from extract.models import Fact

Severity = Literal["error", "warning", "info"]
InconsistencyKind = Literal[
    "sum_mismatch",
    "rate_mismatch",
    "value_conflict",
    "name_variant",
    "phase_conflict",
    "date_conflict",
    "role_change",
    "duplicate_text",
    "article_version",
]


class StoredReport(BaseModel):
    id: int
    path: str
    title: Optional[str] = None
    text: str
    sha256: str
    reference_date: Optional[_dt.date] = None
    reference_date_source: Optional[str] = None
    facts: list[Fact] = Field(default_factory=list)
    #: index into ``facts`` -> registry project id, for every project mention
    project_of: dict[int, int] = Field(default_factory=dict)


class RegistryProject(BaseModel):
    id: int
    name: str
    aliases: list[str] = Field(default_factory=list)
    phase: Optional[str] = None
    investment_yuan: Optional[int] = None


class Evidence(BaseModel):
    path: str
    start: int
    end: int
    text: str
    report_id: Optional[int] = None
    sentence_start: Optional[int] = None
    sentence_end: Optional[int] = None
    reference_date: Optional[_dt.date] = None
    note: Optional[str] = None


class Inconsistency(BaseModel):
    kind: InconsistencyKind
    severity: Severity
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    project_id: Optional[int] = None
    details: dict = Field(default_factory=dict)
