"""The Kubernetes files of integration/k8s/ and the Containerfile, checked offline:

* the Job against the Kubernetes JSON schemas bundled in kubernetes-validate, strict (no unknown field),
  for Kubernetes 1.29 (OpenShift 4.16) and 1.37;
* the Argo WorkflowTemplate against the model classes of Argo's official Python SDK (argo-workflows,
  generated from Argo's OpenAPI spec: types and required fields), walked so that an unknown field fails
  too; its pod parts (container, volumes, security context) also as a Pod against the Kubernetes schemas;
* what the brief asks of both: non-root, read-only root file system, koku's secrets from secrets as env
  (never a literal, never an argument), a sized emptyDir work dir, memory requests and limits covering
  the peak RSS per stage in BENCHMARKS.md, retries that follow the exit-status contract, and stage flags
  that the real binaries accept;
* the Containerfile through BuildKit's own parser (the `dockerfile` package): multi-stage, non-root, and
  installing the binaries the manifests run.
"""

import copy
import os
import re
import subprocess
import tomllib
from pathlib import Path

import dockerfile
import kubernetes_validate
import pytest
import yaml
from argo_workflows.configuration import Configuration
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_template import (
    IoArgoprojWorkflowV1alpha1WorkflowTemplate as WorkflowTemplate,
)
from argo_workflows.model_utils import ModelComposed, ModelNormal, ModelSimple, validate_and_convert_types

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "integration/k8s"
CONTAINERFILE = ROOT / "integration/container/Containerfile"
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]
SECRET_ENV = {"DATABASE_PASSWORD", "DATABASE_USER", "S3_ACCESS_KEY", "S3_SECRET"}
STAGE_BINARIES = {"koku-extract", "koku-transform", "koku-load"}


def load(name):
    with open(K8S / name) as f:
        return yaml.safe_load(f)


def bin_dir():
    return os.environ.get("KOKU_SUMMARY_TEST_BIN") or str(ROOT / "target/debug")


# --- BENCHMARKS.md: peak RSS per stage -------------------------------------------------------------


