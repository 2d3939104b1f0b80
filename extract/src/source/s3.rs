//! koku's bucket through `aws-sdk-s3`.
//!
//! Client settings follow koku's deployment: a custom endpoint (MinIO, Ceph/ODF, a test server) uses
//! path-style addressing and only the checksums the operation requires (S3-compatible stores differ in
//! what they accept); static keys come from koku's `S3_ACCESS_KEY`/`S3_SECRET` and otherwise the
//! default AWS credential chain (environment, profile, web identity, IMDS) is used. Timeouts bound
//! connecting and waiting for a response, so an unreachable endpoint fails within seconds instead of
//! hanging a worker; there is deliberately no whole-operation timeout, because a large object on a
//! slow link may legitimately take longer than the connect timeout to stream (the SDK's stalled-stream
//! protection still aborts a download that stops making progress).

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use koku_common::config::S3Config;

use super::{ObjectMeta, ObjectSource, is_data_file};
use crate::error::{ExtractError, Result};

/// Objects in one bucket, below an optional key prefix.
#[derive(Debug, Clone)]
pub struct S3Source {
    client: Client,
    bucket: String,
    /// Key prefix of the root, empty or ending in `/`.
    root_prefix: String,
    /// `max-keys` of each ListObjectsV2 page; `None` = the server default (1000). Tests lower it to
    /// force pagination.
    page_size: Option<i32>,
    /// Who answers, for messages: the endpoint, and whether `https://` was added to it.
    endpoint: Endpoint,
}

/// The endpoint as the operator gave it, for error messages.
#[derive(Debug, Clone)]
struct Endpoint {
    /// `https://minio:9000`, or `AWS (us-east-1)` for AWS's own endpoints.
    shown: String,
    /// What to tell a user whose scheme-less endpoint failed TLS: `https://` was added, as koku does.
    scheme_hint: Option<String>,
}

impl S3Source {
    /// Build the client (no request is made here). `prefix` is the key prefix under which koku's
    /// `data/parquet/...` keys live (usually empty).
    pub async fn connect(config: &S3Config, bucket: &str, prefix: &str) -> S3Source {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(config.timeout)
                    .read_timeout(config.timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts.max(1)));
        if let (Some(ak), Some(sk)) = (&config.access_key, &config.secret_key) {
            loader = loader.credentials_provider(Credentials::new(
                ak.clone(),
                sk.expose().to_string(),
                None,
                None,
                "koku-environment",
            ));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        let sdk = loader.load().await;
        let mut builder =
            aws_sdk_s3::config::Builder::from(&sdk).force_path_style(config.path_style);
        if config.endpoint.is_some() {
            builder = builder
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        }
        let prefix = prefix.trim_matches('/');
        let endpoint = Endpoint {
            shown: config
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("AWS ({})", config.region)),
            scheme_hint: config
                .endpoint
                .as_ref()
                .filter(|_| config.scheme_added)
                .map(|e| {
                    format!(
                        "S3_ENDPOINT had no scheme, so https:// was added (as koku does); \
                     if the server speaks plain HTTP, set S3_ENDPOINT=http://{}",
                        e.trim_start_matches("https://")
                    )
                }),
        };
        S3Source {
            client: Client::from_conf(builder.build()),
            bucket: bucket.to_string(),
            root_prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            page_size: None,
            endpoint,
        }
    }

    /// Set the ListObjectsV2 page size (internal knob; tests use it to force several pages).
    pub fn with_page_size(mut self, page_size: Option<i32>) -> S3Source {
        self.page_size = page_size;
        self
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}{key}", self.root_prefix)
    }
}

