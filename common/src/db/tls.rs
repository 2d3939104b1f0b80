//! TLS to PostgreSQL with libpq's `sslmode` semantics on rustls (the rustls and aws-lc-rs provider
//! the S3 client already uses, so there is one crypto stack).
//!
//! tokio-postgres itself only knows disable/prefer/require and leaves certificate checks to the TLS
//! connector, so the connector built here carries the verification libpq's mode asks for:
//!
//! | sslmode | TLS | server certificate |
//! | --- | --- | --- |
//! | `disable` | never | — |
//! | `allow`, `prefer` (default) | when the server offers it | not verified |
//! | `require` | always | not verified, unless a root certificate is given or `~/.postgresql/root.crt` exists: then as `verify-ca` (libpq's rule) |
//! | `verify-ca` | always | chain verified against the root certificate; host name not checked |
//! | `verify-full` | always | chain verified and the host name (or IP address) must be in the certificate |
//!
//! Differences from libpq:
//! * a named `sslrootcert` that does not exist is an error in every mode that verifies (libpq skips
//!   verification silently under `require`);
//! * under `allow`/`prefer` nothing is verified (libpq verifies against an existing root file there,
//!   and falls back to plain text when that fails, which tokio-postgres cannot do);
//! * rustls (webpki) checks names only in the subjectAltName extension, never the subject CN, and
//!   refuses certificates older standards allowed (v1 certificates, SHA-1 signatures);
//! * `sslrootcert=system` is not supported (name the CA bundle file instead).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub(crate) const NAMES: &'static str =
        "disable, allow, prefer, require, verify-ca, verify-full";

    pub(crate) fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The closest mode tokio-postgres knows; the certificate checks are the connector's.
    pub(crate) fn for_tokio_postgres(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            // `allow` tries plain text first in libpq; tokio-postgres cannot, so it asks for TLS and
            // takes plain text if the server declines, like `prefer`.
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }
}

/// Where trusted root certificates come from.
#[derive(Clone, Debug)]
pub(crate) enum RootSource {
    /// `sslrootcert`, `PGSSLROOTCERT`, koku's `DATABASE_SERVICE_CERTFILE` or `~/.postgresql/root.crt`.
    File(PathBuf),
    /// PEM text held by an environment variable (koku's `DATABASE_SERVICE_CERT`).
    EnvPem { var: &'static str, pem: String },
}

impl fmt::Display for RootSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootSource::File(p) => write!(f, "{}", p.display()),
            RootSource::EnvPem { var, .. } => write!(f, "${var}"),
        }
    }
}

/// What a connection is asked to do, before any file is read.
#[derive(Clone, Debug)]
pub(crate) struct TlsRequest {
    pub mode: SslMode,
    /// Given explicitly (keyword, environment, koku's variables).
    pub root: Option<RootSource>,
    /// libpq's fallback `~/.postgresql/root.crt` (used only when it exists).
    pub default_root: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// The resolved TLS side of a connection: the mode, what is verified, and the connector.
#[derive(Clone)]
pub(crate) struct Tls {
    pub mode: SslMode,
    /// The roots the server's chain is verified against (`None`: not verified).
    pub roots: Option<RootSource>,
    pub verify_host: bool,
    pub client_cert: Option<PathBuf>,
    pub connector: Option<MakeRustlsConnect>,
}

impl Tls {
    pub fn build(req: TlsRequest) -> Result<Tls, String> {
        if req.mode == SslMode::Disable {
            return Ok(Tls {
                mode: req.mode,
                roots: None,
                verify_host: false,
                client_cert: None,
                connector: None,
            });
        }
        if matches!(&req.root, Some(RootSource::File(p)) if p.as_os_str() == "system") {
            return Err(
                "sslrootcert=system is not supported by this client: give the CA bundle file \
                 (e.g. /etc/ssl/certs/ca-certificates.crt)"
                    .into(),
            );
        }
        let roots = match req.mode {
            SslMode::Disable | SslMode::Allow | SslMode::Prefer => None,
            SslMode::Require => req.root.clone().or_else(|| {
                req.default_root
                    .clone()
                    .filter(|p| p.exists())
                    .map(RootSource::File)
            }),
            SslMode::VerifyCa | SslMode::VerifyFull => match req.root.clone() {
                Some(r) => Some(r),
                None => match &req.default_root {
                    Some(p) if p.exists() => Some(RootSource::File(p.clone())),
                    // libpq's message (fe-secure-openssl.c, initialize_SSL).
                    Some(p) => {
                        return Err(format!(
                            "sslmode={}: root certificate file {} does not exist; give the CA \
                             with sslrootcert (or PGSSLROOTCERT), or choose an sslmode that does \
                             not verify the server",
                            req.mode.as_str(),
                            p.display()
                        ));
                    }
                    None => {
                        return Err(format!(
                            "sslmode={} needs a root certificate: give sslrootcert (or \
                             PGSSLROOTCERT); HOME is not set, so ~/.postgresql/root.crt cannot be \
                             used",
                            req.mode.as_str()
                        ));
                    }
                },
            },
        };
        let verify_host = req.mode == SslMode::VerifyFull;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?;
        let builder = match &roots {
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider))),
            Some(source) => {
                let store = Arc::new(load_roots(source)?);
                if verify_host {
                    // rustls' own verifier: chain, validity dates and the name (DNS or IP SAN).
                    builder.with_root_certificates(store)
                } else {
                    builder
                        .dangerous()
                        .with_custom_certificate_verifier(Arc::new(ChainOnly {
                            roots: store,
                            provider,
                        }))
                }
            }
        };
        let config = match (&req.client_cert, &req.client_key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain = load_certs(&read_file(cert, "sslcert")?, &cert.display(), "sslcert")?;
                let key = load_key(key)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("sslcert {} / sslkey: {e}", cert.display()))?
            }
            _ => return Err("sslcert and sslkey must be given together".into()),
        };
        Ok(Tls {
            mode: req.mode,
            roots,
            verify_host,
            client_cert: req.client_cert,
            connector: Some(MakeRustlsConnect::new(config)),
        })
    }
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))
}

