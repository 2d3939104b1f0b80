"""The runs the task knows: what a run is (``RunRequest``) and, per flow, the stages' arguments.

A flow is a parameter: ``ocp``, ``aws`` and ``ocp-aws``. A flow not in ``FLOWS`` is a bad request, not a
crash. For ``ocp-aws`` the run's source is the AWS source: one run attributes that AWS source's costs to
every OCP source paired with it (``koku-extract ocp-aws --aws-source``); ``ocp_provider_uuids`` narrows
the OCP sources (``--ocp-source``), ``ocp_workdirs`` gives their OCP daily summaries as work dirs
(``--ocp-workdir``; without it, koku's own table is read, which is what koku holds after its OCP
summaries).
"""

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

from .errors import BadRequest

# koku's tenant schemas: org1234567, legacy acct10001. Also used in the work dir's name.
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RunRequest:
    """One run: a flow for one source, one window of days inside one month."""

    flow: str
    schema: str
    provider_uuid: str
    year: int
    month: int
    start_date: Optional[str] = None
    end_date: Optional[str] = None
    #: Overrides the setting KOKU_SUMMARY_FROM for this run.
    source_root: Optional[str] = None
    #: Overrides KOKU_SUMMARY_LOCK_TIMEOUT for this run (koku-load --lock-timeout).
    lock_timeout: Optional[int] = None
    #: koku-extract --allow-empty: accept a run that finds no input file (off: a wrong source root
    #: would otherwise replace koku's rows with nothing).
    allow_empty: bool = False
    #: koku-load --allow-emptied-days: accept a load that leaves days without the rows they have.
    allow_emptied_days: bool = False
    #: ocp-aws only: the OCP sources the run attributes to (koku-extract --ocp-source, repeated);
    #: empty = every OCP source paired with the AWS source, as koku picks them.
    ocp_provider_uuids: Tuple[str, ...] = ()
    #: ocp-aws only: work dirs of ``koku-extract ocp`` + ``koku-transform ocp`` holding OCP daily
    #: summaries (koku-extract --ocp-workdir, repeated); empty = read koku's
    #: reporting_ocpusagelineitem_daily_summary (what a run inside koku does).
    ocp_workdirs: Tuple[str, ...] = ()

    @classmethod
    def of(cls, flow, schema, provider_uuid, year, month, start_date=None, end_date=None, **options):
        """Checked construction from a task's (JSON) arguments: a wrong argument is a BadRequest."""
        if flow not in FLOWS:
            raise BadRequest(f"unknown flow {flow!r} (available: {', '.join(sorted(FLOWS))})")
        allowed = {"source_root", "lock_timeout", "allow_empty", "allow_emptied_days"}
        allowed |= FLOWS[flow].options
        unknown = set(options) - allowed
        if unknown:
            raise BadRequest(f"unknown option(s) for flow {flow}: {', '.join(sorted(unknown))}")
        if not isinstance(schema, str) or not _SCHEMA.match(schema):
            raise BadRequest(f"not a tenant schema name: {schema!r}")
        try:
            provider_uuid = str(uuid.UUID(str(provider_uuid)))
        except ValueError:
            raise BadRequest(f"provider_uuid is not a UUID: {provider_uuid!r}") from None
        try:
            year, month = int(year), int(month)
            datetime.date(year, month, 1)
        except (TypeError, ValueError):
            raise BadRequest(f"not a month: year={year!r} month={month!r}") from None
        dates = []
        for name, value in (("start_date", start_date), ("end_date", end_date)):
            if value is None:
                dates.append(None)
                continue
            try:
                day = datetime.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise BadRequest(f"{name} is not a date (YYYY-MM-DD): {value!r}") from None
            if (day.year, day.month) != (year, month):
                raise BadRequest(f"{name} {day} is not in {year:04d}-{month:02d} (one run is one month)")
            dates.append(day.isoformat())
        if dates[0] and dates[1] and dates[0] > dates[1]:
            raise BadRequest(f"start_date {dates[0]} is after end_date {dates[1]}")
        lock_timeout = options.get("lock_timeout")
        if lock_timeout is not None and (not isinstance(lock_timeout, int) or lock_timeout < 1):
            raise BadRequest(f"lock_timeout must be a whole number of seconds >= 1: {lock_timeout!r}")
        return cls(
            flow=flow,
            schema=schema,
            provider_uuid=provider_uuid,
            year=year,
            month=month,
            start_date=dates[0],
            end_date=dates[1],
            source_root=options.get("source_root"),
            lock_timeout=lock_timeout,
            allow_empty=bool(options.get("allow_empty", False)),
            allow_emptied_days=bool(options.get("allow_emptied_days", False)),
            ocp_provider_uuids=_uuids(options.get("ocp_provider_uuids"), "ocp_provider_uuids"),
            ocp_workdirs=_paths(options.get("ocp_workdirs"), "ocp_workdirs"),
        )

    @property
    def label(self) -> str:
        """``ocp org1234567/<source>/2025-10`` for logs and messages."""
        return f"{self.flow} {self.schema}/{self.provider_uuid}/{self.year:04d}-{self.month:02d}"


