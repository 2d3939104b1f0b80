#!/usr/bin/env bash
# Benchmark the pipeline on generated koku-layout data, local folder -> throwaway PostgreSQL:
#
#   scripts/bench.sh [--runs N] [--no-write] [WORKLOAD...]
#          WORKLOAD: 100k 1m 30m (default: these three), aws-1m aws-30m, ocp-aws-1m ocp-aws-30m
#
#   100k     1 day,   40 nodes x 104 pods   (  99,840 hourly pod rows)
#   1m       1 day,  400 nodes x 104 pods   ( 998,400 hourly pod rows)
#   30m      30 days, 400 nodes x 104 pods  (29,952,000 hourly pod rows)
#   aws-1m   1 day:   the AWS CUR of the 1m cluster + 15,000 unrelated EC2 instances (koku-gen aws;
#            ~1.01M hourly CUR lines)
#   aws-30m  30 days of the same (~29M hourly CUR lines: development instances stop at weekends)
#   ocp-aws-1m   OCP on AWS, 1 day: the 1m cluster running on the aws-1m account (same cluster flags,
#                so EC2 instance ids are the node resource ids and EBS volume ids the CSI volume handles)
#   ocp-aws-30m  the same over 30 days (30m + aws-30m)
#
# Each dataset is generated once by koku-gen (seed 42, 2 PVCs per node, 8 label keys x 20 values) into
# .cache/bench/<workload>/ and reused while its parameters are unchanged; an ocp-aws workload is a
# folder of symlinks joining its two datasets under one koku-layout root (the extract reads one --from).
# Release binaries are built with `cargo build --release --workspace` into $CARGO_TARGET_DIR (default
# target/). A throwaway PostgreSQL (scripts/pg.sh; fsync off) gets koku's DDL and the generator's
# seed.sql (provider, report period or bill, enabled keys, nodes), one database per workload; ocp-aws
# adds the tenant's api_customer, the OCP source's infrastructure map row (paired with the AWS source)
# and koku's empty tag tables (so koku's matched-tags statement finds nothing and the transform computes
# the Trino fallback). Then, N times (default 3) each:
#   extract   koku-extract <flow> --from <dataset> (DATABASE_URL set: PostgreSQL inputs from the database)
#   transform koku-transform <flow>
#   load      koku-load (after an untimed TRUNCATE, so every run inserts into empty tables)
#   pipeline  scripts/pipeline.sh: the three in a row (koku's delete of the previous run's rows included)
# measured with /usr/bin/time -v (wall, user+sys CPU, peak RSS). For ocp-aws the OCP work dir
# (koku-extract ocp + koku-transform ocp of the OCP dataset: koku has that summary already) is prepared
# once per workload, untimed, and passed as --ocp-workdir. Medians, with rows in/out from run.json, go
# to .cache/bench/results/<workload>.json and are rendered into BENCHMARKS.md between the
# `bench:begin` / `bench:end` markers (--no-write: print only). Raw time(1) output: .cache/bench/logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[bench] %s\n' "$*" >&2; }

RUNS=3; WRITE=1; WORKLOADS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --no-write) WRITE=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        100k|1m|30m|aws-1m|aws-30m|ocp-aws-1m|ocp-aws-30m) WORKLOADS+=("$1"); shift ;;
        *) echo "bench.sh: unknown argument $1 (workloads: 100k 1m 30m aws-1m aws-30m ocp-aws-1m ocp-aws-30m)" >&2; exit 2 ;;
    esac
done
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(100k 1m 30m)

