-- koku's PostgreSQL tables that the Rust summary pipeline reads and writes, for tests and the demo.
--
-- Written from the pipeline specs (spec/ocp-daily-summary.md §2.5, §3; spec/aws-daily-summary.md §2.2, §3,
-- §5.2) and koku's Django models and migrations (the AWS tables: koku/reporting/provider/aws/models.py,
-- reporting/migrations/0300_squash.py and 0325_awscostentrylineitemsummarybyec2computep.py; the cost
-- model: koku/cost_models/models.py and cost_models/migrations/0001-0006; the infrastructure map:
-- koku/api/provider/models.py; the OCP-on-AWS tables: koku/reporting/provider/aws/openshift/models.py,
-- migrations 0300_squash, 0320, 0331). It is NOT koku's migration output (no Django bookkeeping, no UI
-- tables besides OCP-on-AWS's, FK names and Django's automatic FK index names differ; the indexes koku
-- names are named as in koku).
--
-- How to apply: the caller first runs
--     CREATE SCHEMA IF NOT EXISTS <tenant>; SET search_path TO <tenant>, public;
-- then this file. Tenant tables are therefore unqualified, public objects qualified. Every statement is
-- idempotent, so the file can be applied for several tenants of one database, or twice for one tenant.
--
-- Deliberate simplifications (koku has them, the pipeline does not need them):
--   * no FK from reporting_ocpusagereportperiod / reporting_ocp_clusters / reporting_awscostentrybill /
--     reporting_awsorganizationalunit to reporting_tenant_api_provider, so tests can insert report
--     periods and bills without a tenant provider row;
--   * uuid primary keys default to gen_random_uuid() (Django fills them client-side), so SQL upserts and
--     test fixtures need not invent them. The summary tables' uuid has NO default, as in koku: the loader
--     must send one.

-- ---------------------------------------------------------------------------------------------------
-- public: providers (koku's `api` app)
-- ---------------------------------------------------------------------------------------------------

-- koku's customers: a tenant schema per customer (the OCP-on-AWS extract lists the tenant's OCP sources
-- through api_provider.customer_id).
CREATE TABLE IF NOT EXISTS public.api_customer (
    id serial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    date_created timestamptz NOT NULL DEFAULT now(),
    account_id varchar(150),
    schema_name text NOT NULL UNIQUE,
    org_id varchar(36)
);

