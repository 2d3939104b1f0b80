"""What a run's failure is, and whether retrying it may help.

Every exception here takes its message as its only positional argument, so Celery's JSON result backend
(which stores an exception as its type, module and ``args``) can rebuild it on the caller's side. The
extra attributes are for in-process callers; a remote caller reads the message, which says the same.
"""


class SummaryError(Exception):
    """A summary run failed. Whatever the subclass, the database was left as it was."""

    #: Whether the same run may succeed later (retry with backoff).
    transient = False

    def __init__(self, message, *, stage=None, exit_status=None, workdir=None):
        super().__init__(message)
        self.stage = stage
        self.exit_status = exit_status
        self.workdir = workdir


class TransientFailure(SummaryError):
    """May pass by itself: S3 or PostgreSQL unreachable, a lock not granted in time, the scratch volume
    full because of other runs. Retried with backoff."""

    transient = True


class StageFailed(SummaryError):
    """A stage failed and the same command would fail again: bad input, configuration, a guard refused
    the run, a usage error, a crash. Not retried; the message is the stage's own."""


class BadRequest(SummaryError):
    """The task was called with arguments that cannot name a run (no stage was started)."""


class ConfigurationError(SummaryError):
    """A ``KOKU_SUMMARY_*`` setting is invalid, or a binary is missing (no stage was started)."""


class ScratchLimitExceeded(SummaryError):
    """This run alone needs more scratch space than ``KOKU_SUMMARY_SCRATCH_LIMIT`` allows. Not retried:
    the limit (and the volume behind it) must grow first."""


class ScratchFull(TransientFailure):
    """The scratch volume is too full because of other runs (or other files): retried later."""