impl ObjectSource for S3Source {
    fn root(&self) -> String {
        format!(
            "s3://{}/{}",
            self.bucket,
            self.root_prefix.trim_end_matches('/')
        )
        .trim_end_matches('/')
        .to_string()
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.full_key(key))
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<ObjectMeta>>> {
        async move {
            let full_prefix = self.full_key(prefix);
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            let mut pages = 0u32;
            loop {
                let resp = self
                    .client
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix(&full_prefix)
                    .set_max_keys(self.page_size)
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(|e| {
                        let (text, transient) = describe(&e, &self.endpoint);
                        source_error(
                            format!("s3://{}/{full_prefix}", self.bucket),
                            format!("listing failed at {}: {text}", self.endpoint.shown),
                            transient,
                        )
                    })?;
                pages += 1;
                for obj in resp.contents() {
                    let Some(full) = obj.key() else { continue };
                    let Some(key) = full.strip_prefix(&self.root_prefix) else {
                        continue;
                    };
                    if !is_data_file(prefix, key) {
                        continue;
                    }
                    out.push(ObjectMeta {
                        key: key.to_string(),
                        size: obj.size().unwrap_or(0).max(0) as u64,
                        etag: obj.e_tag().map(|t| t.trim_matches('"').to_string()),
                    });
                }
                match resp.next_continuation_token() {
                    Some(t) if resp.is_truncated() == Some(true) => token = Some(t.to_string()),
                    _ => break,
                }
            }
            tracing::debug!(prefix = %full_prefix, pages, objects = out.len(), "listed");
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        }
        .boxed()
    }

    fn get(&self, meta: &ObjectMeta) -> BoxFuture<'static, Result<Bytes>> {
        let client = self.client.clone();
        let bucket = self.bucket.clone();
        let key = self.full_key(&meta.key);
        let endpoint = self.endpoint.clone();
        async move {
            let location = format!("s3://{bucket}/{key}");
            let resp = client
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| {
                    let (text, transient) = describe(&e, &endpoint);
                    source_error(
                        &location,
                        format!("download failed at {}: {text}", endpoint.shown),
                        transient,
                    )
                })?;
            // A body that breaks off mid-transfer may well arrive whole next time.
            let data = resp.body.collect().await.map_err(|e| {
                ExtractError::transient_source_err(
                    &location,
                    format!(
                        "download failed at {}: the body broke off: {}",
                        endpoint.shown,
                        causes(&e)
                    ),
                )
            })?;
            Ok(data.into_bytes())
        }
        .boxed()
    }
}

fn source_error(location: impl Into<String>, message: String, transient: bool) -> ExtractError {
    if transient {
        ExtractError::transient_source_err(location, message)
    } else {
        ExtractError::source_err(location, message)
    }
}

/// One line for an SDK error: what kind of failure, and the cause that matters (the service's error code
/// and message, or the innermost transport cause) — not the SDK's multi-line debug dump; and whether it
/// may pass by itself (no answer, a timeout, a 5xx or throttling answer) rather than being a property
/// of the request (a missing bucket, denied access).
fn describe<E>(e: &SdkError<E, HttpResponse>, endpoint: &Endpoint) -> (String, bool)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut transient = match e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            status >= 500 || status == 429 || se.err().code() == Some("SlowDown")
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    };
    let text = match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let status = se.raw().status().as_u16();
            let code = err.code().unwrap_or("unknown error");
            match err.message() {
                Some(m) if !m.is_empty() => format!("{code} (HTTP {status}): {m}"),
                _ => format!("{code} (HTTP {status})"),
            }
        }
        SdkError::TimeoutError(_) => "timed out (S3_CONNECTION_TIMEOUT / --s3-timeout)".to_string(),
        SdkError::DispatchFailure(df) => {
            let kind = if df.is_timeout() {
                "timed out (S3_CONNECTION_TIMEOUT / --s3-timeout)"
            } else if df.is_io() {
                "connection failed"
            } else if df.is_user() {
                "the request could not be sent"
            } else {
                "the request failed"
            };
            let cause = causes(e);
            let tls = [
                "tls",
                "certificate",
                "corrupt message",
                "handshake",
                "InvalidContentType",
            ]
            .iter()
            .any(|w| cause.to_lowercase().contains(&w.to_lowercase()));
            // A failed TLS handshake is configuration (scheme, certificate), not a passing fault.
            transient &= !tls;
            match &endpoint.scheme_hint {
                Some(hint) if tls => format!("{kind}: {cause}; {hint}"),
                _ => format!("{kind}: {cause}"),
            }
        }
        SdkError::ResponseError(_) => format!("unreadable response: {}", causes(e)),
        SdkError::ConstructionFailure(_) => format!("invalid request: {}", causes(e)),
        _ => causes(e),
    };
    (text.replace('\n', " "), transient)
}

/// The error's cause chain on one line, repeated texts dropped.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cur {
        let t = c.to_string();
        if !t.is_empty() && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = c.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        // The innermost causes say what happened; the outer ones only wrap them.
        let skip = parts.len().saturating_sub(2);
        parts[skip..].join(": ")
    }
}
