"""Which tenants koku summarises with the pipeline instead of Trino: a setting, per schema.

``KOKU_SUMMARY_SCHEMAS`` is a comma-separated list of tenant schemas (``org1234567,org7654321``), or
``*`` for all; unset or empty means none, so installing this package changes nothing until a schema is
named. koku's own per-schema switches are Unleash flags (``masu/processor/__init__.py``); a deployment
that prefers one can pass it as ``flag`` (README, "Running it inside koku").
"""

import os
from typing import Callable, Mapping, Optional

SETTING = "KOKU_SUMMARY_SCHEMAS"


def enabled_for(
    schema: str,
    environ: Optional[Mapping[str, str]] = None,
    flag: Optional[Callable[[str], bool]] = None,
) -> bool:
    """Whether ``schema`` is switched over: named in ``KOKU_SUMMARY_SCHEMAS`` (or ``*``), or ``flag``
    (e.g. an Unleash check) says so."""
    env = os.environ if environ is None else environ
    names = {s.strip() for s in env.get(SETTING, "").split(",") if s.strip()}
    if "*" in names or schema in names:
        return True
    return bool(flag and flag(schema))
