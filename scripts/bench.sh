#!/usr/bin/env bash
# Benchmark the pipeline on generated koku-layout data, local folder -> throwaway PostgreSQL:
#
#   scripts/bench.sh [--runs N] [--no-write] [WORKLOAD...]
#          WORKLOAD: 100k 1m 30m (default: these three), aws-1m aws-30m (dataset generation only, for now)
#
#   100k     1 day,   40 nodes x 104 pods   (  99,840 hourly pod rows)
#   1m       1 day,  400 nodes x 104 pods   ( 998,400 hourly pod rows)
#   30m      30 days, 400 nodes x 104 pods  (29,952,000 hourly pod rows)
#   aws-1m   1 day:   the AWS CUR of the 1m cluster + 15,000 unrelated EC2 instances (koku-gen aws;
#            ~1.01M hourly CUR lines)
#   aws-30m  30 days of the same (~29M hourly CUR lines: development instances stop at weekends)
#
# Each dataset is generated once by koku-gen (seed 42, 2 PVCs per node, 8 label keys x 20 values) into
# .cache/bench/<workload>/ and reused while its parameters are unchanged. Release binaries are built
# with `cargo build --release --workspace` into $CARGO_TARGET_DIR (default target/). A throwaway
# PostgreSQL (scripts/pg.sh; fsync off) gets koku's DDL and the generator's seed.sql (provider, report
# period, enabled keys, nodes), one database per workload. Then, N times (default 3) each:
#   extract   koku-extract ocp --from <dataset> (DATABASE_URL set: PostgreSQL inputs from the database)
#   transform koku-transform ocp
#   load      koku-load (after an untimed TRUNCATE, so every run inserts into an empty table)
#   pipeline  scripts/pipeline.sh: the three in a row (koku's delete of the previous run's rows included)
# measured with /usr/bin/time -v (wall, user+sys CPU, peak RSS). Medians, with rows in/out from
# run.json, go to .cache/bench/results/<workload>.json and are rendered into BENCHMARKS.md between the
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
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        100k|1m|30m|aws-1m|aws-30m) WORKLOADS+=("$1"); shift ;;
        *) echo "bench.sh: unknown argument $1 (workloads: 100k 1m 30m aws-1m aws-30m)" >&2; exit 2 ;;
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
flow() { case "$1" in aws-*) echo aws ;; *) echo ocp ;; esac; }

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

# Datasets.
for w in "${WORKLOADS[@]}"; do
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
    python3 - "$w" "$d" "$L" "$RUNS" "$BENCH/results/$w.json" "$(params "$w") $COMMON_GEN" <<'PY'
import json, re, statistics, sys
w, data, logs, runs, out, gen_params = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]

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
aws = run["run"]["flow"] == "aws"
ex_in = sum(i.get("rows") or 0 for i in st["extract"]["inputs"])
# Rows out of extract: the Parquet-derived datasets (the small PostgreSQL inputs are not counted).
parquet = ("aws_line_items",) if aws else ("openshift_",)
ex_out = sum(o["rows"] for k, o in st["extract"]["outputs"].items() if k.startswith(parquet))
tr_out = sum(o["rows"] for o in st["transform"]["outputs"].values()) if aws else \
    st["transform"]["outputs"]["reporting_ocpusagelineitem_daily_summary"]["rows"]
ld_out = st["load"]["details"]["rows_inserted"]
# The workload's size: hourly pod rows (OCP), hourly CUR lines as koku-gen wrote them (AWS; the aws
# flow reads koku's daily roll-up of them).
if aws:
    hourly = json.load(open(f"{data}/dataset.json"))["written"]["hourly_rows"]
else:
    hourly = st["extract"]["outputs"]["openshift_pod_usage_line_items"]["rows"]
rows = {"extract": (ex_in, ex_out), "transform": (ex_out, tr_out), "load": (tr_out, ld_out),
        "pipeline": (ex_in, ld_out)}
res = {"workload": w, "flow": "aws" if aws else "ocp", "runs": runs, "hourly_pod_rows": hourly, "generator": gen_params,
       "files": len(st["extract"]["inputs"]), "stages": {}}
for stage in ["extract", "transform", "load", "pipeline"]:
    ms = [parse_time(f"{logs}/{stage}.{r}") for r in range(1, runs + 1)]
    agg = {k: {"median": statistics.median(m[k] for m in ms), "min": min(m[k] for m in ms),
               "max": max(m[k] for m in ms)} for k in ["wall", "cpu", "rss_mb"]}
    agg["rows_in"], agg["rows_out"] = rows[stage]
    res["stages"][stage] = agg
try:
    g = parse_time(f"{data}/.gen.time")
    res["generate"] = g
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
order = {"100k": 0, "1m": 1, "30m": 2, "aws-1m": 3, "aws-30m": 4}
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
