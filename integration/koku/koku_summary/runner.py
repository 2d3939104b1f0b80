"""One run of the three stages, as a worker process runs it.

The stages inherit the worker's environment, so they find koku's database and bucket through koku's
own variables (``DATABASE_*``, ``S3_*``): no address, user or secret is passed on a command line. Their
stderr and stdout go line by line into this process's log (logger ``koku_summary``) with the run id, at
the level the stage logged them. The exit status decides what the failure is (README, "Exit status"):

====== =============================================== ======================
status meaning                                         raised
====== =============================================== ======================
0      done                                            —
1      failed, the same command would fail again       ``StageFailed``
2      usage error                                     ``StageFailed``
75     may pass (unreachable, timed out, lock, disk)   ``TransientFailure``
other  a crash or a signal                             ``StageFailed``
====== =============================================== ======================

Whatever the status, a failed stage changed nothing (the load is one transaction), so running the
whole run again is always safe.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections import deque
from typing import Dict, List, Mapping, Optional

from .errors import (
    ConfigurationError,
    ScratchLimitExceeded,
    StageFailed,
    SummaryError,
    TransientFailure,
)
from .flows import FLOWS, RunRequest
from .scratch import WORKDIR_PREFIX, Scratch
from .settings import Settings

LOG = logging.getLogger("koku_summary")

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TRANSIENT = 75

#: How often a running stage's scratch use is looked at.
WATCH_INTERVAL = 0.5
#: Grace between SIGTERM and SIGKILL when a stage is stopped.
STOP_GRACE = 10.0

# A tracing line: "2026-12-04T21:31:07.737236Z  INFO message".
_TRACING = re.compile(r"^\S+Z\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$")
_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
}


def _binary(settings: Settings, name: str) -> str:
    if settings.bin_dir:
        path = os.path.join(settings.bin_dir, name)
        if os.access(path, os.X_OK):
            return path
        raise ConfigurationError(f"{name} not found in KOKU_SUMMARY_BIN ({settings.bin_dir})")
    path = shutil.which(name)
    if not path:
        raise ConfigurationError(f"{name} not found on PATH (install it, or set KOKU_SUMMARY_BIN)")
    return path


def workdir_name(run: RunRequest, run_id: str) -> str:
    return f"{WORKDIR_PREFIX}{run.flow}-{run.schema}-{run.provider_uuid}-{run.year:04d}-{run.month:02d}-{run_id}"


class _Stage:
    """One stage's process: its output logged as it comes, its error message kept."""

    def __init__(self, name: str, args: List[str], env: Mapping[str, str], run_id: str):
        self.name = name
        self.run_id = run_id
        self.tail: deque = deque(maxlen=40)
        self.error_lines: List[str] = []
        self.proc = subprocess.Popen(
            args,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            bufsize=1,
        )
        self.readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, False), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, True), daemon=True),
        ]
        for t in self.readers:
            t.start()

    def _pump(self, stream, is_stderr: bool) -> None:
        # "koku-extract: error: ..." starts the stage's own message; lines after it (causes) belong to it.
        marker = f"{os.path.basename(self.proc.args[0])}: error:"
        for raw in stream:
            line = raw.rstrip("\n")
            if not line:
                continue
            level = logging.INFO
            m = _TRACING.match(line)
            if m:
                level = _LEVELS[m.group(1)]
                text = m.group(2)
            else:
                text = line
            if is_stderr and (line.startswith(marker) or self.error_lines):
                level = logging.ERROR
                self.error_lines.append(line)
            self.tail.append(line)
            LOG.log(level, "[%s] %s: %s", self.run_id, self.name, text)
        stream.close()

    def wait(self, timeout: float) -> Optional[int]:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            if self.wait(STOP_GRACE) is None:
                self.proc.kill()
                self.proc.wait()

    def finish(self) -> int:
        for t in self.readers:
            t.join()
        return self.proc.returncode

    def message(self) -> str:
        if self.error_lines:
            text = "\n".join(self.error_lines)
        else:
            text = "\n".join(list(self.tail)[-5:]) or "(no output)"
        return text[:4000]


def _run_stage(
    name: str, args: List[str], env: Mapping[str, str], run_id: str, scratch: Scratch, workdir: str
) -> float:
    """Run one stage to its end, stopping it if the scratch volume runs short; its wall seconds."""
    started = time.monotonic()
    LOG.info("[%s] %s: %s", run_id, name, " ".join(args))
    stage = _Stage(name, args, env, run_id)
    try:
        while stage.wait(WATCH_INTERVAL) is None:
            scratch.check(workdir, name)
        # A stage can fill the volume between two looks, or finish faster than one: look once more.
        if stage.proc.returncode == 0:
            scratch.check(workdir, name)
    except SummaryError:
        stage.stop()
        stage.finish()
        raise
    except BaseException:
        stage.stop()
        raise
    status = stage.finish()
    seconds = time.monotonic() - started
    if status == 0:
        LOG.info("[%s] %s: done in %.2f s", run_id, name, seconds)
        return seconds
    message = stage.message()
    if status == EXIT_TRANSIENT:
        raise TransientFailure(
            f"{name} failed transiently (exit {status}); retrying is safe: {message}",
            stage=name,
            exit_status=status,
        )
    if status in (EXIT_FAILED, EXIT_USAGE):
        what = "usage error" if status == EXIT_USAGE else "failed"
        raise StageFailed(f"{name} {what} (exit {status}): {message}", stage=name, exit_status=status)
    if status < 0:
        raise StageFailed(
            f"{name} was killed by signal {-status} (out of memory? see the worker's log): {message}",
            stage=name,
            exit_status=status,
        )
    raise StageFailed(f"{name} ended with unexpected status {status}: {message}", stage=name, exit_status=status)


