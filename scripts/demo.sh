#!/usr/bin/env bash
# The main job on the bundled test data: October 2025 of the `testdata/ocp-small` cluster (the `ocp`
# flow) and of the AWS account of `testdata/aws/worked-example` (the `aws` flow), read from the local
# folders (koku's S3 key layout), summarised, and loaded into a throwaway local PostgreSQL that holds
# koku's tables (scripts/koku-ddl.sql + scripts/demo-seed.sql). Prints what landed, then removes the
# cluster. Set KOKU_DEMO_KEEP=DIR to keep the work dirs in DIR/ocp and DIR/aws for inspection.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
source scripts/pg.sh
TMP="$(mktemp -d /tmp/koku-demo.XXXXXX)"
chmod 755 "$TMP"   # the postgres user must reach the cluster folder inside
pg_start "$TMP/pg"
trap 'pg_stop "$TMP/pg"; rm -rf "$TMP"' EXIT
URL="$KOKU_PG_URL"
SCHEMA=org1234567
pg_install_koku_schema "$URL" "$SCHEMA"
{ echo "SET search_path TO $SCHEMA, public;"; cat scripts/demo-seed.sql; } | psql -q -v ON_ERROR_STOP=1 "$URL"

WORK="${KOKU_DEMO_KEEP:-$TMP/work}"
echo "== pipeline ocp: testdata/ocp-small (local folder) -> $WORK/ocp -> PostgreSQL" >&2
DATABASE_URL="$URL" scripts/pipeline.sh "$WORK/ocp" -- \
    --from testdata/ocp-small --schema "$SCHEMA" --source 00000000-0000-0000-0000-000000000001 \
    --year 2025 --month 10
echo "== pipeline aws: testdata/aws/worked-example (local folder) -> $WORK/aws -> PostgreSQL" >&2
DATABASE_URL="$URL" scripts/pipeline.sh "$WORK/aws" --flow aws -- \
    --from testdata/aws/worked-example --schema "$SCHEMA" --source 00000000-0000-0000-0000-000000000002 \
    --year 2025 --month 10

echo
echo "== what landed in $SCHEMA.reporting_ocpusagelineitem_daily_summary"
psql -q -X -P pager=off "$URL" <<SQL
SET search_path TO $SCHEMA;
SELECT usage_start, data_source, namespace, node,
       round(pod_usage_cpu_core_hours, 3) AS cpu_core_h,
       round(pod_request_cpu_core_hours, 3) AS cpu_req_h,
       round(pod_usage_memory_gigabyte_hours, 3) AS mem_gib_h,
       round(persistentvolumeclaim_usage_gigabyte_months, 6) AS pvc_gib_mo,
       cost_category_id AS cat,
       all_labels
  FROM reporting_ocpusagelineitem_daily_summary
 ORDER BY usage_start, data_source, namespace NULLS LAST, node;
SELECT count(*) AS rows, min(usage_start) AS first_day, max(usage_start) AS last_day,
       (SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'reporting_ocpusagelineitem_daily_summary'::regclass) AS partitions
  FROM reporting_ocpusagelineitem_daily_summary;
SQL

echo
echo "== what landed in $SCHEMA.reporting_awscostentrylineitem_daily_summary (and the EC2 compute summary)"
psql -q -X -P pager=off "$URL" <<SQL
SET search_path TO $SCHEMA;
SELECT usage_start, product_code, product_family, instance_type, resource_ids, usage_amount,
       unblended_cost, calculated_amortized_cost AS amortized, markup_cost, tags, account_alias_id AS alias
  FROM reporting_awscostentrylineitem_daily_summary
 ORDER BY usage_start, product_code, product_family NULLS LAST, resource_ids;
SELECT resource_id, usage_start, usage_end, instance_name, instance_type, usage_amount, unblended_cost,
       calculated_amortized_cost AS amortized, tags
  FROM reporting_awscostentrylineitem_summary_by_ec2_compute_p
 ORDER BY resource_id;
SQL
