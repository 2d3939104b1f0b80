//! The fault matrix (issue 11): one test per failure case, each running the real binaries against a
//! real throwaway PostgreSQL holding koku's tables — with `testdata/ocp-small` already loaded by the
//! real pipeline, next to another source's rows and an OCP-on-cloud row, so that "unchanged" means
//! something — and, for S3, a real moto server behind a fault-injecting proxy
//! (`koku_testkit::faultproxy`). Each test asserts the exit status, the key facts of the one-line
//! error (object or file, row, column, table or step), and that the database (every row of every
//! table of the tenant and `public`, with the partition holding it, and the list of relations) and
//! the work dir (every file's name and sha256, hidden ones included) are exactly as before wherever
//! nothing should change. One PostgreSQL cluster and one moto server are shared by the tests (each
//! has its own database and bucket); the tests that kill or reconfigure their server have their own.
//!
//! | Case | Test |
//! | --- | --- |
//! | **Issue 11** | |
//! | empty input: the extract refuses a run without daily pod files (`--allow-empty`) | `guards::extract_of_an_empty_input_is_refused` |
//! | empty input: the load (and `--dry-run`) refuses to empty days (`--allow-emptied-days`) | `guards::load_that_would_empty_days_is_refused` |
//! | partial input (a day's files missing) | `guards::load_of_a_partial_input_is_refused` |
//! | report period of another source, cluster or month | `guards::report_period_of_another_source_is_refused` |
//! | TLS to PostgreSQL (`sslmode`, `sslrootcert`), passwords | `database::tls_and_password_failures_are_refused_with_the_reason` |
//! | no password in process arguments | delegated: `pipeline_secrets.rs` (the argv of every stage `pipeline.sh` starts; exit status; stderr) |
//! | the extract's PostgreSQL errors keep SQLSTATE and message | `database::extract_database_errors_keep_the_servers_message_and_sqlstate` |
//! | S3 errors in one line (endpoint, bucket, key, kind; the https:// hint) | `s3::s3_errors_name_endpoint_bucket_and_kind` |
//! | NaN / ±inf measures | `input::nan_and_infinite_measures_are_refused_naming_object_row_and_column` |
//! | labels that are not a JSON object | `input::labels_that_are_not_a_json_object_are_refused_naming_object_row_and_column` |
//! | negative usage, NULL namespace: warnings in run.json | `input::negative_usage_and_null_namespace_are_counted_as_warnings` |
//! | a lock held elsewhere (`--lock-timeout`, the holder named) | `database::lock_held_elsewhere_times_out_naming_the_holder` |
//! | a stage killed mid-write leaves `.tmp` | `workdir::transform_killed_mid_write_is_cleaned_up_by_the_next_run`, `workdir::extract_killed_mid_write_is_cleaned_up_by_the_rerun` |
//! | disk full | `workdir::full_disk_says_no_space_left_on_device` |
//! | `--out` refusal names the folder | `workdir::out_folder_that_is_not_a_work_dir_is_refused` |
//! | `koku-ipc check` report | in the tampered and killed work-dir tests below |
//! | **Cases that already held** | |
//! | truncated Parquet | `input::truncated_parquet_is_refused_naming_the_object` |
//! | corrupt Parquet (garbage; a damaged page under a valid footer) | `input::corrupt_parquet_is_refused_and_the_rerun_work_dir_is_reset` |
//! | empty Parquet (zero bytes; zero rows) | `input::empty_parquet_objects` |
//! | missing column (required; optional) | `input::missing_column_is_refused_naming_object_and_column` |
//! | extra column | `input::extra_column_is_ignored` |
//! | retyped column (text for a measure; integer measure, µs timestamps) | `input::retyped_columns` |
//! | PostgreSQL killed mid-COPY | `database::postgres_killed_mid_copy_leaves_the_database_as_it_was` |
//! | `koku-load` killed mid-COPY | `database::load_killed_mid_copy_leaves_the_database_as_it_was` |
//! | concurrent loads of one source | `database::concurrent_loads_of_one_source_run_in_turn` |
//! | tampered work dir: edited run.json | `workdir::edited_run_json_is_refused` |
//! | tampered work dir: a modified file (checksum) | `workdir::modified_file_is_refused_by_its_checksum` |
//! | tampered work dir: a file of another run (run id) | `workdir::file_of_another_run_is_refused` |
//! | tampered work dir: a transform older than its extract | `workdir::transform_older_than_its_extract_is_refused` |
//! | S3 5xx once (retried), always (given up) | `s3::s3_transient_503_is_retried`, `s3::s3_persistent_500_fails_after_the_retries` |
//! | S3 timeout | `s3::s3_stalled_response_times_out` |
//! | S3 truncated body | `s3::s3_truncated_body_is_refused_naming_the_object` |
//! | hostile schema names | `hostile::hostile_schema_names_are_refused_or_quoted` |
//! | hostile label text | `hostile::hostile_label_text_is_loaded_exactly`, `hostile::nul_in_text_is_refused_naming_object_row_and_column` |
//!
//! `pipeline_secrets.rs` is the one delegation: it runs `scripts/pipeline.sh` against a cluster that
//! requires a password and records the arguments of every stage it starts (what `ps` shows),
//! asserting exit statuses, that no argument and no stderr line holds the password, and the loaded
//! rows; nothing there is a failure that should leave things unchanged.
//!
//! Set `FAULT_MATRIX_SHOW=1` (with `-- --nocapture`) to print every error line as a user sees it.
//! The full-disk case mounts a small tmpfs in a private mount namespace (`unshare --mount`, as root;
//! otherwise `unshare --user --map-root-user --mount`, which needs unprivileged user namespaces, as
//! Debian allows by default).

mod database;
mod guards;
mod hostile;
mod input;
mod s3;
mod support;
mod workdir;