CREATE TABLE IF NOT EXISTS public.api_providerauthentication (
    id serial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    credentials jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS public.api_providerbillingsource (
    id serial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    data_source jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS public.api_provider (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(256) NOT NULL,
    type varchar(50) NOT NULL DEFAULT 'AWS',
    authentication_id integer REFERENCES public.api_providerauthentication (id)
        DEFERRABLE INITIALLY DEFERRED,
    billing_source_id integer REFERENCES public.api_providerbillingsource (id)
        DEFERRABLE INITIALLY DEFERRED,
    -- koku: FK to api_customer; the pipeline never reads it.
    customer_id integer,
    setup_complete boolean NOT NULL DEFAULT false,
    created_timestamp timestamptz DEFAULT now(),
    data_updated_timestamp timestamptz,
    active boolean NOT NULL DEFAULT true,
    paused boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS api_provider_authentication_id_idx ON public.api_provider (authentication_id);

-- Which cloud source an OpenShift source runs on (koku's ProviderInfrastructureMap; aws-daily-summary §6):
-- one row per (type, cloud source), shared by every OCP source on it through api_provider.infrastructure_id.
CREATE TABLE IF NOT EXISTS public.api_providerinfrastructuremap (
    id serial PRIMARY KEY,
    infrastructure_type varchar(50) NOT NULL,
    infrastructure_provider_id uuid NOT NULL REFERENCES public.api_provider (uuid)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT api_providerinfrastructuremap_uniq UNIQUE (infrastructure_type, infrastructure_provider_id)
);
CREATE INDEX IF NOT EXISTS api_providerinframap_provider_id_idx
    ON public.api_providerinfrastructuremap (infrastructure_provider_id);
ALTER TABLE public.api_provider ADD COLUMN IF NOT EXISTS infrastructure_id integer
    REFERENCES public.api_providerinfrastructuremap (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX IF NOT EXISTS api_provider_infrastructure_id_idx ON public.api_provider (infrastructure_id);

-- The trigram operator class of koku's GIN indexes on upper(product_code) / upper(product_family)
-- (koku: reporting migration 0300 creates the extension in schema public).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- ---------------------------------------------------------------------------------------------------
-- public: partition management trigger function
--
-- Same behaviour as koku's current `public.trfn_partition_manager()` (attached by koku as trigger
-- `tr_partition_manager` on every tenant's `partitioned_tables`; it replaced the older
-- `trfn_manage_date_range_partition`). The body is our own. Inserting/updating/deleting a tracking row
-- is how koku creates, detaches/attaches and drops partitions, so a loader that uses tracking rows
-- behaves the same here and against a real koku database.
--   INSERT -> CREATE TABLE IF NOT EXISTS <part> PARTITION OF <parent> DEFAULT | FOR VALUES ...
--   UPDATE -> rename when a name changed; DETACH when deactivated or when the bounds changed;
--             ATTACH (with the new bounds) when activated or when the bounds changed
--   DELETE -> DETACH (if active) and DROP
-- ---------------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION public.trfn_partition_manager() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    rec record;
    parent regclass;
    col_type text;
    bounds text;
    item text;
    items text[] := '{}';
    is_attached boolean;
    stmts text[] := '{}';
    stmt text;
BEGIN
    -- Deferred FK checks queued earlier in the transaction would make ALTER/CREATE ... PARTITION fail
    -- with "pending trigger events"; run them now (koku does the same).
    SET CONSTRAINTS ALL IMMEDIATE;

    IF TG_OP = 'DELETE' THEN
        rec := OLD;
    ELSE
        rec := NEW;
    END IF;

    IF TG_OP IN ('INSERT', 'UPDATE') AND NOT coalesce((rec.partition_parameters ->> 'default')::boolean, false) THEN
        -- Bounds are cast to the partition column's own type (date for the daily summary).
        parent := format('%I.%I', rec.schema_name, rec.partition_of_table_name)::regclass;
        SELECT format_type(a.atttypid, a.atttypmod) INTO col_type
          FROM pg_attribute a
         WHERE a.attrelid = parent AND a.attname = rec.partition_col AND NOT a.attisdropped;
        IF col_type IS NULL THEN
            RAISE EXCEPTION 'partition column %.% does not exist', parent, rec.partition_col;
        END IF;
        CASE lower(rec.partition_type)
        WHEN 'range' THEN
            bounds := format('FOR VALUES FROM (%L::%s) TO (%L::%s)',
                             rec.partition_parameters ->> 'from', col_type,
                             rec.partition_parameters ->> 'to', col_type);
        WHEN 'list' THEN
            FOREACH item IN ARRAY string_to_array(rec.partition_parameters ->> 'in', ',') LOOP
                items := items || format('%L::%s', trim(item), col_type);
            END LOOP;
            bounds := format('FOR VALUES IN (%s)', array_to_string(items, ', '));
        ELSE
            RAISE EXCEPTION 'unsupported partition_type % (only range and list)', rec.partition_type;
        END CASE;
    ELSE
        bounds := 'DEFAULT';
    END IF;

    IF TG_OP = 'INSERT' THEN
        stmt := format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.%I %s',
                       NEW.schema_name, NEW.table_name, NEW.schema_name, NEW.partition_of_table_name, bounds);
        IF bounds <> 'DEFAULT' AND nullif(NEW.subpartition_type, '') IS NOT NULL
           AND nullif(NEW.subpartition_col, '') IS NOT NULL THEN
            IF lower(NEW.subpartition_type) NOT IN ('range', 'list', 'hash') THEN
                RAISE EXCEPTION 'unsupported subpartition_type %', NEW.subpartition_type;
            END IF;
            stmt := stmt || format(' PARTITION BY %s (%I)', NEW.subpartition_type, NEW.subpartition_col);
        END IF;
        stmts := stmts || stmt;

    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.partition_of_table_name <> NEW.partition_of_table_name THEN
            stmts := stmts || format('ALTER TABLE IF EXISTS %I.%I RENAME TO %I',
                                     OLD.schema_name, OLD.partition_of_table_name, NEW.partition_of_table_name);
        END IF;
        IF OLD.table_name <> NEW.table_name THEN
            stmts := stmts || format('ALTER TABLE IF EXISTS %I.%I RENAME TO %I',
                                     OLD.schema_name, OLD.table_name, NEW.table_name);
        END IF;
        -- Whether the partition is attached right now decides whether a detach/attach is needed.
        SELECT c.relispartition INTO is_attached
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = OLD.schema_name AND c.relname = OLD.table_name;
        IF ((OLD.active AND NOT NEW.active) OR OLD.partition_parameters <> NEW.partition_parameters)
           AND is_attached IS DISTINCT FROM false THEN
            stmts := stmts || format('ALTER TABLE IF EXISTS %I.%I DETACH PARTITION %I.%I',
                                     NEW.schema_name, NEW.partition_of_table_name,
                                     NEW.schema_name, NEW.table_name);
            is_attached := false;
        END IF;
        IF NEW.active AND (NOT OLD.active OR OLD.partition_parameters <> NEW.partition_parameters)
           AND is_attached IS DISTINCT FROM true THEN
            stmts := stmts || format('ALTER TABLE IF EXISTS %I.%I ATTACH PARTITION %I.%I %s',
                                     NEW.schema_name, NEW.partition_of_table_name,
                                     NEW.schema_name, NEW.table_name, bounds);
        END IF;

    ELSE -- DELETE
        IF to_regclass(format('%I.%I', OLD.schema_name, OLD.table_name)) IS NULL THEN
            RAISE NOTICE 'partition %.% does not exist; nothing to drop', OLD.schema_name, OLD.table_name;
        ELSE
            SELECT c.relispartition INTO is_attached
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = OLD.schema_name AND c.relname = OLD.table_name;
            IF is_attached THEN
                stmts := stmts || format('ALTER TABLE %I.%I DETACH PARTITION %I.%I',
                                         OLD.schema_name, OLD.partition_of_table_name,
                                         OLD.schema_name, OLD.table_name);
            END IF;
            stmts := stmts || format('DROP TABLE IF EXISTS %I.%I', OLD.schema_name, OLD.table_name);
        END IF;
    END IF;

    FOREACH stmt IN ARRAY stmts LOOP
        RAISE INFO '%', stmt;
        EXECUTE stmt;
    END LOOP;
    RETURN NULL;
END;
$fn$;

-- ---------------------------------------------------------------------------------------------------
-- tenant: partition tracking
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS partitioned_tables (
    id serial PRIMARY KEY,
    schema_name text NOT NULL CHECK (schema_name <> ''),
    table_name text NOT NULL CHECK (table_name <> ''),
    partition_of_table_name text NOT NULL CHECK (partition_of_table_name <> ''),
    partition_type text NOT NULL CHECK (partition_type <> ''),
    partition_col text NOT NULL CHECK (partition_col <> ''),
    partition_parameters jsonb NOT NULL,
    active boolean NOT NULL DEFAULT true,
    subpartition_type text,
    subpartition_col text,
    CONSTRAINT partitioned_tables_schema_name_table_name_uniq UNIQUE (schema_name, table_name)
);
CREATE INDEX IF NOT EXISTS partable_table ON partitioned_tables (schema_name, table_name);
CREATE INDEX IF NOT EXISTS partable_partition_type ON partitioned_tables (partition_type);
CREATE INDEX IF NOT EXISTS partable_partition_parameters ON partitioned_tables USING gin (partition_parameters);

CREATE OR REPLACE TRIGGER tr_partition_manager
    AFTER INSERT OR DELETE OR UPDATE ON partitioned_tables
    FOR EACH ROW EXECUTE FUNCTION public.trfn_partition_manager();

-- ---------------------------------------------------------------------------------------------------
-- tenant: providers, report periods, tag keys, cost categories
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting_tenant_api_provider (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    type text NOT NULL,
    provider_id uuid REFERENCES public.api_provider (uuid) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE IF NOT EXISTS reporting_ocpusagereportperiod (
    id serial PRIMARY KEY,
    cluster_id varchar(50) NOT NULL,
    cluster_alias varchar(256),
    report_period_start timestamptz NOT NULL,
    report_period_end timestamptz NOT NULL,
    summary_data_creation_datetime timestamptz,
    summary_data_updated_datetime timestamptz,
    derived_cost_datetime timestamptz,
    ocp_on_cloud_updated_datetime timestamptz,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    provider_id uuid NOT NULL,
    CONSTRAINT reporting_ocpusagereportperiod_uniq UNIQUE (cluster_id, report_period_start, provider_id)
);
CREATE INDEX IF NOT EXISTS reporting_ocpusagereportperiod_provider_id_idx
    ON reporting_ocpusagereportperiod (provider_id);

CREATE TABLE IF NOT EXISTS reporting_enabledtagkeys (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key varchar(512) NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    provider_type varchar(50) NOT NULL,
    CONSTRAINT reporting_enabledtagkeys_key_provider_type_uniq UNIQUE (key, provider_type)
);
CREATE INDEX IF NOT EXISTS tag_enabled_key_index ON reporting_enabledtagkeys (key, enabled);
CREATE INDEX IF NOT EXISTS tag_provider_type_index ON reporting_enabledtagkeys (provider_type);

-- The tag summaries koku's OCP-on-AWS matched-tags statement reads (reporting_ocpaws_matched_tags.sql,
-- spec ocp-on-aws §4.1): koku fills them from the summaries; the pipeline only reads them.
CREATE TABLE IF NOT EXISTS reporting_awstags_summary (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key text NOT NULL,
    values text[],
    cost_entry_bill_id integer,
    account_alias_id integer,
    usage_account_id text
);
CREATE TABLE IF NOT EXISTS reporting_awstags_values (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key text NOT NULL,
    value text NOT NULL,
    usage_account_ids text[],
    account_aliases text[]
);
CREATE TABLE IF NOT EXISTS reporting_ocptags_values (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key text NOT NULL,
    value text NOT NULL,
    cluster_ids text[],
    cluster_aliases text[],
    namespaces text[],
    nodes text[]
);

CREATE TABLE IF NOT EXISTS reporting_ocp_cost_category (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    description text NOT NULL,
    source_type text NOT NULL,
    system_default boolean NOT NULL DEFAULT false,
    -- koku: ArrayField without a default; the default here only spares fixtures from naming it.
    label text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS reporting_ocp_cost_category_namespace (
    id serial PRIMARY KEY,
    namespace text NOT NULL UNIQUE,
    system_default boolean NOT NULL DEFAULT false,
    cost_category_id integer NOT NULL REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS reporting_ocp_cost_category_namespace_cost_category_id_idx
    ON reporting_ocp_cost_category_namespace (cost_category_id);

-- Seeds of koku's migrations 0300 (the "Platform" category; first row, so id 1 in a new tenant) and
-- 0315 (its default namespace patterns, matched with LIKE).
INSERT INTO reporting_ocp_cost_category (name, description, source_type, system_default, label)
VALUES ('Platform', 'Default OpenShift projects bucketed into a Platform group', 'OCP', true, '{}')
ON CONFLICT (name) DO NOTHING;

INSERT INTO reporting_ocp_cost_category_namespace (namespace, system_default, cost_category_id)
SELECT ns, true, c.id
  FROM unnest(ARRAY['openshift-%', 'kube-%', 'Platform unallocated', 'openshift']) AS ns
 CROSS JOIN reporting_ocp_cost_category c
 WHERE c.name = 'Platform'
ON CONFLICT (namespace) DO NOTHING;

-- ---------------------------------------------------------------------------------------------------
-- tenant: cluster information (upserted before the summary, spec §7.1.2)
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting_ocp_clusters (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id text NOT NULL,
    cluster_alias text,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    provider_id uuid NOT NULL,
    CONSTRAINT reporting_ocp_clusters_uniq UNIQUE (cluster_id, cluster_alias, provider_id)
);
CREATE INDEX IF NOT EXISTS reporting_ocp_clusters_provider_id_idx ON reporting_ocp_clusters (provider_id);

CREATE TABLE IF NOT EXISTS reporting_ocp_nodes (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    node text NOT NULL,
    resource_id text,
    node_capacity_cpu_cores numeric(18, 2),
    node_role text,
    architecture text,
    cluster_id uuid NOT NULL REFERENCES reporting_ocp_clusters (uuid)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS reporting_ocp_nodes_cluster_id_idx ON reporting_ocp_nodes (cluster_id);

CREATE TABLE IF NOT EXISTS reporting_ocp_pvcs (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    persistent_volume_claim text NOT NULL,
    persistent_volume text NOT NULL,
    csi_volume_handle text,
    cluster_id uuid NOT NULL REFERENCES reporting_ocp_clusters (uuid)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocp_pvcs_uniq UNIQUE (persistent_volume, persistent_volume_claim, cluster_id)
);
CREATE INDEX IF NOT EXISTS reporting_ocp_pvcs_cluster_id_idx ON reporting_ocp_pvcs (cluster_id);

CREATE TABLE IF NOT EXISTS reporting_ocp_projects (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project text NOT NULL,
    cluster_id uuid NOT NULL REFERENCES reporting_ocp_clusters (uuid)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocp_projects_uniq UNIQUE (project, cluster_id)
);
CREATE INDEX IF NOT EXISTS reporting_ocp_projects_cluster_id_idx ON reporting_ocp_projects (cluster_id);

-- ---------------------------------------------------------------------------------------------------
-- tenant: the output table (spec §3.1-§3.3)
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting_ocpusagelineitem_daily_summary (
    uuid uuid NOT NULL,
    report_period_id integer REFERENCES reporting_ocpusagereportperiod (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    data_source varchar(64),
    namespace varchar(253),
    node varchar(253),
    resource_id varchar(253),
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    pod_labels jsonb,
    pod_usage_cpu_core_hours numeric(33, 15),
    pod_request_cpu_core_hours numeric(33, 15),
    pod_effective_usage_cpu_core_hours numeric(33, 15),
    pod_limit_cpu_core_hours numeric(33, 15),
    pod_usage_memory_gigabyte_hours numeric(33, 15),
    pod_request_memory_gigabyte_hours numeric(33, 15),
    pod_effective_usage_memory_gigabyte_hours numeric(33, 15),
    pod_limit_memory_gigabyte_hours numeric(33, 15),
    node_capacity_cpu_cores numeric(33, 15),
    node_capacity_cpu_core_hours numeric(33, 15),
    node_capacity_memory_gigabytes numeric(33, 15),
    node_capacity_memory_gigabyte_hours numeric(33, 15),
    cluster_capacity_cpu_core_hours numeric(33, 15),
    cluster_capacity_memory_gigabyte_hours numeric(33, 15),
    persistentvolumeclaim varchar(253),
    persistentvolume varchar(253),
    storageclass varchar(253),
    volume_labels jsonb,
    all_labels jsonb,
    persistentvolumeclaim_capacity_gigabyte numeric(33, 15),
    persistentvolumeclaim_capacity_gigabyte_months numeric(33, 15),
    volume_request_storage_gigabyte_months numeric(33, 15),
    persistentvolumeclaim_usage_gigabyte_months numeric(33, 15),
    -- koku's Django default 0 for the two raw-cost columns is Python-side only: no SQL default.
    infrastructure_raw_cost numeric(33, 15),
    infrastructure_project_raw_cost numeric(33, 15),
    infrastructure_data_in_gigabytes numeric(33, 15),
    infrastructure_data_out_gigabytes numeric(33, 15),
    infrastructure_usage_cost jsonb,
    infrastructure_markup_cost numeric(33, 15),
    infrastructure_project_markup_cost numeric(33, 15),
    infrastructure_monthly_cost numeric(33, 15),
    infrastructure_monthly_cost_json jsonb,
    infrastructure_project_monthly_cost jsonb,
    supplementary_usage_cost jsonb,
    supplementary_monthly_cost numeric(33, 15),
    supplementary_monthly_cost_json jsonb,
    supplementary_project_monthly_cost jsonb,
    cost_model_cpu_cost numeric(33, 15),
    cost_model_memory_cost numeric(33, 15),
    cost_model_volume_cost numeric(33, 15),
    cost_model_gpu_cost numeric(33, 15),
    cost_model_rate_type text,
    monthly_cost_type text,
    source_uuid uuid,
    raw_currency text,
    distributed_cost numeric(33, 15),
    CONSTRAINT reporting_ocpusagelineitem_daily_summary_pk PRIMARY KEY (usage_start, uuid)
) PARTITION BY RANGE (usage_start);

CREATE INDEX IF NOT EXISTS summary_ocp_usage_idx
    ON reporting_ocpusagelineitem_daily_summary (usage_start);
CREATE INDEX IF NOT EXISTS summary_namespace_idx
    ON reporting_ocpusagelineitem_daily_summary (namespace varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS summary_node_idx
    ON reporting_ocpusagelineitem_daily_summary (node varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS summary_data_source_idx
    ON reporting_ocpusagelineitem_daily_summary (data_source);
CREATE INDEX IF NOT EXISTS monthly_cost_type_idx
    ON reporting_ocpusagelineitem_daily_summary (monthly_cost_type);
CREATE INDEX IF NOT EXISTS cost_model_rate_type_idx
    ON reporting_ocpusagelineitem_daily_summary (cost_model_rate_type);
CREATE INDEX IF NOT EXISTS reporting_ocpusagelineitem_daily_summary_report_period_id_idx
    ON reporting_ocpusagelineitem_daily_summary (report_period_id);
CREATE INDEX IF NOT EXISTS reporting_ocpusagelineitem_daily_summary_cost_category_id_idx
    ON reporting_ocpusagelineitem_daily_summary (cost_category_id);
CREATE INDEX IF NOT EXISTS pod_labels_idx
    ON reporting_ocpusagelineitem_daily_summary USING gin (pod_labels);
CREATE INDEX IF NOT EXISTS volume_labels_idx
    ON reporting_ocpusagelineitem_daily_summary USING gin (volume_labels);
CREATE INDEX IF NOT EXISTS all_labels_idx
    ON reporting_ocpusagelineitem_daily_summary USING gin (all_labels);

-- The default partition, created the way koku creates every partition: through a tracking row.
-- Month partitions (reporting_ocpusagelineitem_daily_summary_YYYY_MM) are added the same way by the
-- loader (or by koku when it converts report files).
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpusagelineitem_daily_summary_default',
     'reporting_ocpusagelineitem_daily_summary', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

-- ---------------------------------------------------------------------------------------------------
-- tenant: cost models (koku's cost_models app; the AWS summary reads the markup, aws-daily-summary §1.2)
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS cost_model (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text NOT NULL,
    source_type varchar(50) NOT NULL,
    created_timestamp timestamptz NOT NULL DEFAULT now(),
    updated_timestamp timestamptz NOT NULL DEFAULT now(),
    rates jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- {"value": <percent>, "unit": "percent"}; koku's summary uses float(value) / 100
    markup jsonb NOT NULL DEFAULT '{}'::jsonb,
    distribution text NOT NULL DEFAULT 'cpu',
    distribution_info jsonb NOT NULL DEFAULT '{}'::jsonb,
    currency text NOT NULL DEFAULT 'USD'
);
CREATE INDEX IF NOT EXISTS name_idx ON cost_model (name);
CREATE INDEX IF NOT EXISTS source_type_idx ON cost_model (source_type);
CREATE INDEX IF NOT EXISTS updated_timestamp_idx ON cost_model (updated_timestamp);

CREATE TABLE IF NOT EXISTS cost_model_map (
    id serial PRIMARY KEY,
    provider_uuid uuid NOT NULL,
    cost_model_id uuid REFERENCES cost_model (uuid) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT cost_model_map_uniq UNIQUE (provider_uuid, cost_model_id)
);
CREATE INDEX IF NOT EXISTS cost_model_map_cost_model_id_idx ON cost_model_map (cost_model_id);

-- ---------------------------------------------------------------------------------------------------
-- tenant: AWS bills, accounts, organizational units, cost-category keys (aws-daily-summary §2.2)
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting_awscostentrybill (
    id serial PRIMARY KEY,
    billing_resource varchar(50) NOT NULL DEFAULT 'aws',
    bill_type varchar(50),
    payer_account_id varchar(50),
    billing_period_start timestamptz NOT NULL,
    billing_period_end timestamptz NOT NULL,
    summary_data_creation_datetime timestamptz,
    summary_data_updated_datetime timestamptz,
    finalized_datetime timestamptz,
    derived_cost_datetime timestamptz,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    provider_id uuid NOT NULL,
    CONSTRAINT reporting_awscostentrybill_uniq
        UNIQUE (bill_type, payer_account_id, billing_period_start, provider_id)
);
CREATE INDEX IF NOT EXISTS reporting_awscostentrybill_provider_id_idx
    ON reporting_awscostentrybill (provider_id);

CREATE TABLE IF NOT EXISTS reporting_awsaccountalias (
    id serial PRIMARY KEY,
    account_id varchar(50) NOT NULL UNIQUE,
    account_alias varchar(63)
);

CREATE TABLE IF NOT EXISTS reporting_awsorganizationalunit (
    id serial PRIMARY KEY,
    org_unit_name varchar(250) NOT NULL,
    org_unit_id varchar(50) NOT NULL,
    org_unit_path text NOT NULL,
    level smallint NOT NULL CHECK (level >= 0),
    -- koku: on_delete PROTECT (no action)
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    -- koku: auto_now_add (Django fills it); the default spares fixtures from naming it
    created_timestamp date NOT NULL DEFAULT current_date,
    deleted_timestamp date,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    provider_id uuid
);
CREATE INDEX IF NOT EXISTS reporting_awsou_account_alias_id_idx
    ON reporting_awsorganizationalunit (account_alias_id);
CREATE INDEX IF NOT EXISTS reporting_awsou_provider_id_idx
    ON reporting_awsorganizationalunit (provider_id);

CREATE TABLE IF NOT EXISTS reporting_awsenabledcategorykeys (
    uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key varchar(253) NOT NULL UNIQUE,
    enabled boolean NOT NULL DEFAULT true
);
CREATE INDEX IF NOT EXISTS aws_enabled_category_key_index ON reporting_awsenabledcategorykeys (key, enabled);

-- ---------------------------------------------------------------------------------------------------
-- tenant: the AWS output tables (aws-daily-summary §3, §5.2)
-- ---------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS reporting_awscostentrylineitem_daily_summary (
    uuid uuid NOT NULL,
    cost_entry_bill_id integer REFERENCES reporting_awscostentrybill (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    usage_start date NOT NULL,
    usage_end date,
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    product_code text NOT NULL,
    product_family varchar(150),
    availability_zone varchar(50),
    region varchar(50),
    instance_type varchar(50),
    unit varchar(63),
    organizational_unit_id integer REFERENCES reporting_awsorganizationalunit (id)
        ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    resource_ids text[],
    resource_count integer,
    usage_amount numeric(24, 9),
    normalization_factor double precision,
    normalized_usage_amount double precision,
    currency_code varchar(10) NOT NULL,
    unblended_rate numeric(24, 9),
    cost_category jsonb,
    unblended_cost numeric(24, 9),
    markup_cost numeric(24, 9),
    blended_rate numeric(24, 9),
    blended_cost numeric(24, 9),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(24, 9),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_savingsplan numeric(33, 15),
    markup_cost_amortized numeric(33, 9),
    public_on_demand_cost numeric(24, 9),
    public_on_demand_rate numeric(24, 9),
    tax_type text,
    tags jsonb,
    source_uuid uuid,
    CONSTRAINT reporting_awscostentrylineitem_daily_summary_pk PRIMARY KEY (usage_start, uuid)
) PARTITION BY RANGE (usage_start);

CREATE INDEX IF NOT EXISTS summary_usage_start_idx
    ON reporting_awscostentrylineitem_daily_summary (usage_start);
CREATE INDEX IF NOT EXISTS summary_product_code_idx
    ON reporting_awscostentrylineitem_daily_summary (product_code);
CREATE INDEX IF NOT EXISTS summary_usage_account_id_idx
    ON reporting_awscostentrylineitem_daily_summary (usage_account_id);
CREATE INDEX IF NOT EXISTS tags_idx
    ON reporting_awscostentrylineitem_daily_summary USING gin (tags);
CREATE INDEX IF NOT EXISTS cost_category_idx
    ON reporting_awscostentrylineitem_daily_summary USING gin (cost_category);
CREATE INDEX IF NOT EXISTS summary_account_alias_idx
    ON reporting_awscostentrylineitem_daily_summary (account_alias_id);
CREATE INDEX IF NOT EXISTS summary_product_family_idx
    ON reporting_awscostentrylineitem_daily_summary (product_family);
CREATE INDEX IF NOT EXISTS summary_instance_type_idx
    ON reporting_awscostentrylineitem_daily_summary (instance_type);
CREATE INDEX IF NOT EXISTS summary_region_idx
    ON reporting_awscostentrylineitem_daily_summary (region);
CREATE INDEX IF NOT EXISTS summary_zone_idx
    ON reporting_awscostentrylineitem_daily_summary (availability_zone);
-- The two trigram indexes koku creates by hand (named in the model's comments).
CREATE INDEX IF NOT EXISTS aws_summ_usage_pfam_ilike
    ON reporting_awscostentrylineitem_daily_summary USING gin (upper(product_family) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS aws_summ_usage_pcode_ilike
    ON reporting_awscostentrylineitem_daily_summary USING gin (upper(product_code) gin_trgm_ops);
-- Django's indexes of the two other foreign keys (the delete before the insert uses the bill's).
CREATE INDEX IF NOT EXISTS awsdailysumm_cost_entry_bill_id_idx
    ON reporting_awscostentrylineitem_daily_summary (cost_entry_bill_id);
CREATE INDEX IF NOT EXISTS awsdailysumm_org_unit_id_idx
    ON reporting_awscostentrylineitem_daily_summary (organizational_unit_id);

INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_awscostentrylineitem_daily_summary_default',
     'reporting_awscostentrylineitem_daily_summary', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_awscostentrylineitem_summary_by_ec2_compute_p (
    uuid uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date,
    usage_account_id varchar(50) NOT NULL,
    resource_id varchar(256) NOT NULL,
    instance_name varchar(256),
    instance_type varchar(50),
    operating_system varchar(50),
    region varchar(50),
    vcpu integer,
    memory varchar(50),
    unit varchar(63),
    usage_amount numeric(24, 9),
    normalization_factor double precision,
    normalized_usage_amount double precision,
    currency_code varchar(10) NOT NULL,
    unblended_rate numeric(24, 9),
    unblended_cost numeric(24, 9),
    markup_cost numeric(24, 9),
    blended_rate numeric(24, 9),
    blended_cost numeric(24, 9),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(24, 9),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    public_on_demand_cost numeric(24, 9),
    public_on_demand_rate numeric(24, 9),
    tax_type text,
    tags jsonb,
    source_uuid uuid,
    cost_category jsonb,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    cost_entry_bill_id integer REFERENCES reporting_awscostentrybill (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_awscostentrylineitem_summary_by_ec2_compute_p_pk PRIMARY KEY (usage_start, uuid)
) PARTITION BY RANGE (usage_start);

CREATE INDEX IF NOT EXISTS ec2cp_usage_start_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (usage_start);
CREATE INDEX IF NOT EXISTS ec2cp_usage_account_id_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (usage_account_id);
CREATE INDEX IF NOT EXISTS ec2cp_account_alias_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ec2cp_resource_id_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (resource_id);
CREATE INDEX IF NOT EXISTS ec2cp_instance_name_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (instance_name);
CREATE INDEX IF NOT EXISTS ec2cp_instance_type_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (instance_type);
CREATE INDEX IF NOT EXISTS ec2cp_region_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (region);
CREATE INDEX IF NOT EXISTS ec2cp_os_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (operating_system);
CREATE INDEX IF NOT EXISTS ec2cp_tags_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p USING gin (tags);
CREATE INDEX IF NOT EXISTS ec2cp_cost_category_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p USING gin (cost_category);
CREATE INDEX IF NOT EXISTS ec2cp_cost_entry_bill_id_idx
    ON reporting_awscostentrylineitem_summary_by_ec2_compute_p (cost_entry_bill_id);

INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_awscostentrylineitem_summary_by_ec2_compute_p_default',
     'reporting_awscostentrylineitem_summary_by_ec2_compute_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

-- ---------------------------------------------------------------------------------------------------
-- tenant: the OCP-on-AWS output tables (ocp-on-aws §3, §4.12 step 4): koku's models
-- OCPAWSCostLineItemProjectDailySummaryP and the eight UI models of
-- koku/reporting/provider/aws/openshift/models.py, as migrations 0300_squash, 0320 (network columns)
-- and 0331 (pod_cost, project_markup_cost removed) leave them. Django's automatic FK index names are
-- ours; the indexes koku names are named as in koku. The UI tables' source_uuid is koku's FK to
-- reporting_tenant_api_provider (omitted, see the header).
-- ---------------------------------------------------------------------------------------------------

-- uuid_generate_v4() of koku's back-populate statement (reporting_ocpaws_ocp_infrastructure_back_populate.sql,
-- ocp-on-aws §4.12 step 1), which the load runs; koku's database has it from its migrations.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" SCHEMA public;

CREATE TABLE IF NOT EXISTS reporting_ocpawscostlineitem_project_daily_summary_p (
    uuid uuid NOT NULL,
    report_period_id integer REFERENCES reporting_ocpusagereportperiod (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    data_source varchar(64),
    namespace varchar(253),
    node varchar(253),
    persistentvolumeclaim varchar(253),
    persistentvolume varchar(253),
    storageclass varchar(50),
    pod_labels jsonb,
    resource_id varchar(253),
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cost_entry_bill_id integer REFERENCES reporting_awscostentrybill (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    product_code text NOT NULL,
    product_family varchar(150),
    instance_type varchar(50),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id)
        ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    availability_zone varchar(50),
    region varchar(50),
    unit varchar(63),
    usage_amount numeric(30, 15),
    normalized_usage_amount double precision,
    currency_code varchar(10),
    unblended_cost numeric(30, 15),
    markup_cost numeric(30, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    tags jsonb,
    aws_cost_category jsonb,
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    -- migration 0320
    infrastructure_data_in_gigabytes numeric(33, 15),
    infrastructure_data_out_gigabytes numeric(33, 15),
    data_transfer_direction text,
    CONSTRAINT reporting_ocpawscostlineitem_project_daily_summary_p_pk PRIMARY KEY (usage_start, uuid)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS p_cost_prj_sum_ocp_use_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS p_cost_prj_sum_nspc_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (namespace varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS p_cost_prj_sum_nd_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (node varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS p_cost_prj_sum_rsrc_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (resource_id);
CREATE INDEX IF NOT EXISTS p_cost_prj_pod_lbls_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p USING gin (pod_labels);
CREATE INDEX IF NOT EXISTS aws_cost_category_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p USING gin (aws_cost_category);
CREATE INDEX IF NOT EXISTS p_ocpaws_prj_prd_fam_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (product_family);
CREATE INDEX IF NOT EXISTS p_ocpaws_prj_inst_typ_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (instance_type);
-- Django's indexes of the foreign keys (koku's delete before the insert uses the bill's, the
-- back-populate the report period's).
CREATE INDEX IF NOT EXISTS ocpawsprj_report_period_id_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (report_period_id);
CREATE INDEX IF NOT EXISTS ocpawsprj_cost_entry_bill_id_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (cost_entry_bill_id);
CREATE INDEX IF NOT EXISTS ocpawsprj_account_alias_id_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpawsprj_cost_category_id_idx
    ON reporting_ocpawscostlineitem_project_daily_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpawscostlineitem_project_daily_summary_p_default',
     'reporting_ocpawscostlineitem_project_daily_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_cost_summary_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_cost_summary_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_usst ON reporting_ocpaws_cost_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpaws_cost_cost_category_id_idx ON reporting_ocpaws_cost_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_cost_summary_p_default',
     'reporting_ocpaws_cost_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_cost_summary_by_account_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_cost_summary_by_account_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_acct_usst ON reporting_ocpaws_cost_summary_by_account_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_account_p_account_alias_id_idx ON reporting_ocpaws_cost_summary_by_account_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_account_p_cost_category_id_idx ON reporting_ocpaws_cost_summary_by_account_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_cost_summary_by_account_p_default',
     'reporting_ocpaws_cost_summary_by_account_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_cost_summary_by_region_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    region varchar(50),
    availability_zone varchar(50),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_cost_summary_by_region_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_reg_usst ON reporting_ocpaws_cost_summary_by_region_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_reg_region ON reporting_ocpaws_cost_summary_by_region_p (region);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_reg_zone ON reporting_ocpaws_cost_summary_by_region_p (availability_zone);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_region_p_account_alias_id_idx ON reporting_ocpaws_cost_summary_by_region_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_region_p_cost_category_id_idx ON reporting_ocpaws_cost_summary_by_region_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_cost_summary_by_region_p_default',
     'reporting_ocpaws_cost_summary_by_region_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_cost_summary_by_service_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    product_code text NOT NULL,
    product_family varchar(150),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_cost_summary_by_service_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_svc_usst ON reporting_ocpaws_cost_summary_by_service_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscostsumm_svc_prod_cd ON reporting_ocpaws_cost_summary_by_service_p (product_code);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_service_p_account_alias_id_idx ON reporting_ocpaws_cost_summary_by_service_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_cost_summary_by_service_p_cost_category_id_idx ON reporting_ocpaws_cost_summary_by_service_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_cost_summary_by_service_p_default',
     'reporting_ocpaws_cost_summary_by_service_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_compute_summary_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    instance_type varchar(50),
    resource_id varchar(253),
    usage_amount numeric(33, 15),
    unit varchar(63),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_compute_summary_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscompsumm_usst ON reporting_ocpaws_compute_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawscompsumm_insttyp ON reporting_ocpaws_compute_summary_p (instance_type);
CREATE INDEX IF NOT EXISTS ocpaws_compute_account_alias_id_idx ON reporting_ocpaws_compute_summary_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_compute_cost_category_id_idx ON reporting_ocpaws_compute_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_compute_summary_p_default',
     'reporting_ocpaws_compute_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_storage_summary_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    product_family varchar(150),
    usage_amount numeric(33, 15),
    unit varchar(63),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_storage_summary_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsstorsumm_usst ON reporting_ocpaws_storage_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsstorsumm_product_fam ON reporting_ocpaws_storage_summary_p (product_family);
CREATE INDEX IF NOT EXISTS ocpaws_storage_account_alias_id_idx ON reporting_ocpaws_storage_summary_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_storage_cost_category_id_idx ON reporting_ocpaws_storage_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_storage_summary_p_default',
     'reporting_ocpaws_storage_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_network_summary_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    product_code text NOT NULL,
    usage_amount numeric(33, 15),
    unit varchar(63),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_network_summary_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsnetsumm_usst ON reporting_ocpaws_network_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsnetsumm_product_cd ON reporting_ocpaws_network_summary_p (product_code);
CREATE INDEX IF NOT EXISTS ocpaws_network_account_alias_id_idx ON reporting_ocpaws_network_summary_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_network_cost_category_id_idx ON reporting_ocpaws_network_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_network_summary_p_default',
     'reporting_ocpaws_network_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;

CREATE TABLE IF NOT EXISTS reporting_ocpaws_database_summary_p (
    id uuid NOT NULL,
    usage_start date NOT NULL,
    usage_end date NOT NULL,
    cluster_id varchar(50),
    cluster_alias varchar(256),
    usage_account_id varchar(50) NOT NULL,
    account_alias_id integer REFERENCES reporting_awsaccountalias (id) DEFERRABLE INITIALLY DEFERRED,
    product_code text NOT NULL,
    usage_amount numeric(33, 15),
    unit varchar(63),
    unblended_cost numeric(33, 15),
    markup_cost numeric(33, 15),
    blended_cost numeric(33, 15),
    markup_cost_blended numeric(33, 15),
    savingsplan_effective_cost numeric(33, 15),
    markup_cost_savingsplan numeric(33, 15),
    calculated_amortized_cost numeric(33, 9),
    markup_cost_amortized numeric(33, 9),
    currency_code varchar(10) NOT NULL,
    -- koku: FK to reporting_tenant_api_provider (omitted, see the header)
    source_uuid uuid,
    cost_category_id integer REFERENCES reporting_ocp_cost_category (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT reporting_ocpaws_database_summary_p_pk PRIMARY KEY (usage_start, id)
) PARTITION BY RANGE (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsdbsumm_usst ON reporting_ocpaws_database_summary_p (usage_start);
CREATE INDEX IF NOT EXISTS ocpawsdbsumm_product_cd ON reporting_ocpaws_database_summary_p (product_code);
CREATE INDEX IF NOT EXISTS ocpaws_database_account_alias_id_idx ON reporting_ocpaws_database_summary_p (account_alias_id);
CREATE INDEX IF NOT EXISTS ocpaws_database_cost_category_id_idx ON reporting_ocpaws_database_summary_p (cost_category_id);
INSERT INTO partitioned_tables
    (schema_name, table_name, partition_of_table_name, partition_type, partition_col,
     partition_parameters, active)
VALUES
    (current_schema(), 'reporting_ocpaws_database_summary_p_default',
     'reporting_ocpaws_database_summary_p', 'range', 'usage_start', '{"default": true}', true)
ON CONFLICT (schema_name, table_name) DO NOTHING;