def peak_rss_mib():
    """{workload: {stage: MiB}} from the generated results table of BENCHMARKS.md."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    table = text.split("<!-- bench:begin")[1].split("<!-- bench:end")[0]
    out, workload = {}, None
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 10 or cells[4] not in ("extract", "transform", "load"):
            continue
        if cells[0]:
            workload = cells[0].strip("*")
        out.setdefault(workload, {})[cells[4]] = float(cells[7])
    return out


def mib(quantity: str) -> float:
    m = re.fullmatch(r"(\d+)(Mi|Gi)", quantity)
    assert m, f"memory quantity {quantity!r} (expected NNNMi or NGi)"
    return int(m.group(1)) * (1024 if m.group(2) == "Gi" else 1)


def test_benchmarks_table_is_read():
    rss = peak_rss_mib()
    assert set(rss["1m"]) == {"extract", "transform", "load"} and set(rss["30m"]) == set(rss["1m"])


# --- the Job -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_job_is_valid_kubernetes(version):
    kubernetes_validate.validate(load("job.yaml"), version, strict=True)


def test_the_validator_rejects_what_it_should():
    """A misspelt field and a wrongly typed one fail: the schemas are really applied."""
    job = load("job.yaml")
    bad = copy.deepcopy(job)
    bad["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSIONS[0], strict=True)
    bad = copy.deepcopy(job)
    bad["spec"]["backoffLimit"] = "five"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSIONS[0], strict=True)


def job_containers():
    spec = load("job.yaml")["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec["initContainers"] + spec["containers"]}


def test_job_runs_the_stages_in_order_on_one_work_dir():
    spec = load("job.yaml")["spec"]["template"]["spec"]
    order = [c["name"] for c in spec["initContainers"]] + [c["name"] for c in spec["containers"]]
    assert order == ["extract", "transform", "load"]
    assert [c["command"] for c in spec["initContainers"] + spec["containers"]] == [
        ["koku-extract"],
        ["koku-transform"],
        ["koku-load"],
    ]
    (volume,) = spec["volumes"]
    assert volume["emptyDir"]["sizeLimit"]
    for c in job_containers().values():
        assert c["volumeMounts"] == [{"name": volume["name"], "mountPath": "/work"}]


def check_secure(container, pod_security):
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True or pod_security.get("runAsNonRoot") is True
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    for env in container.get("env", []):
        if env["name"] in SECRET_ENV:
            assert "value" not in env and "secretKeyRef" in env["valueFrom"], env["name"]
    for arg in container.get("args", []):
        assert "password" not in arg.lower() and "://" not in arg.replace("s3://", ""), arg


def test_job_is_non_root_read_only_and_takes_secrets_from_secrets():
    job = load("job.yaml")
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["restartPolicy"] == "Never"
    for c in job_containers().values():
        check_secure(c, pod["securityContext"])
    # The transform needs neither the database nor S3: it gets no secret at all.
    assert "env" not in job_containers()["transform"]


def test_job_memory_covers_the_benchmarked_peak_rss_per_stage():
    rss = peak_rss_mib()
    for stage, c in job_containers().items():
        requests, limits = c["resources"]["requests"], c["resources"]["limits"]
        assert mib(requests["memory"]) >= rss["1m"][stage], (stage, requests, rss["1m"][stage])
        assert mib(limits["memory"]) >= rss["30m"][stage], (stage, limits, rss["30m"][stage])
        assert "cpu" in requests and "cpu" not in limits


def test_job_retries_follow_the_exit_status_contract():
    spec = load("job.yaml")["spec"]
    rules = spec["podFailurePolicy"]["rules"]
    fail_job = [r for r in rules if r["action"] == "FailJob"]
    assert fail_job == [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1, 2]}}]
    # 75 is not caught by a rule: it counts against backoffLimit and is retried.
    assert not any(75 in r.get("onExitCodes", {}).get("values", []) for r in rules)
    assert spec["backoffLimit"] >= 1


def expand(arg, env):
    """Kubernetes' $(VAR) expansion in args, from the container's literal env."""
    return re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg)


def help_flags(*cmd):
    out = subprocess.run([os.path.join(bin_dir(), cmd[0]), *cmd[1:], "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return set(re.findall(r"--[a-z][a-z-]+", out.stdout))


def test_job_stage_arguments_are_flags_the_binaries_accept():
    for name, c in job_containers().items():
        env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
        args = [expand(a, env) for a in c["args"]]
        sub = [args[0]] if name in ("extract", "transform") else []
        flags = help_flags(c["command"][0], *sub)
        used = {a for a in args if a.startswith("--")}
        assert used <= flags, (name, used - flags)
    extract = job_containers()["extract"]
    env = {e["name"]: e.get("value") for e in extract["env"]}
    args = [expand(a, env) for a in extract["args"]]
    assert args[args.index("--out") + 1] == "/work/run"
    assert job_containers()["transform"]["args"][-1] == "/work/run"
    assert job_containers()["load"]["args"][0] == "/work/run"


# --- the Argo WorkflowTemplate -------------------------------------------------------------------------

ARGO = Configuration(discard_unknown_keys=False)


def check_known_fields(value, cls, path="$"):
    """Every key of ``value`` is a field of the Argo SDK model ``cls``, recursively: the SDK itself lets
    unknown keys through, Argo's controller would not."""
    if not isinstance(cls, type) or not issubclass(cls, (ModelNormal, ModelComposed)) or not isinstance(value, dict):
        return
    json_names = {v: k for k, v in cls.attribute_map.items()}
    for key, item in value.items():
        assert key in json_names, f"{path}.{key}: not a field of {cls.__name__}"
        types = cls.openapi_types[json_names[key]]
        for t in types:
            if isinstance(t, list) and isinstance(item, list):
                for i, element in enumerate(item):
                    for inner in t:
                        check_known_fields(element, inner, f"{path}.{key}[{i}]")
            elif isinstance(t, dict) and isinstance(item, dict):
                for k, element in item.items():
                    for inner in t.values():
                        for typ in inner if isinstance(inner, tuple) else (inner,):
                            check_known_fields(element, typ, f"{path}.{key}.{k}")
            elif isinstance(t, type) and issubclass(t, ModelSimple):
                continue
            else:
                check_known_fields(item, t, f"{path}.{key}")


def validate_argo(doc):
    validate_and_convert_types(copy.deepcopy(doc), (WorkflowTemplate,), ["workflowtemplate"], True, True, configuration=ARGO)
    check_known_fields(doc, WorkflowTemplate)


def test_workflowtemplate_is_valid_argo():
    doc = load("workflowtemplate.yaml")
    assert doc["apiVersion"] == "argoproj.io/v1alpha1" and doc["kind"] == "WorkflowTemplate"
    validate_argo(doc)


