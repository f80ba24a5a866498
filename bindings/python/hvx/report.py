"""Translation reports: what changed or was lost when a guest
description was translated.

Wraps include/hvx/report.h.
"""

from __future__ import annotations

import contextlib
import enum
import json
from ctypes import c_char_p, c_int, c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional

from . import _lib

__all__ = ["Severity", "ReportItem", "Report"]

_F = _lib.bind({
    "hvx_report_new": (c_void_p, [], _lib.HANDLE),
    "hvx_report_free": (None, [c_void_p], _lib.NO_ERROR),
    "hvx_report_add": (c_int, [c_void_p, c_int, c_char_p, c_char_p,
                               c_char_p], _lib.STATUS),
    "hvx_report_count": (c_size_t, [c_void_p], _lib.NO_ERROR),
    "hvx_report_severity": (c_int, [c_void_p, c_size_t], _lib.STATUS),
    "hvx_report_subject": (c_char_p, [c_void_p, c_size_t], _lib.STRING),
    "hvx_report_message": (c_char_p, [c_void_p, c_size_t], _lib.STRING),
    "hvx_report_advice": (c_char_p, [c_void_p, c_size_t], _lib.STRING),
    "hvx_report_max_severity": (c_int, [c_void_p], _lib.NO_ERROR),
    "hvx_severity_name": (c_char_p, [c_int], _lib.OPTIONAL_STRING),
    "hvx_report_to_json": (c_void_p, [c_void_p], _lib.OWNED_STRING),
})


class Severity(enum.IntEnum):
    """How much a report item matters."""
    INFO = 0     #: carried over, changed in form
    WARNING = 1  #: carried over, but someone may have to act
    LOSS = 2     #: not carried over at all

    @property
    def label(self) -> str:
        """libhvx's name: "info", "warning" or "loss"."""
        return _F.hvx_severity_name(self.value) or self.name.lower()


@dataclass(frozen=True)
class ReportItem:
    """One thing that changed or was lost."""
    severity: Severity
    subject: str           #: what it is about, in the source's words
    message: str           #: what happened
    advice: Optional[str]  #: what to do about it, if anything


class Report(_lib.Owned):
    """The items a translation reports.  Pass one as ``report=`` to a
    reader, writer or translator; read it as a sequence of
    :class:`ReportItem`::

        report = hvx.Report()
        guest = hvx.VM.from_xl(text, report=report)
        for item in report:
            print(item.severity.label, item.subject, item.message)
    """

    __slots__ = ()
    _WHAT = "report"
    _FREE = _F.hvx_report_free

    def __init__(self) -> None:
        self._own(_F.hvx_report_new())

    def __enter__(self) -> "Report":
        return self

    def add(self, severity: Severity, subject: str, message: str,
            advice: Optional[str] = None) -> int:
        """Append an item; returns its index."""
        with self._lock:
            return int(_F.hvx_report_add(
                self._h(), _lib.c_int_range(severity, "severity", 0, 2),
                _lib.str_arg(subject, "subject"),
                _lib.str_arg(message, "message"),
                _lib.str_arg(advice, "advice")))

    def __len__(self) -> int:
        with self._lock:
            return int(_F.hvx_report_count(self._h()))

    def __getitem__(self, i: int) -> ReportItem:
        with self._lock:
            h = self._h()
            n = _F.hvx_report_count(h)
            if i < 0:
                i += n
            if not 0 <= i < n:
                raise IndexError("report item index out of range")
            advice = _F.hvx_report_advice(h, i)
            return ReportItem(Severity(_F.hvx_report_severity(h, i)),
                              _F.hvx_report_subject(h, i),
                              _F.hvx_report_message(h, i), advice or None)

    def __iter__(self) -> Iterator[ReportItem]:
        for i in range(len(self)):
            yield self[i]

    @property
    def items(self) -> List[ReportItem]:
        return list(self)

    @property
    def max_severity(self) -> Optional[Severity]:
        """The highest severity among the items, None if there are none."""
        with self._lock:
            s = _F.hvx_report_max_severity(self._h())
        return None if s < 0 else Severity(s)

    def to_json(self) -> str:
        """The report as libhvx writes it: a JSON array of objects."""
        with self._lock:
            return str(_F.hvx_report_to_json(self._h()))

    def to_list(self) -> List[Any]:
        return list(json.loads(self.to_json()))

    def __repr__(self) -> str:
        return f"<hvx.Report {len(self)} items>" if self._handle \
            else "<hvx.Report closed>"


@contextlib.contextmanager
def using(report: Optional[Report]) -> Iterator[Optional[int]]:
    """The C handle of REPORT (NULL for None), locked while a C call
    fills it."""
    if report is None:
        yield None
        return
    if not isinstance(report, Report):
        raise TypeError(f"report must be an hvx.Report, not "
                        f"{type(report).__name__}")
    with report._lock:
        yield report._h()
