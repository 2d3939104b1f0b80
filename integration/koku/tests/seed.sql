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
