-- What koku's database holds for the tests' two OpenShift sources before a summary run, applied after
-- scripts/koku-ddl.sql with search_path set to the tenant schema (org1234567):
--   * source 00000000-...-0001 (testdata/ocp-small): the rows of scripts/demo-seed.sql;
--   * source 11111111-...-1111 (testdata/worked-example): the rows of testkit/tests/pipeline_e2e.rs,
--     with its own ids where the two would collide (credentials 102, cluster ...c2).
-- Both are October 2025 in the same tenant.
INSERT INTO public.api_providerauthentication (id, credentials) VALUES
    (101, '{"cluster_id": "ocp-small-cluster"}'),
    (102, '{"cluster_id": "my-cluster"}');
INSERT INTO public.api_provider (uuid, name, type, authentication_id, setup_complete) VALUES
    ('00000000-0000-0000-0000-000000000001', 'OCP small demo cluster', 'OCP', 101, true),
    ('11111111-1111-1111-1111-111111111111', 'My Cluster', 'OCP', 102, true);
INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id) VALUES
    (1, 'ocp-small-cluster', 'OCP small demo cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00',
     '00000000-0000-0000-0000-000000000001'),
    (7, 'my-cluster', 'My Cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00',
     '11111111-1111-1111-1111-111111111111');
INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES
    ('app', true, 'OCP'), ('env', true, 'OCP'), ('backup', true, 'OCP'), ('team', false, 'OCP'), ('tier', true, 'AWS');
INSERT INTO reporting_ocp_clusters (uuid, cluster_id, cluster_alias, provider_id) VALUES
    ('00000000-0000-0000-0000-0000000000c1', 'ocp-small-cluster', 'OCP small demo cluster', '00000000-0000-0000-0000-000000000001'),
    ('00000000-0000-0000-0000-0000000000c2', 'my-cluster', 'My Cluster', '11111111-1111-1111-1111-111111111111');
INSERT INTO reporting_ocp_nodes (node, resource_id, node_capacity_cpu_cores, node_role, architecture, cluster_id) VALUES
    ('master-0', 'i-master0', 4, 'master', 'amd64', '00000000-0000-0000-0000-0000000000c1'),
    ('worker-0', 'i-worker0', 8, 'worker', 'amd64', '00000000-0000-0000-0000-0000000000c1'),
    ('node-a', 'i-aaa', 4, 'worker', 'amd64', '00000000-0000-0000-0000-0000000000c2'),
    ('node-b', 'i-bbb', 2, 'master', 'amd64', '00000000-0000-0000-0000-0000000000c2');

-- The AWS source of testdata/aws/worked-example (spec aws-daily-summary §9): bill 11 of October 2025,
-- the alias of its usage account, `app` enabled for AWS, a cost model with a 10 % markup.
INSERT INTO public.api_provider (uuid, name, type, setup_complete) VALUES
    ('00000000-0000-0000-0000-000000000002', 'AWS account', 'AWS', true);
INSERT INTO reporting_awscostentrybill (id, billing_period_start, billing_period_end, provider_id) VALUES
    (11, '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '00000000-0000-0000-0000-000000000002');
INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES (5, '111111111111', 'dev');
INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type) VALUES ('app', true, 'AWS');
INSERT INTO cost_model (uuid, name, description, source_type, markup) VALUES
    ('00000000-0000-0000-0000-00000000c0c0', 'cm', '', 'AWS', '{"value": 10, "unit": "percent"}');
INSERT INTO cost_model_map (provider_uuid, cost_model_id) VALUES
    ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000c0c0');

-- OpenShift on AWS (tests/test_ocp_aws.py): the data root koku-gen writes for one cluster and the AWS
-- account it runs in (`koku-gen ocp` / `koku-gen aws` with the same cluster flags), as koku's database
-- holds it before koku's OCP-on-AWS summary: OCP source ...0003 (cluster koku-gen-cluster) paired with
-- AWS source ...0004 through koku's infrastructure map, both of customer 1 (the tenant); the OCP
-- source's report period and a cost model with a memory distribution; the AWS source's bill; 'app'
-- enabled for AWS and OCP (above), so the extract runs koku's matched-tags statement.
-- koku's public.api_customer, the columns the extract reads (scripts/koku-ddl.sql does not create it).
CREATE TABLE IF NOT EXISTS public.api_customer (
    id serial PRIMARY KEY, schema_name text NOT NULL UNIQUE, org_id text);
INSERT INTO public.api_customer (id, schema_name) VALUES (1, 'org1234567');
INSERT INTO public.api_providerauthentication (id, credentials) VALUES
    (103, '{"cluster_id": "koku-gen-cluster"}'),
    (104, '{"role_arn": "arn:aws:iam::563899020902:role/CostManagement"}');
INSERT INTO public.api_provider (uuid, name, type, authentication_id, customer_id, setup_complete) VALUES
    ('00000000-0000-0000-0000-000000000004', 'koku-gen AWS', 'AWS', 104, 1, true);
INSERT INTO public.api_providerinfrastructuremap (id, infrastructure_type, infrastructure_provider_id) VALUES
    (1, 'AWS', '00000000-0000-0000-0000-000000000004');
INSERT INTO public.api_provider (uuid, name, type, authentication_id, customer_id, infrastructure_id, setup_complete) VALUES
    ('00000000-0000-0000-0000-000000000003', 'koku-gen cluster', 'OCP', 103, 1, 1, true);
INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id) VALUES
    (21, 'koku-gen-cluster', 'koku-gen cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00',
     '00000000-0000-0000-0000-000000000003');
INSERT INTO cost_model (uuid, name, description, source_type, distribution_info) VALUES
    ('00000000-0000-0000-0000-00000000c0c1', 'ocp mem', '', 'OCP', '{"distribution_type": "memory"}');
INSERT INTO cost_model_map (provider_uuid, cost_model_id) VALUES
    ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-00000000c0c1');
INSERT INTO reporting_awscostentrybill (id, billing_period_start, billing_period_end, provider_id) VALUES
    (21, '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '00000000-0000-0000-0000-000000000004');
-- koku's tag tables, the columns its matched-tags statement reads (not in scripts/koku-ddl.sql); empty:
-- the statement finds no pair and the transform computes koku's Trino fallback.
CREATE TABLE IF NOT EXISTS reporting_awstags_summary (key text NOT NULL);
CREATE TABLE IF NOT EXISTS reporting_awstags_values (key text NOT NULL, value text NOT NULL);
CREATE TABLE IF NOT EXISTS reporting_ocptags_values (key text NOT NULL, value text NOT NULL);
