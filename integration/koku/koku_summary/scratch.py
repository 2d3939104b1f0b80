"""The scratch volume: work dirs, how much they hold, and the limit a run must stay under.

A run's work dir holds its extract (about 110 MB per million hourly pod rows of the window) and its
transform output (another 20 MB or so; README "Running it inside koku"). Several worker processes share
the volume, so the limit applies to all work dirs together: a run that alone needs more than the limit
fails for good (``ScratchLimitExceeded``); a run that finds the space taken by others fails transiently
(``ScratchFull``) and is retried later. Either way it stops before the volume is full.
"""

import os
import shutil
import time
from dataclasses import dataclass
from typing import Optional

from .errors import ScratchFull, ScratchLimitExceeded
from .settings import Settings

#: Work dirs are named run-<flow>-<schema>-<source>-<YYYY-MM>-<run id>; records/ holds run.json copies.
WORKDIR_PREFIX = "run-"
RECORDS = "records"


def tree_bytes(path: str) -> int:
    """Bytes the files under ``path`` take on disk (allocated blocks, as an emptyDir's limit counts)."""
    total = 0
    stack = [path]
    while stack:
        top = stack.pop()
        try:
            entries = list(os.scandir(top))
        except FileNotFoundError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    total += getattr(st, "st_blocks", 0) * 512 or st.st_size
            except FileNotFoundError:
                # Renamed or removed while we looked (a stage renaming its .tmp file into place).
                continue
    return total


def _size(n: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} bytes"


@dataclass
class Scratch:
    settings: Settings

    @property
    def root(self) -> str:
        return self.settings.work_root

    def prepare(self) -> None:
        os.makedirs(self.root, exist_ok=True)

    def check(self, workdir: Optional[str], stage: str) -> None:
        """Raise if the runs' work dirs together passed the limit or the file system is short of free
        space. ``workdir`` is this run's (None before it exists)."""
        s = self.settings
        own = tree_bytes(workdir) if workdir else 0
        if s.scratch_limit is not None:
            if own > s.scratch_limit:
                raise ScratchLimitExceeded(
                    f"{stage}: this run's work dir holds {_size(own)}, more than KOKU_SUMMARY_SCRATCH_LIMIT "
                    f"({_size(s.scratch_limit)}); stopped before the scratch volume filled. Raise the limit "
                    f"(and the volume) to run it",
                    stage=stage,
                )
            used = tree_bytes(self.root)
            if used > s.scratch_limit:
                raise ScratchFull(
                    f"{stage}: the work dirs under {self.root} hold {_size(used)} (this run {_size(own)}), more "
                    f"than KOKU_SUMMARY_SCRATCH_LIMIT ({_size(s.scratch_limit)}); stopped before the scratch "
                    f"volume filled, will retry when other runs have finished",
                    stage=stage,
                )
        free = shutil.disk_usage(self.root).free
        if free < s.scratch_min_free:
            raise ScratchFull(
                f"{stage}: the scratch file system of {self.root} has {_size(free)} free, less than "
                f"KOKU_SUMMARY_SCRATCH_MIN_FREE ({_size(s.scratch_min_free)}); stopped before it filled "
                f"(this run's work dir holds {_size(own)}), will retry",
                stage=stage,
            )

    def prune_failed(self, keep: str) -> None:
        """Remove kept work dirs (failed runs', or every run's with ``KOKU_SUMMARY_KEEP_WORKDIR=always``)
        older than the retention, except ``keep`` (this run's, which a retry reuses). A run in progress
        touches its dir at every file it writes, so its mtime stays recent."""
        horizon = time.time() - self.settings.failed_retention_hours * 3600
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return
        for entry in entries:
            if (
                entry.name.startswith(WORKDIR_PREFIX)
                and entry.path != keep
                and entry.is_dir(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < horizon
            ):
                shutil.rmtree(entry.path, ignore_errors=True)

    def record(self, run_json: str, name: str) -> Optional[str]:
        """Copy a successful run's run.json to records/ (the newest N are kept); its new path."""
        n = self.settings.run_records
        if n <= 0 or not os.path.exists(run_json):
            return None
        folder = os.path.join(self.root, RECORDS)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, name + ".json")
        shutil.copyfile(run_json, target)
        records = sorted(
            (e for e in os.scandir(folder) if e.name.endswith(".json")),
            key=lambda e: e.stat().st_mtime,
        )
        for old in records[:-n]:
            try:
                os.unlink(old.path)
            except FileNotFoundError:
                pass
        return target