fn load_certs(
    pem: &[u8],
    from: &dyn fmt::Display,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{what} {from}: not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{what} {from}: holds no PEM certificate"));
    }
    Ok(certs)
}

fn load_roots(source: &RootSource) -> Result<RootCertStore, String> {
    let pem = match source {
        RootSource::File(p) => read_file(p, "sslrootcert")?,
        RootSource::EnvPem { pem, .. } => pem.as_bytes().to_vec(),
    };
    let mut store = RootCertStore::empty();
    for (i, cert) in load_certs(&pem, source, "sslrootcert")?
        .into_iter()
        .enumerate()
    {
        store
            .add(cert)
            .map_err(|e| format!("sslrootcert {source}: certificate {}: {e}", i + 1))?;
    }
    Ok(store)
}

/// libpq refuses a private key others may read (fe-secure-openssl.c): `u=rw` (0600) or less, or
/// owned by root and readable by its group (0640).
fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta =
            std::fs::metadata(path).map_err(|e| format!("sslkey {}: {e}", path.display()))?;
        let mode = meta.permissions().mode();
        let too_open = if meta.uid() == 0 {
            mode & 0o037 != 0
        } else {
            mode & 0o077 != 0
        };
        if too_open {
            return Err(format!(
                "sslkey {}: has group or world access; permissions should be u=rw (0600) or less",
                path.display()
            ));
        }
    }
    PrivateKeyDer::from_pem_slice(&read_file(path, "sslkey")?)
        .map_err(|e| format!("sslkey {}: not a PEM private key: {e}", path.display()))
}

/// TLS for privacy only (libpq's `prefer`/`require` without a root certificate): any certificate is
/// accepted, but the handshake signatures are still checked, so the session is with the holder of the
/// certificate's key.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// libpq's `verify-ca`: the chain must lead to a trusted root, whatever names the certificate holds.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(mode: SslMode) -> TlsRequest {
        TlsRequest {
            mode,
            root: None,
            default_root: None,
            client_cert: None,
            client_key: None,
        }
    }

    #[test]
    fn verify_modes_need_a_root_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join(".postgresql/root.crt");
        for mode in [SslMode::VerifyCa, SslMode::VerifyFull] {
            let err = Tls::build(TlsRequest {
                default_root: Some(missing.clone()),
                ..request(mode)
            })
            .err()
            .unwrap();
            assert!(err.contains("root.crt does not exist"), "{err}");
            let err = Tls::build(request(mode)).err().unwrap();
            assert!(err.contains("needs a root certificate"), "{err}");
        }
        // require and prefer connect unverified without one.
        for mode in [SslMode::Require, SslMode::Prefer, SslMode::Allow] {
            let tls = Tls::build(TlsRequest {
                default_root: Some(missing.clone()),
                ..request(mode)
            })
            .unwrap();
            assert!(tls.roots.is_none() && tls.connector.is_some());
        }
        assert!(
            Tls::build(request(SslMode::Disable))
                .unwrap()
                .connector
                .is_none()
        );
    }

    #[test]
    fn unreadable_or_empty_root_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.crt");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let err = Tls::build(TlsRequest {
            root: Some(RootSource::File(empty.clone())),
            ..request(SslMode::VerifyFull)
        })
        .err()
        .unwrap();
        assert!(
            err.contains(&format!("sslrootcert {}", empty.display())),
            "{err}"
        );
        assert!(err.contains("no PEM certificate"), "{err}");
        let missing = dir.path().join("missing.crt");
        let err = Tls::build(TlsRequest {
            root: Some(RootSource::File(missing.clone())),
            ..request(SslMode::Require)
        })
        .err()
        .unwrap();
        assert!(err.contains(&missing.display().to_string()), "{err}");
        let err = Tls::build(TlsRequest {
            root: Some(RootSource::File("system".into())),
            ..request(SslMode::VerifyFull)
        })
        .err()
        .unwrap();
        assert!(err.contains("system is not supported"), "{err}");
    }
}
