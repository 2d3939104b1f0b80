"""Settings, the per-schema switch and the retry backoff: plain functions of their inputs."""

import pytest

from koku_summary import ConfigurationError, Settings, enabled_for
from koku_summary.settings import parse_size
from koku_summary.tasks import backoff


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1000000", 1_000_000),
        ("5G", 5 * 10**9),
        ("512Mi", 512 * 2**20),
        ("1.5Gi", int(1.5 * 2**30)),
        ("16Ki", 16 * 1024),
        ("2gib", 2 * 2**30),
    ],
)
def test_sizes_use_kubernetes_suffixes(text, expected):
    assert parse_size(text, "X") == expected


def test_defaults():
    s = Settings.from_env({})
    assert s.source_root == "s3://" and s.keep_workdir == "on-failure"
    assert s.scratch_limit is None and s.scratch_min_free == 256 * 2**20
    assert s.lock_timeout is None and s.max_retries == 5
    assert (s.retry_backoff, s.retry_backoff_max, s.retry_jitter) == (30.0, 600.0, True)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"KOKU_SUMMARY_KEEP_WORKDIR": "sometimes"}, "KOKU_SUMMARY_KEEP_WORKDIR must be one of"),
        ({"KOKU_SUMMARY_SCRATCH_LIMIT": "lots"}, "KOKU_SUMMARY_SCRATCH_LIMIT is not a size"),
        ({"KOKU_SUMMARY_MAX_RETRIES": "-1"}, "KOKU_SUMMARY_MAX_RETRIES must be at least 0"),
        ({"KOKU_SUMMARY_LOCK_TIMEOUT": "0"}, "KOKU_SUMMARY_LOCK_TIMEOUT must be at least 1"),
        ({"KOKU_SUMMARY_RETRY_BACKOFF": "soon"}, "KOKU_SUMMARY_RETRY_BACKOFF is not a number"),
    ],
)
def test_bad_settings_name_the_setting(env, message):
    with pytest.raises(ConfigurationError) as e:
        Settings.from_env(env)
    assert message in str(e.value)


def test_the_switch_is_per_schema():
    env = {"KOKU_SUMMARY_SCHEMAS": " org1, org2 "}
    assert enabled_for("org1", env) and enabled_for("org2", env)
    assert not enabled_for("org3", env)
    assert not enabled_for("org1", {})
    assert enabled_for("org9", {"KOKU_SUMMARY_SCHEMAS": "*"})
    # koku's Unleash flag (or any per-schema check) can switch a schema on too.
    assert enabled_for("org3", env, flag=lambda schema: schema == "org3")


def test_backoff_doubles_up_to_the_cap():
    s = Settings.from_env({"KOKU_SUMMARY_RETRY_JITTER": "0"})
    # min(600, 30 * 2**n) for n = 0..6: 30, 60, 120, 240, 480, 600 (960 capped), 600
    assert [backoff(n, s) for n in range(7)] == [30, 60, 120, 240, 480, 600, 600]
    jittered = Settings.from_env({})
    for n in range(7):
        full = min(600, 30 * 2**n)
        assert full / 2 <= backoff(n, jittered) <= full