def test_the_argo_check_rejects_what_it_should():
    doc = load("workflowtemplate.yaml")
    bad = copy.deepcopy(doc)
    bad["spec"]["templates"][1]["retryStrategy"]["limitt"] = "5"
    with pytest.raises(AssertionError, match="limitt: not a field"):
        validate_argo(bad)
    bad = copy.deepcopy(doc)
    bad["spec"]["templates"][1]["container"]["resources"]["requets"] = {}
    with pytest.raises(AssertionError, match="requets: not a field"):
        validate_argo(bad)
    bad = copy.deepcopy(doc)
    bad["spec"]["parallelism"] = ["four"]
    with pytest.raises(Exception, match="parallelism"):
        validate_argo(bad)


def argo_pods(doc):
    """Each container template as the Pod Argo makes of it (its container, volumes, security context)."""
    for t in doc["spec"]["templates"]:
        if "container" in t:
            yield t, {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": t["name"]},
                "spec": {
                    "securityContext": doc["spec"]["securityContext"],
                    "volumes": t.get("volumes", []),
                    "containers": [dict(t["container"], name="main")],
                },
            }


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_workflowtemplate_pods_are_valid_kubernetes(version):
    pods = list(argo_pods(load("workflowtemplate.yaml")))
    assert len(pods) == 1
    for _, pod in pods:
        kubernetes_validate.validate(pod, version, strict=True)


def test_workflowtemplate_fans_out_over_sources_and_retries_only_transient_failures():
    doc = load("workflowtemplate.yaml")
    (step,) = [s for group in doc["spec"]["templates"][0]["steps"] for s in group]
    assert step["withParam"] == "{{workflow.parameters.sources}}"
    ((template, pod),) = argo_pods(doc)
    assert step["template"] == template["name"]
    assert template["retryStrategy"]["expression"] == "asInt(lastRetry.exitCode) == 75"
    check_secure(pod["spec"]["containers"][0], doc["spec"]["securityContext"])
    # One container runs all stages: it needs the largest stage's memory.
    rss = peak_rss_mib()
    resources = template["container"]["resources"]
    assert mib(resources["requests"]["memory"]) >= max(rss["1m"].values())
    assert mib(resources["limits"]["memory"]) >= max(rss["30m"].values())


def test_workflowtemplate_pipeline_arguments_are_accepted():
    ((template, _),) = argo_pods(load("workflowtemplate.yaml"))
    c = template["container"]
    assert c["command"] == ["koku-pipeline"]
    args = c["args"]
    workdir, sep, extract_args = args[0], args[1], args[2:]
    assert workdir == "/work/run" and sep == "--"
    used = {a for a in extract_args if a.startswith("--")}
    assert used <= help_flags("koku-extract", "ocp") - {"--out"}


# --- the Containerfile ---------------------------------------------------------------------------------

INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip


def stages():
    commands = dockerfile.parse_file(str(CONTAINERFILE))
    out = []
    for c in commands:
        assert c.cmd in INSTRUCTIONS, f"line {c.start_line}: unknown instruction {c.cmd}"
        if c.cmd == "FROM":
            out.append([])
        if out:
            out[-1].append(c)
    return out


def test_containerfile_is_multi_stage_non_root_and_installs_the_binaries():
    build, runtime = stages()
    assert build[0].value[1:] == ("AS", "build")
    (cargo,) = [c for c in build if c.cmd == "RUN" and "cargo build" in c.value[0]]
    packages = set(re.findall(r"-p (\S+)", cargo.value[0]))
    assert "--release" in cargo.value[0] and "--locked" in cargo.value[0]
    assert packages == STAGE_BINARIES
    for binary in STAGE_BINARIES:
        assert f"target/release/{binary}" in cargo.value[0]
    # Each package exists in the workspace and has a binary of that name.
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["members"]
    bins = {}
    for member in workspace:
        manifest = tomllib.loads((ROOT / member / "Cargo.toml").read_text())
        bins[manifest["package"]["name"]] = {b["name"] for b in manifest.get("bin", [])}
    for binary in STAGE_BINARIES:
        assert binary in bins.get(binary, set()), binary

    (user,) = [c for c in runtime if c.cmd == "USER"]
    uid = user.value[0].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid (runAsNonRoot can check it)"
    copies = [c for c in runtime if c.cmd == "COPY"]
    assert any(c.flags == ("--from=build",) and c.value == ("/out/", "/usr/local/bin/") for c in copies)
    (pipeline,) = [c for c in copies if c.value[-1] == "/usr/local/bin/koku-pipeline"]
    assert (ROOT / pipeline.value[0]).is_file()


def test_the_manifests_run_what_the_image_holds():
    image_commands = STAGE_BINARIES | {"koku-pipeline"}
    commands = {c["command"][0] for c in job_containers().values()}
    ((template, _),) = argo_pods(load("workflowtemplate.yaml"))
    commands.add(template["container"]["command"][0])
    assert commands <= image_commands
