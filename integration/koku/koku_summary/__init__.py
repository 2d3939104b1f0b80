"""Run koku's summary pipeline (koku-extract, koku-transform, koku-load) from koku's Celery workers.

* ``koku_summary.runner.run_summary``: one run, in this process (no Celery needed);
* ``koku_summary.tasks``: the Celery tasks ``koku_summary.summarize_ocp_rs``, ``summarize_aws_rs``,
  ``summarize_ocp_aws_rs`` and ``koku_summary.summarize``
  (imports Celery; nothing from koku);
* ``koku_summary.switch.enabled_for``: whether a tenant schema is switched over from Trino;
* ``koku_summary.settings.Settings``: the ``KOKU_SUMMARY_*`` settings.
"""

from .errors import (
    BadRequest,
    ConfigurationError,
    ScratchFull,
    ScratchLimitExceeded,
    StageFailed,
    SummaryError,
    TransientFailure,
)
from .flows import FLOWS, RunRequest
from .runner import run_summary
from .settings import Settings
from .switch import enabled_for

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "FLOWS",
    "RunRequest",
    "ScratchFull",
    "ScratchLimitExceeded",
    "Settings",
    "StageFailed",
    "SummaryError",
    "TransientFailure",
    "enabled_for",
    "run_summary",
]
