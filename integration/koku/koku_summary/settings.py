"""The task's settings: ``KOKU_SUMMARY_*`` environment variables of the worker.

The pipeline's own configuration (database, S3) is not here: the stages read koku's variables
(``DATABASE_*``, ``S3_*``) from the environment they inherit, so nothing secret passes through this
package or onto a command line.
"""

import os
import re
import tempfile
from dataclasses import dataclass
from typing import Mapping, Optional

from .errors import ConfigurationError

KEEP_CHOICES = ("on-failure", "always", "never")

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?)?B?\s*$", re.IGNORECASE)
_UNITS = {
    None: 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}


def parse_size(text: str, name: str) -> int:
    """Bytes from ``5G``, ``512Mi``, ``1000000`` (Kubernetes' suffixes: ``G`` = 10^9, ``Gi`` = 2^30)."""
    m = _SIZE.match(text)
    if not m:
        raise ConfigurationError(f"{name} is not a size (e.g. 5Gi, 500M, 1000000): {text!r}")
    unit = m.group(2).lower() if m.group(2) else None
    return int(float(m.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Settings:
    #: Folder holding koku-extract, koku-transform and koku-load; None = look them up on PATH.
    bin_dir: Optional[str]
    #: The scratch volume: every run's work dir is created under it.
    work_root: str
    #: Where koku's Parquet is: ``s3://`` (bucket from S3_BUCKET_NAME / REQUESTED_BUCKET),
    #: ``s3://BUCKET[/PREFIX]`` or a local folder. A call may override it.
    source_root: str
    #: Keep a run's work dir ``on-failure`` (default), ``always`` or ``never``.
    keep_workdir: str
    #: Most bytes all work dirs under work_root may hold together; None = no limit.
    scratch_limit: Optional[int]
    #: Free bytes the scratch file system must keep; a run stops before it takes them.
    scratch_min_free: int
    #: koku-load --lock-timeout (seconds); None = the binary's default (300).
    lock_timeout: Optional[int]
    #: koku-transform --threads; None = the binary's default (one per core).
    transform_threads: Optional[int]
    #: Retries of a transient failure, after the first attempt.
    max_retries: int
    #: Backoff before retry n (0-based): min(backoff_max, backoff * 2**n), with jitter.
    retry_backoff: float
    retry_backoff_max: float
    retry_jitter: bool
    #: Kept work dirs older than this are removed when a later run starts.
    failed_retention_hours: float
    #: run.json of the last N successful runs kept under work_root/records (0 = none).
    run_records: int

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name, default=None):
            value = env.get(name, "")
            return value if value.strip() else default

        def number(name, default, kind=int, minimum=0):
            raw = get(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigurationError(f"{name} is not a number: {raw!r}") from None
            if value < minimum:
                raise ConfigurationError(f"{name} must be at least {minimum}: {raw!r}")
            return value

        keep = get("KOKU_SUMMARY_KEEP_WORKDIR", "on-failure")
        if keep not in KEEP_CHOICES:
            raise ConfigurationError(f"KOKU_SUMMARY_KEEP_WORKDIR must be one of {', '.join(KEEP_CHOICES)}: {keep!r}")
        limit = get("KOKU_SUMMARY_SCRATCH_LIMIT")
        min_free = get("KOKU_SUMMARY_SCRATCH_MIN_FREE", "256Mi")
        jitter = get("KOKU_SUMMARY_RETRY_JITTER", "1")
        if jitter not in ("0", "1", "true", "false"):
            raise ConfigurationError(f"KOKU_SUMMARY_RETRY_JITTER must be 1/true or 0/false: {jitter!r}")
        return cls(
            bin_dir=get("KOKU_SUMMARY_BIN"),
            work_root=get("KOKU_SUMMARY_WORK_ROOT", os.path.join(tempfile.gettempdir(), "koku-summary")),
            source_root=get("KOKU_SUMMARY_FROM", "s3://"),
            keep_workdir=keep,
            scratch_limit=parse_size(limit, "KOKU_SUMMARY_SCRATCH_LIMIT") if limit else None,
            scratch_min_free=parse_size(min_free, "KOKU_SUMMARY_SCRATCH_MIN_FREE"),
            lock_timeout=number("KOKU_SUMMARY_LOCK_TIMEOUT", None, minimum=1),
            transform_threads=number("KOKU_SUMMARY_TRANSFORM_THREADS", None, minimum=1),
            max_retries=number("KOKU_SUMMARY_MAX_RETRIES", 5),
            retry_backoff=number("KOKU_SUMMARY_RETRY_BACKOFF", 30.0, kind=float),
            retry_backoff_max=number("KOKU_SUMMARY_RETRY_BACKOFF_MAX", 600.0, kind=float),
            retry_jitter=jitter in ("1", "true"),
            failed_retention_hours=number("KOKU_SUMMARY_FAILED_RETENTION_HOURS", 24.0, kind=float),
            run_records=number("KOKU_SUMMARY_RUN_RECORDS", 100),
        )
