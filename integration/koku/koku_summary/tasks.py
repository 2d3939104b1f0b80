"""The Celery tasks. ``shared_task``: they join whichever Celery app the worker runs (koku's), so this
module imports nothing from koku and can be tested with any app.

Retry policy (README, "Running it inside koku"):

* a transient failure (a stage's exit 75: S3 or PostgreSQL unreachable or timing out, a lock not granted
  within ``--lock-timeout``, the disk full; or the scratch volume taken by other runs) is retried up to
  ``KOKU_SUMMARY_MAX_RETRIES`` times, after ``min(KOKU_SUMMARY_RETRY_BACKOFF_MAX,
  KOKU_SUMMARY_RETRY_BACKOFF * 2**n)`` seconds (with jitter: between half and all of it);
* anything else (bad input, configuration, a guard, a bad argument, a crash) fails at once, with the
  stage's message;
* a retry never duplicates rows: ``koku-load`` deletes koku's scope and inserts in one transaction, and a
  failed stage changed nothing.

``acks_late``: the message is acknowledged when the run ends, so a worker pod that dies mid-run (evicted,
restarted) leaves it to be delivered again, which is safe for the same reason.
"""

import random

from celery import shared_task

from .errors import TransientFailure
from .flows import RunRequest
from .runner import run_summary
from .settings import Settings


def backoff(retries: int, settings: Settings) -> float:
    """Seconds before retry number ``retries`` (0 for the first)."""
    delay = min(settings.retry_backoff_max, settings.retry_backoff * 2**retries)
    if settings.retry_jitter:
        delay = random.uniform(delay / 2, delay)
    return delay


def _summarize(task, flow, schema, provider_uuid, year, month, start_date, end_date, tracing_id, options):
    settings = Settings.from_env()
    run = RunRequest.of(flow, schema, provider_uuid, year, month, start_date, end_date, **options)
    retries = task.request.retries or 0
    try:
        return run_summary(run, settings, run_id=task.request.id, attempt=retries + 1, tracing_id=tracing_id)
    except TransientFailure as exc:
        if retries >= settings.max_retries:
            raise
        raise task.retry(exc=exc, countdown=backoff(retries, settings), max_retries=settings.max_retries)


@shared_task(bind=True, name="koku_summary.summarize", acks_late=True)
def summarize(self, flow, schema, provider_uuid, year, month, start_date=None, end_date=None, tracing_id=None, **options):
    """Summarise one source's month (or the window ``start_date``..``end_date`` inside it) with ``flow``
    (``ocp``, ``aws``, ``ocp-aws``: then ``provider_uuid`` is the AWS source's). Options: ``source_root``,
    ``lock_timeout``, ``allow_empty``, ``allow_emptied_days``; for ``ocp-aws`` also
    ``ocp_provider_uuids`` and ``ocp_workdirs``. Returns rows written, timings and the
    run.json path (``runner.run_summary``)."""
    return _summarize(self, flow, schema, provider_uuid, year, month, start_date, end_date, tracing_id, options)


@shared_task(bind=True, name="koku_summary.summarize_aws_rs", acks_late=True)
def summarize_aws_rs(self, schema, provider_uuid, year, month, start_date=None, end_date=None, tracing_id=None, **options):
    """The AWS daily summary and EC2 compute summary of one AWS source and month: what koku's
    ``AWSReportParquetSummaryUpdater.update_summary_tables`` computes with Trino."""
    return _summarize(self, "aws", schema, provider_uuid, year, month, start_date, end_date, tracing_id, options)


@shared_task(bind=True, name="koku_summary.summarize_ocp_rs", acks_late=True)
def summarize_ocp_rs(self, schema, provider_uuid, year, month, start_date=None, end_date=None, tracing_id=None, **options):
    """The OpenShift daily summary of one source and month: what koku's
    ``OCPReportParquetSummaryUpdater.update_summary_tables`` computes with Trino."""
    return _summarize(self, "ocp", schema, provider_uuid, year, month, start_date, end_date, tracing_id, options)


@shared_task(bind=True, name="koku_summary.summarize_ocp_aws_rs", acks_late=True)
def summarize_ocp_aws_rs(
    self,
    schema,
    aws_provider_uuid,
    year,
    month,
    start_date=None,
    end_date=None,
    ocp_provider_uuids=None,
    tracing_id=None,
    **options,
):
    """OpenShift on AWS for one AWS source and month: the AWS source's costs attributed to every OCP
    source paired with it (or only ``ocp_provider_uuids``), what koku's
    ``OCPCloudParquetReportSummaryUpdater.update_aws_summary_tables`` computes with Trino (the ``_p`` table
    and its eight UI tables, the OCP infrastructure rows, the report periods' stamp). Run it after the
    AWS source's and the OCP sources' summaries of the month: the OCP daily summaries are read from
    koku's database (option ``ocp_workdirs``: from work dirs instead)."""
    if ocp_provider_uuids is not None:
        options["ocp_provider_uuids"] = ocp_provider_uuids
    return _summarize(
        self, "ocp-aws", schema, aws_provider_uuid, year, month, start_date, end_date, tracing_id, options
    )