params() {
    case "$1" in
        100k) echo "--nodes 40 --pods-per-node 104 --days 1" ;;
        1m) echo "--nodes 400 --pods-per-node 104 --days 1" ;;
        30m) echo "--nodes 400 --pods-per-node 104 --days 30" ;;
        # The AWS account of the 1m cluster (same cluster flags, so its node and EBS volume ids are the
        # 1m dataset's) plus unrelated instances: ~42,600 hourly CUR lines per hour.
        aws-1m) echo "aws --nodes 400 --pods-per-node 104 --days 1 --extra-instances 15000" ;;
        aws-30m) echo "aws --nodes 400 --pods-per-node 104 --days 30 --extra-instances 15000" ;;
    esac
}
COMMON_GEN="--start-date 2025-10-01 --pvcs-per-node 2 --label-keys 8 --label-values 20 --seed 42"
SCHEMA=org1234567
SOURCE=00000000-0000-0000-0000-000000000001
AWS_SOURCE=00000000-0000-0000-0000-000000000002
flow() { case "$1" in aws-*) echo aws ;; ocp-aws-*) echo ocp-aws ;; *) echo ocp ;; esac; }
# The datasets an ocp-aws workload joins: its OCP dataset, then its AWS dataset (same cluster flags).
parts() { case "$1" in ocp-aws-1m) echo "1m aws-1m" ;; ocp-aws-30m) echo "30m aws-30m" ;; esac; }

# Tools: PostgreSQL (setup.sh) and GNU time.
KOKU_SETUP_SKIP_BUILD=1 scripts/setup.sh
if [ ! -x /usr/bin/time ]; then
    log "installing GNU time (apt)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
log "building release binaries into $TARGET (cargo build --release --workspace)"
CARGO_TARGET_DIR="$TARGET" cargo build --release --workspace --quiet
BIN="$TARGET/release"
export KOKU_BIN="$BIN"

BENCH="$ROOT/.cache/bench"
mkdir -p "$BENCH/results" "$BENCH/logs"

# Datasets: koku-gen's, then the ocp-aws roots joining two of them.
GEN=()
for w in "${WORKLOADS[@]}"; do
    if [ "$(flow "$w")" = ocp-aws ]; then
        # shellcheck disable=SC2207
        GEN+=($(parts "$w"))
    else
        GEN+=("$w")
    fi
done
declare -A DONE=()
for w in "${GEN[@]}"; do
    [ -z "${DONE[$w]:-}" ] || continue
    DONE[$w]=1
    d="$BENCH/$w"
    want="$(params "$w") $COMMON_GEN"
    if [ -f "$d/dataset.json" ] && [ "$(cat "$d/.params" 2>/dev/null)" = "$want" ]; then
        log "$w: reusing $d"
        continue
    fi
    log "$w: generating ($want)"
    rm -rf "$d"; mkdir -p "$d"
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$d/.gen.time" "$BIN/koku-gen" $want --out "$d" >"$d/.gen.out"
    echo "$want" >"$d/.params"
    cat "$d/.gen.out" >&2