def _load_facts(run_json: str) -> Dict:
    with open(run_json, encoding="utf-8") as f:
        doc = json.load(f)
    run = doc.get("run", {})
    load = doc.get("stages", {}).get("load", {}).get("details", {})
    facts = {
        "pipeline_run_id": doc.get("run_id"),
        "start_date": run.get("start_date"),
        "end_date": run.get("end_date"),
        "report_period_id": run.get("report_period_id"),
        "bill_id": run.get("bill_id"),
        "rows_inserted": load.get("rows_inserted"),
        "rows_deleted": load.get("rows_deleted"),
    }
    if "ocp_aws" in load:
        # The pairs (report period, cluster) the load wrote and its OCP-side steps: the caller runs
        # koku's remaining per-pair steps (tag summary, OCP-on-All, cost model) for these.
        facts["ocp_aws"] = load["ocp_aws"]
    return facts


def run_summary(
    run: RunRequest,
    settings: Optional[Settings] = None,
    *,
    run_id: Optional[str] = None,
    attempt: int = 1,
    environ: Optional[Mapping[str, str]] = None,
    tracing_id: Optional[str] = None,
) -> Dict:
    """Run extract, transform and load for ``run``; a small JSON-able result, or a ``SummaryError``.

    ``run_id`` names the run in the log and its work dir (the Celery task id: a retry reuses both);
    ``tracing_id`` (koku's) is logged with it.
    The work dir is removed on success and kept on failure (its path in the error), unless
    ``KOKU_SUMMARY_KEEP_WORKDIR`` says otherwise; a run stopped by the scratch limit always removes its
    own, so that it does not keep the volume full.
    """
    settings = settings or Settings.from_env(environ)
    env = dict(os.environ if environ is None else environ)
    run_id = run_id or uuid.uuid4().hex
    if not re.match(r"^[A-Za-z0-9_.-]{1,100}$", run_id):
        raise ConfigurationError(f"run id {run_id!r} cannot name a work dir")
    flow = FLOWS[run.flow]
    binaries = {n: _binary(settings, n) for n in ("koku-extract", "koku-transform", "koku-load")}
    scratch = Scratch(settings)
    scratch.prepare()
    workdir = os.path.join(settings.work_root, workdir_name(run, run_id))
    scratch.prune_failed(keep=workdir)

    source_root = run.source_root or settings.source_root
    lock_timeout = run.lock_timeout or settings.lock_timeout
    stages = [
        ("extract", [binaries["koku-extract"], *flow.extract_args(run, source_root), "--out", workdir]),
        (
            "transform",
            [binaries["koku-transform"], flow.name, workdir]
            + (["--threads", str(settings.transform_threads)] if settings.transform_threads else []),
        ),
        (
            "load",
            [binaries["koku-load"], workdir]
            + (["--lock-timeout", str(lock_timeout)] if lock_timeout else [])
            + (["--allow-emptied-days"] if run.allow_emptied_days else []),
        ),
    ]

    LOG.info(
        "[%s] %s: attempt %d, work dir %s%s",
        run_id,
        run.label,
        attempt,
        workdir,
        f", tracing id {tracing_id}" if tracing_id else "",
    )
    started = time.monotonic()
    seconds: Dict[str, float] = {}
    try:
        scratch.check(None, "start")
        for name, args in stages:
            seconds[name] = round(_run_stage(name, args, env, run_id, scratch, workdir), 3)
    except SummaryError as e:
        _finish_failed(e, run, run_id, settings, workdir)
        raise
    except BaseException:
        LOG.exception("[%s] %s: stopped; work dir kept: %s", run_id, run.label, workdir)
        raise

    seconds["total"] = round(time.monotonic() - started, 3)
    run_json = os.path.join(workdir, "run.json")
    facts = _load_facts(run_json)
    keep = settings.keep_workdir == "always"
    record = None if keep else scratch.record(run_json, os.path.basename(workdir))
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "run_id": run_id,
        "flow": run.flow,
        "schema": run.schema,
        "provider_uuid": run.provider_uuid,
        "year": run.year,
        "month": run.month,
        **facts,
        "seconds": seconds,
        "attempt": attempt,
        "tracing_id": tracing_id,
        "workdir": workdir if keep else None,
        "run_json": run_json if keep else record,
    }
    LOG.info(
        "[%s] %s: loaded %s rows (deleted %s) for %s..%s in %.2f s",
        run_id,
        run.label,
        facts["rows_inserted"],
        facts["rows_deleted"],
        facts["start_date"],
        facts["end_date"],
        seconds["total"],
    )
    return result


def _finish_failed(e: SummaryError, run: RunRequest, run_id: str, settings: Settings, workdir: str) -> None:
    """Keep or remove the failed run's work dir, and say which in the error."""
    exists = os.path.isdir(workdir)
    if exists and (settings.keep_workdir == "never" or isinstance(e, ScratchLimitExceeded)):
        shutil.rmtree(workdir, ignore_errors=True)
        note = f"work dir {workdir} removed"
    elif exists:
        note = f"work dir kept for inspection: {workdir}"
        e.workdir = workdir
    else:
        note = "no work dir was written"
    e.args = (f"{run.label} (run {run_id}): {e.args[0]} [{note}]",)
    level = logging.WARNING if isinstance(e, TransientFailure) else logging.ERROR
    LOG.log(level, "[%s] %s", run_id, e.args[0])