def _list(value, name: str) -> List[str]:
    """A JSON list option (None = empty); a bare string is refused rather than split into characters."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise BadRequest(f"{name} must be a list: {value!r}")
    return list(value)


def _uuids(value, name: str) -> Tuple[str, ...]:
    out = []
    for item in _list(value, name):
        try:
            u = str(uuid.UUID(str(item)))
        except ValueError:
            raise BadRequest(f"{name}: not a UUID: {item!r}") from None
        if u not in out:
            out.append(u)
    return tuple(out)


def _paths(value, name: str) -> Tuple[str, ...]:
    out = []
    for item in _list(value, name):
        if not isinstance(item, str) or not item:
            raise BadRequest(f"{name}: not a path: {item!r}")
        out.append(item)
    return tuple(out)


@dataclass(frozen=True)
class Flow:
    name: str
    #: koku-extract's arguments before ``--out WORKDIR``.
    extract_args: Callable[[RunRequest, str], List[str]]
    #: Task options only this flow takes (beyond the common ones).
    options: FrozenSet[str] = frozenset()


def _extract_args(flow: str, run: RunRequest, source_root: str, source_flag: str = "--source") -> List[str]:
    """``koku-extract <flow>``'s arguments: every flow takes the same run flags; the PostgreSQL inputs
    (cluster and report period, or bill and markup, ...) come from koku's database."""
    args = [flow, "--from", source_root, "--schema", run.schema, source_flag, run.provider_uuid]
    args += ["--year", f"{run.year:04d}", "--month", f"{run.month:02d}"]
    if run.start_date:
        args += ["--start-date", run.start_date]
    if run.end_date:
        args += ["--end-date", run.end_date]
    if run.allow_empty:
        args.append("--allow-empty")
    return args


def _ocp_aws_extract_args(run: RunRequest, source_root: str) -> List[str]:
    """``koku-extract ocp-aws``: the run's source is the AWS source; the OCP sources paired with it
    (and their report periods, cost models, the enabled keys, matched tags) come from koku's database,
    their daily summaries from koku's table unless work dirs are given."""
    args = _extract_args("ocp-aws", run, source_root, source_flag="--aws-source")
    for source in run.ocp_provider_uuids:
        args += ["--ocp-source", source]
    for workdir in run.ocp_workdirs:
        args += ["--ocp-workdir", workdir]
    return args


#: The flows whose three stages exist. koku-transform's subcommand is the flow's name.
FLOWS: Dict[str, Flow] = {
    name: Flow(name, lambda run, root, name=name: _extract_args(name, run, root)) for name in ("ocp", "aws")
}
FLOWS["ocp-aws"] = Flow("ocp-aws", _ocp_aws_extract_args, frozenset({"ocp_provider_uuids", "ocp_workdirs"}))