done
for w in "${WORKLOADS[@]}"; do
    [ "$(flow "$w")" = ocp-aws ] || continue
    read -r ocp aws <<<"$(parts "$w")"
    d="$BENCH/$w"
    log "$w: joining $ocp and $aws under $d (symlinks; the extract's local lister follows them)"
    rm -rf "$d"
    for sub in "" daily/; do
        mkdir -p "$d/data/parquet/${sub}$SCHEMA"
        ln -s "$BENCH/$ocp/data/parquet/${sub}$SCHEMA/OCP" "$d/data/parquet/${sub}$SCHEMA/OCP"
        ln -s "$BENCH/$aws/data/parquet/${sub}$SCHEMA/AWS" "$d/data/parquet/${sub}$SCHEMA/AWS"
    done
    # koku's rows for the pair: both generated seeds, and what koku holds once the OCP source is known
    # to run on the AWS source. scripts/koku-ddl.sql has neither public.api_customer (the extract
    # finds the tenant's OCP sources through it) nor koku's tag tables (koku's matched-tags statement
    # reads them; empty here, as before koku's first tag summary: the transform computes koku's Trino
    # fallback), so they are created if missing, with the columns the extract reads.
    {
        cat "$BENCH/$ocp/seed.sql" "$BENCH/$aws/seed.sql"
        cat <<SQL
-- Written by scripts/bench.sh: the OCP source runs on the AWS source (koku's state after pairing).
CREATE TABLE IF NOT EXISTS public.api_customer (id serial PRIMARY KEY, schema_name text NOT NULL UNIQUE, org_id text);
INSERT INTO public.api_customer (id, schema_name) VALUES (1, '$SCHEMA') ON CONFLICT DO NOTHING;
UPDATE public.api_provider SET customer_id = 1 WHERE uuid IN ('$SOURCE', '$AWS_SOURCE');
INSERT INTO public.api_providerinfrastructuremap (id, infrastructure_type, infrastructure_provider_id) VALUES (1, 'AWS', '$AWS_SOURCE') ON CONFLICT DO NOTHING;
UPDATE public.api_provider SET infrastructure_id = 1 WHERE uuid = '$SOURCE';
CREATE TABLE IF NOT EXISTS reporting_awstags_summary (key text NOT NULL);
CREATE TABLE IF NOT EXISTS reporting_awstags_values (key text NOT NULL, value text NOT NULL);
CREATE TABLE IF NOT EXISTS reporting_ocptags_values (key text NOT NULL, value text NOT NULL);
SQL
    } >"$d/seed.sql"
done

# PostgreSQL.
source scripts/pg.sh
TMP="$(mktemp -d /tmp/koku-bench.XXXXXX)"
chmod 755 "$TMP"
pg_start "$TMP/pg"
trap 'pg_stop "$TMP/pg"; rm -rf "$TMP"' EXIT
BASE_URL="${KOKU_PG_URL%/*}"

timed() { # timed LOGFILE CMD...: run under GNU time, keep its report, fail loudly
    local out="$1"; shift
    if ! /usr/bin/time -v -o "$out" "$@" >"$out.stdout" 2>"$out.stderr"; then
        echo "bench.sh: failed: $*" >&2; tail -20 "$out.stderr" >&2; exit 1
    fi
}

for w in "${WORKLOADS[@]}"; do
    d="$BENCH/$w"
    db="bench_${w//-/_}"
    psql -q -X -v ON_ERROR_STOP=1 "$BASE_URL/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    URL="$BASE_URL/$db"
    export DATABASE_URL="$URL"   # the stages read it from the environment (no URL in ps)
    pg_install_koku_schema "$URL" "$SCHEMA"
    { echo "SET search_path TO $SCHEMA, public;"; cat "$d/seed.sql"; } | psql -q -X -v ON_ERROR_STOP=1 "$URL"
    L="$BENCH/logs/$w"; rm -rf "$L"; mkdir -p "$L"
    F="$(flow "$w")"
    if [ "$F" = aws ]; then
        EXTRACT_ARGS=(--from "$d" --schema "$SCHEMA" --source "$AWS_SOURCE" --year 2025 --month 10)
        TABLES="$SCHEMA.reporting_awscostentrylineitem_daily_summary, $SCHEMA.reporting_awscostentrylineitem_summary_by_ec2_compute_p"
    elif [ "$F" = ocp-aws ]; then
        # The OCP daily summary koku already has when OCP on AWS runs: untimed, once per workload (the
        # ocp-aws extract only reads the work dir).
        read -r ocp _ <<<"$(parts "$w")"
        OW="$TMP/ocpwork-$w"; rm -rf "$OW"
        log "$w: preparing the OCP work dir (koku-extract ocp + koku-transform ocp of $ocp, untimed)"
        if ! { "$BIN/koku-extract" ocp --from "$BENCH/$ocp" --schema "$SCHEMA" --source "$SOURCE" --year 2025 \
                   --month 10 --out "$OW" && "$BIN/koku-transform" ocp "$OW"; } 2>"$L/ocp-prepare.stderr"; then
            echo "bench.sh: $w: preparing the OCP work dir failed" >&2; tail -20 "$L/ocp-prepare.stderr" >&2; exit 1
        fi
        EXTRACT_ARGS=(--from "$d" --schema "$SCHEMA" --aws-source "$AWS_SOURCE" --year 2025 --month 10 --ocp-workdir "$OW")
        # The _p table, koku's eight UI tables and the OCP infrastructure rows the load back-populates.
        TABLES="$SCHEMA.reporting_ocpawscostlineitem_project_daily_summary_p, $SCHEMA.reporting_ocpusagelineitem_daily_summary"
        for t in cost_summary cost_summary_by_account cost_summary_by_region cost_summary_by_service \
                 compute_summary storage_summary network_summary database_summary; do
            TABLES+=", $SCHEMA.reporting_ocpaws_${t}_p"
        done
    else
        EXTRACT_ARGS=(--from "$d" --schema "$SCHEMA" --source "$SOURCE" --year 2025 --month 10)
        TABLES="$SCHEMA.reporting_ocpusagelineitem_daily_summary"
    fi
    for r in $(seq 1 "$RUNS"); do
        log "$w: run $r/$RUNS"
        W="$TMP/work-$w"; rm -rf "$W"
        sync; psql -q -X "$URL" -c "CHECKPOINT" >/dev/null
        timed "$L/extract.$r" "$BIN/koku-extract" "$F" "${EXTRACT_ARGS[@]}" --out "$W"
        timed "$L/transform.$r" "$BIN/koku-transform" "$F" "$W"
        psql -q -X "$URL" -c "TRUNCATE $TABLES; CHECKPOINT" >/dev/null
        timed "$L/load.$r" "$BIN/koku-load" "$W"
        cp "$W/run.json" "$L/run.$r.json"
        rm -rf "$W"; psql -q -X "$URL" -c "CHECKPOINT" >/dev/null
        timed "$L/pipeline.$r" scripts/pipeline.sh "$W" --flow "$F" -- "${EXTRACT_ARGS[@]}"
        cp "$W/run.json" "$L/run-pipeline.$r.json"
        rm -rf "$W"
    done
    if [ "$F" = ocp-aws ]; then
        read -r ocp aws <<<"$(parts "$w")"
        SETS="$BENCH/$ocp $BENCH/$aws"; GP="$ocp: $(params "$ocp") $COMMON_GEN; $aws: $(params "$aws") $COMMON_GEN"
    else
        SETS="$d"; GP="$(params "$w") $COMMON_GEN"
    fi
    python3 - "$w" "$SETS" "$L" "$RUNS" "$BENCH/results/$w.json" "$GP" <<'PY'
import json, re, statistics, sys
w, sets, logs, runs, out, gen_params = sys.argv[1], sys.argv[2].split(), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
data = sets[-1]

def parse_time(path):
    t = open(path).read()
    def num(label):
        return float(re.search(re.escape(label) + r":\s*([0-9.:]+)", t).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\):\s*([0-9:.]+)", t).group(1)
    parts = [float(p) for p in wall.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return {"wall": secs, "cpu": num("User time (seconds)") + num("System time (seconds)"),
            "rss_mb": num("Maximum resident set size (kbytes)") / 1024.0}

run = json.load(open(f"{logs}/run.1.json"))
st = run["stages"]
flow = run["run"]["flow"].replace("_", "-")
aws, ocp_aws = flow == "aws", flow == "ocp-aws"
ex_in = sum(i.get("rows") or 0 for i in st["extract"]["inputs"])
# Rows out of extract: the Parquet-derived datasets (the small PostgreSQL inputs are not counted; for
# ocp-aws the OCP daily summary rows copied from the OCP work dir are).
parquet = ("aws_line_items",) if aws else \
    ("aws_line_items", "openshift_", "reporting_ocpusagelineitem_daily_summary") if ocp_aws else ("openshift_",)
ex_out = sum(o["rows"] for k, o in st["extract"]["outputs"].items() if k.startswith(parquet))
tr_out = sum(o["rows"] for o in st["transform"]["outputs"].values()) if aws or ocp_aws else \
    st["transform"]["outputs"]["reporting_ocpusagelineitem_daily_summary"]["rows"]
ld_out = st["load"]["details"]["rows_inserted"]
# The workload's size: hourly pod rows (OCP), hourly CUR lines as koku-gen wrote them (AWS; the aws
# flow reads koku's daily roll-up of them), both for ocp-aws (the OCP side enters as its daily summary).
if aws:
    hourly = json.load(open(f"{data}/dataset.json"))["written"]["hourly_rows"]
elif ocp_aws:
    hourly = json.load(open(f"{sets[1]}/dataset.json"))["written"]["hourly_rows"] + \
        json.load(open(f"{sets[0]}/dataset.json"))["written"]["pod_usage"]["hourly_rows"]
else:
    hourly = st["extract"]["outputs"]["openshift_pod_usage_line_items"]["rows"]
rows = {"extract": (ex_in, ex_out), "transform": (ex_out, tr_out), "load": (tr_out, ld_out),
        "pipeline": (ex_in, ld_out)}
res = {"workload": w, "flow": flow, "runs": runs, "hourly_pod_rows": hourly, "generator": gen_params,
       "files": len(st["extract"]["inputs"]), "stages": {}}
if ocp_aws:
    # What the run attributed: the _p rows and the pairs the load wrote (sanity of the workload).
    res["p_rows"] = st["transform"]["outputs"]["reporting_ocpawscostlineitem_project_daily_summary_p"]["rows"]
    o = st["load"]["details"].get("ocp_aws", {})
    res["pairs"] = o.get("pairs")
    res["ocp_infrastructure_rows_inserted"] = o.get("ocp_infrastructure_rows_inserted")
for stage in ["extract", "transform", "load", "pipeline"]:
    ms = [parse_time(f"{logs}/{stage}.{r}") for r in range(1, runs + 1)]
    agg = {k: {"median": statistics.median(m[k] for m in ms), "min": min(m[k] for m in ms),
               "max": max(m[k] for m in ms)} for k in ["wall", "cpu", "rss_mb"]}
    agg["rows_in"], agg["rows_out"] = rows[stage]
    res["stages"][stage] = agg
if not ocp_aws:  # an ocp-aws workload generates nothing itself (its datasets' own results show theirs)
    try:
        res["generate"] = parse_time(f"{data}/.gen.time")
    except (FileNotFoundError, AttributeError):
        pass
json.dump(res, open(out, "w"), indent=1)
print(json.dumps({s: round(v["wall"]["median"], 3) for s, v in res["stages"].items()}))
PY
done

# Render BENCHMARKS.md's generated section from every result present.
DIRTY=""; [ -n "$(git status --porcelain 2>/dev/null)" ] && DIRTY=" (with uncommitted changes)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$DIRTY"
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM="$(free -g | awk '/^Mem:/ {print $2}') GiB"
PGV="$(psql -X -At "$BASE_URL/postgres" -c 'SHOW server_version')"
python3 - "$BENCH/results" "$WRITE" "$(date -u +%Y-%m-%d)" "$COMMIT" "$(nproc)" "$MEM" "$CPU" "$PGV" "$(rustc --version)" <<'PY'
import glob, json, os, sys
resdir, write, date, commit, nproc, mem, cpu, pgv, rustc = sys.argv[1:]
order = {"100k": 0, "1m": 1, "30m": 2, "aws-1m": 3, "aws-30m": 4, "ocp-aws-1m": 5, "ocp-aws-30m": 6}
every = sorted((json.load(open(p)) for p in glob.glob(f"{resdir}/*.json")), key=lambda r: order[r["workload"]])
L = []
L.append(f"Measured {date} on commit `{commit}`: {nproc} cores ({cpu}), {mem} RAM, PostgreSQL {pgv} "
         f"(throwaway cluster, fsync off), {rustc}, release build. Medians of `runs` runs "
         "(min–max in brackets); CPU = user+sys; RSS = peak resident set of the process "
         "(for `pipeline`, of the largest stage).")
L.append("")
def table(results, size):
    L.append(f"| workload | {size} | files | runs | stage | wall s | CPU s | peak RSS MB | rows in | rows out |")
    L.append("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        for i, s in enumerate(["extract", "transform", "load", "pipeline"]):
            v = r["stages"][s]
            f = lambda k, d=2: f"{v[k]['median']:.{d}f} ({v[k]['min']:.{d}f}–{v[k]['max']:.{d}f})"
            name = f"**{r['workload']}**" if i == 0 else ""
            rows = f"{r['hourly_pod_rows']:,}" if i == 0 else ""
            files = f"{r['files']:,}" if i == 0 else ""
            runs = f"{r['runs']}" if i == 0 else ""
            stage = "**end to end**" if s == "pipeline" else s
            L.append(f"| {name} | {rows} | {files} | {runs} | {stage} | {f('wall')} | {f('cpu')} | {v['rss_mb']['median']:.0f} | {v['rows_in']:,} | {v['rows_out']:,} |")
    if len(results) >= 2:
        L.append("")
        a, b = results[0], results[-1]
        dx = (b["hourly_pod_rows"] - a["hourly_pod_rows"]) / 1e6
        parts = []
        for s in ["extract", "transform", "load", "pipeline"]:
            dy = b["stages"][s]["wall"]["median"] - a["stages"][s]["wall"]["median"]
            parts.append(f"{s} {dy / dx:.3f}")
        L.append(f"Slope of wall time between {a['workload']} and {b['workload']}, seconds per million {size}: "
                 + ", ".join(parts) + ".")
        if len(results) >= 3:
            m = results[1]
            parts = []
            for s in ["pipeline"]:
                s1 = (m["stages"][s]["wall"]["median"] - a["stages"][s]["wall"]["median"]) / ((m["hourly_pod_rows"] - a["hourly_pod_rows"]) / 1e6)
                s2 = (b["stages"][s]["wall"]["median"] - m["stages"][s]["wall"]["median"]) / ((b["hourly_pod_rows"] - m["hourly_pod_rows"]) / 1e6)
                parts.append(f"end to end {s1:.3f} s/M rows ({a['workload']}→{m['workload']}) vs {s2:.3f} s/M rows ({m['workload']}→{b['workload']})")
            L.append("Linearity check: " + "; ".join(parts) + ".")

ocp = [r for r in every if r.get("flow", "ocp") == "ocp"]
aws = [r for r in every if r.get("flow") == "aws"]
if ocp:
    table(ocp, "hourly pod rows")
if aws:
    if ocp:
        L.append("")
    L.append("AWS (`koku-gen aws`: the account of the 1m cluster plus unrelated resources; the `aws` flow reads "
             "koku's daily roll-up of the hourly CUR lines counted here):")
    L.append("")
    table(aws, "hourly CUR lines")
ocp_aws = [r for r in every if r.get("flow") == "ocp-aws"]
if ocp_aws:
    if ocp or aws:
        L.append("")
    L.append("OCP on AWS (the 1m/30m cluster on the aws-1m/aws-30m account; the OCP side enters as the OCP "
             "work dir of `koku-extract ocp` + `koku-transform ocp`, prepared untimed; size = hourly CUR lines "
             "+ hourly pod rows; rows out of transform and load = the `_p` rows and koku's eight UI tables):")
    L.append("")
    table(ocp_aws, "hourly CUR + pod rows")
    L.append("")
    L.append("The load's rows out are those of the nine OCP-on-AWS tables; it also back-populates koku's OCP "
             "daily summary: " + "; ".join(
                 f"{r['workload']} {r['p_rows']:,} `_p` rows, {r.get('ocp_infrastructure_rows_inserted') or 0:,} "
                 f"OCP infrastructure rows, {len(r.get('pairs') or [])} pair(s)" for r in ocp_aws) + ".")
results = every
gens = [r for r in results if "generate" in r]
if gens:
    L.append("")
    L.append("Dataset generation (koku-gen, once per dataset, not part of the pipeline): " + "; ".join(
        f"{r['workload']} {r['generate']['wall']:.1f} s wall, {r['generate']['cpu']:.1f} s CPU, {r['generate']['rss_mb']:.0f} MB" for r in gens) + ".")
text = "\n".join(L) + "\n"
print(text)
if write == "1":
    path = "BENCHMARKS.md"
    begin, end = "<!-- bench:begin (generated by scripts/bench.sh) -->", "<!-- bench:end -->"
    old = open(path).read() if os.path.exists(path) else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in old:
        old += f"\n{begin}\n{end}\n"
    pre, rest = old.split(begin, 1)
    post = rest.split(end, 1)[1]
    open(path, "w").write(pre + begin + "\n" + text + end + post)
    print(f"wrote {path}", file=sys.stderr)
PY
