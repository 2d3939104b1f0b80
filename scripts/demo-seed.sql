-- What koku's database holds for the bundled `testdata/ocp-small` cluster before a summary run:
-- the provider and its credentials (cluster id), the report period of October 2025, the tag keys a user
-- enabled, and the cluster/node rows koku upserts from the node labels (node roles). Applied by
-- scripts/demo.sh after scripts/koku-ddl.sql, with search_path set to the tenant schema.
INSERT INTO public.api_providerauthentication (id, credentials)
VALUES (101, '{"cluster_id": "ocp-small-cluster"}') ON CONFLICT DO NOTHING;
INSERT INTO public.api_provider (uuid, name, type, authentication_id, setup_complete)
VALUES ('00000000-0000-0000-0000-000000000001', 'OCP small demo cluster', 'OCP', 101, true) ON CONFLICT DO NOTHING;
INSERT INTO reporting_ocpusagereportperiod (id, cluster_id, cluster_alias, report_period_start, report_period_end, provider_id)
VALUES (1, 'ocp-small-cluster', 'OCP small demo cluster', '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00',
        '00000000-0000-0000-0000-000000000001') ON CONFLICT DO NOTHING;
INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type)
VALUES ('app', true, 'OCP'), ('env', true, 'OCP'), ('backup', true, 'OCP'), ('team', false, 'OCP'),
       ('tier', true, 'AWS')
ON CONFLICT DO NOTHING;
INSERT INTO reporting_ocp_clusters (uuid, cluster_id, cluster_alias, provider_id)
VALUES ('00000000-0000-0000-0000-0000000000c1', 'ocp-small-cluster', 'OCP small demo cluster',
        '00000000-0000-0000-0000-000000000001') ON CONFLICT DO NOTHING;
INSERT INTO reporting_ocp_nodes (node, resource_id, node_capacity_cpu_cores, node_role, architecture, cluster_id)
VALUES ('master-0', 'i-master0', 4, 'master', 'amd64', '00000000-0000-0000-0000-0000000000c1'),
       ('worker-0', 'i-worker0', 8, 'worker', 'amd64', '00000000-0000-0000-0000-0000000000c1');

-- The AWS source of `testdata/aws/worked-example` (spec aws-daily-summary §9): its October 2025 bill
-- (id 11), the account alias of its usage account, the AWS tag keys (`app` enabled), a cost model with
-- a 10 % markup.
INSERT INTO public.api_provider (uuid, name, type, setup_complete)
VALUES ('00000000-0000-0000-0000-000000000002', 'AWS demo account', 'AWS', true) ON CONFLICT DO NOTHING;
INSERT INTO reporting_awscostentrybill (id, billing_period_start, billing_period_end, provider_id)
VALUES (11, '2025-10-01 00:00:00+00', '2025-11-01 00:00:00+00', '00000000-0000-0000-0000-000000000002')
ON CONFLICT DO NOTHING;
INSERT INTO reporting_awsaccountalias (id, account_id, account_alias) VALUES (5, '111111111111', 'dev')
ON CONFLICT DO NOTHING;
INSERT INTO reporting_enabledtagkeys (key, enabled, provider_type)
VALUES ('app', true, 'AWS'), ('owner', false, 'AWS'), ('Name', false, 'AWS') ON CONFLICT DO NOTHING;
INSERT INTO cost_model (uuid, name, description, source_type, markup)
VALUES ('00000000-0000-0000-0000-00000000c0c0', 'demo', '', 'AWS', '{"value": 10, "unit": "percent"}')
ON CONFLICT DO NOTHING;
INSERT INTO cost_model_map (provider_uuid, cost_model_id)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000c0c0') ON CONFLICT DO NOTHING;
