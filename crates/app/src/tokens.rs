//! Installations and operating tokens (issue 13 part 3): an exporter registers installations of a
//! licensed product; an installation renews its token by signing a challenge; every token and
//! every revocation list is a leaf of the transparency log, appended in the same transaction as the
//! event that records it; the platform's checkpoints go to its witnesses and their cosignatures are
//! attached to the proofs it serves.
//!
//! Streams: `installation-<uuid>` (`oversight_domain::installation`), `token-revocations`
//! (signed revocation lists) and `token-witnessed` (checkpoints with their cosignatures), events
//! [`TokensEvent`]. The authority's token-signing key and its chain of roots are files
//! ([`TokenAuthority::load_or_create`], [`TokenAuthority::rotate`]).
//!
//! Authentication of the renewal: machines have no account. A challenge names the installation, an
//! expiry and a random nonce, and is signed by the platform (so any node can check it without
//! shared state); the installation answers with its Ed25519 signature over the challenge text,
//! checked against the key registered for it. A challenge is used once: the nonce is recorded with
//! the token, and the installation's stream is appended at the version read (a second use of the
//! same challenge loses the race or finds the nonce used).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::Signer;
use oversight_attest::{AuthoritySigner, RevocationList, RootStatement, TokenClaims};
use oversight_domain::{
    Actor, ApplicationId, LicenceStatus,
    installation::{
        self as rules, CHALLENGE_SECONDS, Installation, InstallationCommand, InstallationEvent, IssuedToken,
        LeasePolicy, LicenceFacts, RenewalRefused,
    },
};
use oversight_store::Expect;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

/// Stream of the signed revocation lists.
pub const REVOCATIONS_STREAM: &str = "token-revocations";
/// Stream of the checkpoints the witnesses cosigned.
pub const WITNESSED_STREAM: &str = "token-witnessed";
/// How long a revocation list is valid by default.
pub const DEFAULT_REVOCATION_LIST_SECONDS: u64 = 3600;
/// How long a renewal waits for the witnesses' cosignatures of the checkpoint covering its token.
const COSIGNATURE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How soon a failed submission to a witness is tried again.
const WITNESS_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// The authority's token-signing key and the chain of root statements that names it (root 1
/// first). The vendor pins root 1; every later root is signed by the key before it.
pub struct TokenAuthority {
    pub signer: AuthoritySigner,
    secret: [u8; 32],
    pub roots: Vec<Vec<u8>>,
    /// The `iss` claim of every token.
    pub issuer: String,
}

impl std::fmt::Debug for TokenAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAuthority").field("kid", &hex::encode(self.signer.kid())).finish_non_exhaustive()
    }
}

fn roots_path(key: &Path) -> PathBuf {
    let mut p = key.as_os_str().to_owned();
    p.push(".roots");
    PathBuf::from(p)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)?;
    Ok(())
}

fn random_secret() -> anyhow::Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    rand::RngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut seed)
        .map_err(|e| anyhow::anyhow!("reading the operating system's random source: {e}"))?;
    Ok(seed)
}

impl TokenAuthority {
    /// An authority over a given secret, with root 1 naming it.
    pub fn from_secret(secret: [u8; 32], issuer: &str) -> Self {
        let signer = AuthoritySigner::from_secret(&secret);
        let root =
            RootStatement { version: 1, threshold: 1, keys: vec![signer.public_key()] }.sign(&[&signer]);
        TokenAuthority { signer, secret, roots: vec![root], issuer: issuer.to_string() }
    }

    /// Reads the key file (`base64 of the 32-byte secret`) and its roots file (`<key>.roots`, one
    /// base64 root statement a line, root 1 first), or creates both (owner-only permissions) with a
    /// fresh key and a self-signed root 1. Refuses a chain that does not verify or whose newest
    /// root does not name the key.
    pub fn load_or_create(key: &Path, issuer: &str) -> anyhow::Result<Self> {
        use anyhow::Context;
        let roots = roots_path(key);
        if !key.exists() {
            let a = TokenAuthority::from_secret(random_secret()?, issuer);
            write_private(&roots, &format!("{}\n", B64.encode(&a.roots[0])))
                .with_context(|| format!("writing {}", roots.display()))?;
            write_private(key, &format!("{}\n", B64.encode(a.secret)))
                .with_context(|| format!("writing {}", key.display()))?;
            return Ok(a);
        }
        let text = std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
        let secret: [u8; 32] =
            B64.decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
                anyhow::anyhow!("the token key {} is not the base64 of 32 bytes", key.display())
            })?;
        let chain = std::fs::read_to_string(&roots)
            .with_context(|| format!("reading the root chain {}", roots.display()))?;
        let chain: Vec<Vec<u8>> = chain
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| B64.decode(l.trim()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: a line is not base64", roots.display()))?;
        let signer = AuthoritySigner::from_secret(&secret);
        let a = TokenAuthority { signer, secret, roots: chain, issuer: issuer.to_string() };
        a.check_chain().with_context(|| format!("the root chain {}", roots.display()))?;
        Ok(a)
    }

    /// The chain verifies from root 1, and the newest root names this key.
    pub fn check_chain(&self) -> anyhow::Result<oversight_attest::TrustedRoot> {
        let first = self.roots.first().ok_or_else(|| anyhow::anyhow!("it is empty"))?;
        let pinned =
            oversight_attest::TrustedRoot::pinned(first).map_err(|e| anyhow::anyhow!("root 1: {e}"))?;
        let current = pinned.follow_chain(&self.roots[1..]).map_err(|e| anyhow::anyhow!("{e}"))?;
        if !current.keys.contains(&self.signer.public_key()) {
            anyhow::bail!("its newest root (version {}) does not name the token key", current.version);
        }
        Ok(current)
    }

    /// Rotates the key in the files: a new key, root n+1 naming it signed by the current key and
    /// the new one, appended to the roots file, then the new key written over the old one (the old
    /// key is kept as `<key>.retired-<n>`). The platform uses the new key from its next start.
    /// Returns the new root's version.
    pub fn rotate(key: &Path) -> anyhow::Result<u64> {
        let current = TokenAuthority::load_or_create(key, "")?;
        let version = current.check_chain()?.version + 1;
        let next_secret = random_secret()?;
        let next = AuthoritySigner::from_secret(&next_secret);
        let root = RootStatement { version, threshold: 1, keys: vec![next.public_key()] }
            .sign(&[&current.signer, &next]);
        let mut text: String = current.roots.iter().map(|r| format!("{}\n", B64.encode(r))).collect();
        text.push_str(&format!("{}\n", B64.encode(&root)));
        let mut retired = key.as_os_str().to_owned();
        retired.push(format!(".retired-{}", version - 1));
        write_private(Path::new(&retired), &format!("{}\n", B64.encode(current.secret)))?;
        write_private(&roots_path(key), &text)?;
        write_private(key, &format!("{}\n", B64.encode(next_secret)))?;
        Ok(version)
    }

    /// The key that signs renewal challenges, derived from the token key (domain-separated).
    fn challenge_key(&self) -> ed25519_dalek::SigningKey {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"oversight/attest/v1 challenge key\n");
        h.update(self.secret);
        ed25519_dalek::SigningKey::from_bytes(&h.finalize().into())
    }
}

/// A witness the platform submits its checkpoints to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessConfig {
    /// Its base URL (the request goes to `<url>/add-checkpoint`).
    pub url: String,
    /// Its `cosignature/v1` verifier key (`name+keyid+base64`).
    pub vkey: String,
}

/// How the tokens capability is set up.
#[derive(Debug, Default)]
pub struct TokensConfig {
    /// The token-signing key; `None` makes a fresh one (tests, throw-away demos only).
    pub authority: Option<TokenAuthority>,
    pub lease: LeasePolicy,
    pub witnesses: Vec<WitnessConfig>,
    /// How long a revocation list is valid; `None` is [`DEFAULT_REVOCATION_LIST_SECONDS`].
    pub revocation_list_seconds: Option<u64>,
}

/// The capability's shared parts on the [`App`].
#[derive(Debug)]
pub(crate) struct Tokens {
    authority: TokenAuthority,
    lease: LeasePolicy,
    witnesses: Vec<WitnessConfig>,
    revocation_list_seconds: u64,
    /// Wakes the witness submitter.
    pub(crate) wanted: Arc<tokio::sync::Notify>,
    /// Tells renewals waiting for cosignatures that a witnessed checkpoint was recorded.
    witnessed: tokio::sync::watch::Sender<u64>,
}

impl Tokens {
    pub(crate) fn new(config: TokensConfig, issuer_fallback: &str) -> Result<Tokens> {
        config.lease.check()?;
        let authority = match config.authority {
            Some(a) => a,
            None => {
                TokenAuthority::from_secret(random_secret().map_err(AppError::Internal)?, issuer_fallback)
            }
        };
        Ok(Tokens {
            authority,
            lease: config.lease,
            witnesses: config.witnesses,
            revocation_list_seconds: config
                .revocation_list_seconds
                .unwrap_or(DEFAULT_REVOCATION_LIST_SECONDS),
            wanted: Arc::new(tokio::sync::Notify::new()),
            witnessed: tokio::sync::watch::Sender::new(0),
        })
    }
}

/// The capability's own events (besides the installations').
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TokensEvent {
    RevocationListIssued {
        sequence: u64,
        issued_at: DateTime<Utc>,
        expires: DateTime<Utc>,
        licences: Vec<String>,
        /// base64 of each installation key.
        installations: Vec<String>,
        /// The signed list, base64.
        bytes: String,
    },
    CheckpointWitnessed {
        size: u64,
        /// The checkpoint note with the witnesses' cosignature lines.
        note: String,
        /// The witnesses (URLs) that cosigned it.
        witnesses: Vec<String>,
    },
}

impl TokensEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            TokensEvent::RevocationListIssued { .. } => "revocation_list_issued",
            TokensEvent::CheckpointWitnessed { .. } => "checkpoint_witnessed",
        }
    }
}

/// What a stream of this capability holds, for the fold.
#[derive(Debug)]
pub(crate) enum TokensFold {
    Installation(Uuid, InstallationEvent),
    Log(TokensEvent),
}

impl TokensFold {
    /// `Some` for this capability's streams.
    pub(crate) fn decode(e: &oversight_store::StoredEvent) -> anyhow::Result<Option<TokensFold>> {
        let s = e.stream_id.as_str();
        Ok(if let Some(rest) = s.strip_prefix("installation-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Some(TokensFold::Installation(id, decode(e)?))
        } else if s == REVOCATIONS_STREAM || s == WITNESSED_STREAM {
            Some(TokensFold::Log(decode(e)?))
        } else {
            None
        })
    }
}

/// A revocation list as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedList {
    pub sequence: u64,
    pub issued_at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub licences: Vec<String>,
    pub installations: Vec<String>,
    pub bytes: String,
}

/// The read model: every installation, the newest revocation list, the newest witnessed checkpoint.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokensProjection {
    installations: BTreeMap<Uuid, Installation>,
    /// Public key (base64) → installation.
    by_key: BTreeMap<String, Uuid>,
    revocations: Option<IssuedList>,
    revocations_version: u64,
    /// (size, note with cosignatures) of the newest witnessed checkpoint.
    witnessed: Option<(u64, String)>,
    witnessed_version: u64,
}

impl TokensProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        let Fold::Tokens(f) = fold else { return };
        match f {
            TokensFold::Installation(id, event) => {
                if let Some(i) = rules::apply(self.installations.remove(id), event) {
                    self.by_key.insert(i.public_key.clone(), i.id);
                    self.installations.insert(*id, i);
                }
            }
            TokensFold::Log(TokensEvent::RevocationListIssued {
                sequence,
                issued_at,
                expires,
                licences,
                installations,
                bytes,
            }) => {
                self.revocations_version += 1;
                self.revocations = Some(IssuedList {
                    sequence: *sequence,
                    issued_at: *issued_at,
                    expires: *expires,
                    licences: licences.clone(),
                    installations: installations.clone(),
                    bytes: bytes.clone(),
                });
            }
            TokensFold::Log(TokensEvent::CheckpointWitnessed { size, note, .. }) => {
                self.witnessed_version += 1;
                if self.witnessed.as_ref().is_none_or(|(s, _)| size >= s) {
                    self.witnessed = Some((*size, note.clone()));
                }
            }
        }
    }
}

// ----- requests and answers ------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterInstallation {
    /// The installation's Ed25519 public key: base64 of its 32 bytes.
    pub public_key: String,
    /// Where it is deployed (site, operator).
    pub deployment: String,
}

/// A challenge for an installation to sign.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Challenge {
    /// The exact text to sign with the installation's private key (Ed25519, over its UTF-8 bytes).
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// A token and the proof that it is in the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenewedToken {
    pub installation_id: Uuid,
    pub sequence: u64,
    pub not_before: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// The COSE_Sign1 token, base64.
    pub token: String,
    /// Its C2SP `tlog-proof`, with the witnesses' cosignatures the platform holds.
    pub proof: String,
}

/// The current signed revocation list and its proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationListView {
    pub sequence: u64,
    pub issued_at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// Licence ids (their cases' ids) named.
    pub licences: Vec<String>,
    /// Installation keys (base64) named.
    pub installations: Vec<String>,
    /// The signed list (COSE_Sign1), base64.
    pub list: String,
    pub proof: String,
}

/// What a verifier pins and follows: the root chain, the log key and a witness policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrustAnchors {
    /// Root statements (COSE_Sign), base64, root 1 first.
    pub roots: Vec<String>,
    /// The current token-signing key's id (hex).
    pub key_id: String,
    /// The log's note verifier key.
    pub log_key: String,
    /// A C2SP `tlog-policy` requiring every configured witness (or none when none is configured).
    pub policy: String,
}

/// Tokens issued under one licence, as the public sees them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceTokens {
    pub licence_number: String,
    pub case_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub licence_status: LicenceStatus,
    /// Installations registered and not withdrawn.
    pub installations: usize,
    /// Installations holding a token that has not expired.
    pub holding_tokens: usize,
    pub tokens_issued: usize,
    pub last_issued: Option<DateTime<Utc>>,
    /// When the last token issued expires (for a revoked licence: when its last product stops,
    /// at the latest, without the revocation list).
    pub last_token_expires: Option<DateTime<Utc>>,
}

fn key_bytes(field: &str, b64: &str) -> Result<[u8; 32]> {
    let bytes: [u8; 32] = B64
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::invalid(field, "must be the base64 of a 32-byte Ed25519 public key"))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| AppError::invalid(field, "is not a valid Ed25519 public key"))?;
    Ok(bytes)
}

const CHALLENGE_PREFIX: &str = "oversight/attest/v1 challenge";

fn renewal_refused(r: RenewalRefused) -> AppError {
    match r {
        RenewalRefused::ChallengeExpired(_) | RenewalRefused::ChallengeReused => {
            AppError::Unauthenticated(r.to_string())
        }
        RenewalRefused::Withdrawn | RenewalRefused::LicenceInactive(_) => AppError::Conflict(r.to_string()),
    }
}

impl App {
    fn tokens_cfg(&self) -> &Tokens {
        &self.tokens
    }

    fn licence_facts(&self, case: ApplicationId) -> Option<(LicenceFacts, u64)> {
        let c = self.case(case)?;
        Some((LicenceFacts::of(&c, &self.control_list())?, c.version))
    }

    async fn load_installation(&self, id: Uuid) -> Result<Option<Installation>> {
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let mut state = None;
        for e in &stored {
            state = rules::apply(state, &decode::<InstallationEvent>(e)?);
        }
        Ok(state)
    }

    /// The exporter registers an installation under the licence of `case`.
    pub async fn register_installation(
        &self,
        actor: &Actor,
        case: ApplicationId,
        req: RegisterInstallation,
    ) -> Result<Installation> {
        let id = self.new_uuid();
        self.retrying("registering an installation", || async {
            let now = self.now();
            let c = self.case(case).ok_or(AppError::NotFound)?;
            if !oversight_domain::access::can_see_case(actor, c.org) {
                return Err(AppError::NotFound);
            }
            let facts = LicenceFacts::of(&c, &self.control_list())
                .ok_or_else(|| AppError::Conflict("the case has no licence".into()))?;
            // Roles first (a refusal must not reveal whether a key is taken), then the key.
            rules::require_holder(actor, facts.org, "registering an installation")?;
            let key = key_bytes("public_key", &req.public_key)?;
            let public_key = B64.encode(key);
            let key_taken = self.read().tokens.by_key.contains_key(&public_key);
            let events = rules::decide(
                None,
                InstallationCommand::Register {
                    id,
                    public_key: public_key.clone(),
                    deployment: req.deployment.clone(),
                    key_taken,
                },
                actor,
                &facts,
                now,
            )?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            // Guarded by the case's version: a licence suspended meanwhile refuses the registration.
            let expect = [Expect { stream: format!("application-{case}"), version: c.version }];
            self.append(&rules::stream(id), 0, new, &[], &expect).await?;
            events.iter().fold(None, rules::apply).ok_or(AppError::NotFound)
        })
        .await
    }

    /// The exporter withdraws an installation: its renewals stop and it is named in the next
    /// revocation list.
    pub async fn withdraw_installation(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<Installation> {
        self.retrying("withdrawing an installation", || async {
            let now = self.now();
            let state = self.load_installation(id).await?.ok_or(AppError::NotFound)?;
            let (facts, _) = self.licence_facts(state.case).ok_or(AppError::NotFound)?;
            let events = rules::decide(
                Some(&state),
                InstallationCommand::Withdraw { reason: reason.to_string() },
                actor,
                &facts,
                now,
            )?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            self.append(&rules::stream(id), state.version, new, &[], &[]).await?;
            let mut after = Some(state);
            for e in &events {
                after = rules::apply(after, e);
            }
            after.ok_or(AppError::NotFound)
        })
        .await
    }

    /// The installations under the licence of `case`, as the licence holder (or an authority user
    /// who sees the case) sees them.
    pub fn installations(&self, actor: &Actor, case: ApplicationId) -> Result<Vec<Installation>> {
        let c = self.case(case).ok_or(AppError::NotFound)?;
        if !oversight_domain::access::can_see_case_file(actor, c.org, c.status) {
            return Err(AppError::NotFound);
        }
        Ok(self.read().tokens.installations.values().filter(|i| i.case == case).cloned().collect())
    }

    /// One installation, to those who see its case.
    pub fn installation(&self, actor: &Actor, id: Uuid) -> Result<Installation> {
        let i = self.read().tokens.installations.get(&id).cloned().ok_or(AppError::NotFound)?;
        let c = self.case(i.case).ok_or(AppError::NotFound)?;
        if !oversight_domain::access::can_see_case_file(actor, c.org, c.status) {
            return Err(AppError::NotFound);
        }
        Ok(i)
    }

    /// A fresh challenge for the installation with `public_key` (anyone may ask; only the holder of
    /// the private key can answer).
    pub fn token_challenge(&self, public_key: &str) -> Result<Challenge> {
        let key = B64.encode(key_bytes("installation_key", public_key)?);
        let id = self.read().tokens.by_key.get(&key).copied().ok_or(AppError::NotFound)?;
        let expires_at = self.now() + Duration::seconds(CHALLENGE_SECONDS);
        let nonce = hex::encode(self.random_bytes::<16>());
        let body = format!("{CHALLENGE_PREFIX} {id} {} {nonce}", expires_at.timestamp());
        let sig = self.tokens_cfg().authority.challenge_key().sign(body.as_bytes());
        Ok(Challenge { challenge: format!("{body} {}", B64.encode(sig.to_bytes())), expires_at })
    }

    /// Checks a challenge the platform issued: (installation, nonce, expiry).
    fn open_challenge(&self, challenge: &str) -> Result<(Uuid, String, DateTime<Utc>)> {
        let malformed =
            || AppError::invalid("challenge", "is not a challenge from POST /api/tokens/challenge");
        let rest = challenge
            .strip_prefix(CHALLENGE_PREFIX)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(malformed)?;
        let parts: Vec<&str> = rest.split(' ').collect();
        let [id, expires, nonce, sig] = parts.as_slice() else { return Err(malformed()) };
        let body = &challenge[..challenge.len() - sig.len() - 1];
        let sig = B64
            .decode(sig)
            .ok()
            .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
            .ok_or_else(malformed)?;
        if self
            .tokens_cfg()
            .authority
            .challenge_key()
            .verifying_key()
            .verify_strict(body.as_bytes(), &sig)
            .is_err()
        {
            return Err(AppError::Unauthenticated(
                "renewal refused: the challenge was not issued by this platform (or was altered)".into(),
            ));
        }
        let id: Uuid = id.parse().map_err(|_| malformed())?;
        let expires =
            expires.parse::<i64>().ok().and_then(|t| DateTime::from_timestamp(t, 0)).ok_or_else(malformed)?;
        Ok((id, nonce.to_string(), expires))
    }

    /// Renews an installation's token: the challenge must be this platform's, unexpired and unused,
    /// and `signature` (base64) the installation's Ed25519 signature over it. Issues only while the
    /// licence is active and the installation registered; the token's leaf is appended to the log
    /// in the same transaction as its event, guarded by the case's version (a suspension committed
    /// meanwhile refuses it). Answers with the token and its proof (waiting briefly for the
    /// checkpoint and the witnesses' cosignatures).
    pub async fn renew_token(&self, challenge: &str, signature: &str) -> Result<RenewedToken> {
        let (id, nonce, challenge_expires) = self.open_challenge(challenge)?;
        let sig = B64
            .decode(signature.trim())
            .ok()
            .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
            .ok_or_else(|| {
                AppError::invalid("signature", "must be the base64 of a 64-byte Ed25519 signature")
            })?;
        let registered = self.read().tokens.installations.get(&id).cloned().ok_or(AppError::NotFound)?;
        let key = key_bytes("installation_key", &registered.public_key)?;
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|e| AppError::Internal(e.into()))?;
        if vk.verify_strict(challenge.as_bytes(), &sig).is_err() {
            return Err(AppError::Unauthenticated(
                "renewal refused: the signature does not verify with the installation's registered key"
                    .into(),
            ));
        }
        let (renewed, leaf) = self
            .retrying("renewing a token", || async {
                let now = self.now();
                let state = self.load_installation(id).await?.ok_or(AppError::NotFound)?;
                let c = self.case(state.case).ok_or(AppError::NotFound)?;
                let facts = LicenceFacts::of(&c, &self.control_list()).ok_or(AppError::NotFound)?;
                let lease =
                    rules::decide_renewal(&state, &facts, &nonce, challenge_expires, &self.tokens.lease, now)
                        .map_err(renewal_refused)?;
                let claims = TokenClaims {
                    issuer: self.tokens.authority.issuer.clone(),
                    licence_id: state.case.to_string(),
                    licence_number: facts.number.clone(),
                    installation_key: key,
                    capabilities: lease.capabilities.clone(),
                    product: facts.product.clone(),
                    end_user: facts.end_user.clone(),
                    end_use: facts.end_use.clone(),
                    issued_at: lease.issued_at.timestamp() as u64,
                    not_before: lease.not_before.timestamp() as u64,
                    expires: lease.expires.timestamp() as u64,
                    sequence: lease.sequence,
                };
                let token = oversight_attest::issue(&claims, &self.tokens.authority.signer);
                let leaf = oversight_attest::token_leaf(&token);
                let event =
                    lease.issued(hex::encode(oversight_attest::token_digest(&token)), B64.encode(&token));
                let new = vec![new_event(event.kind(), &event, None, now)];
                let expect = [Expect { stream: format!("application-{}", c.id), version: c.version }];
                self.append(&rules::stream(id), state.version, new, &[(0, leaf.clone())], &expect).await?;
                Ok((
                    RenewedToken {
                        installation_id: id,
                        sequence: lease.sequence,
                        not_before: lease.not_before,
                        expires: lease.expires,
                        token: B64.encode(&token),
                        proof: String::new(),
                    },
                    leaf,
                ))
            })
            .await?;
        let proof = self.leaf_proof(&leaf).await?;
        metrics::counter!("oversight_tokens_issued_total").increment(1);
        Ok(RenewedToken { proof, ..renewed })
    }

    /// The newest token of an installation with a fresh proof (its holder may fetch the proof again
    /// later, e.g. once the witnesses have cosigned).
    pub async fn latest_token(&self, public_key: &str) -> Result<RenewedToken> {
        let key = B64.encode(key_bytes("installation_key", public_key)?);
        let (id, token) = {
            let p = self.read();
            let id = p.tokens.by_key.get(&key).copied().ok_or(AppError::NotFound)?;
            let i = p.tokens.installations.get(&id).ok_or(AppError::NotFound)?;
            (id, i.tokens.last().cloned().ok_or(AppError::NotFound)?)
        };
        let bytes = self.token_bytes(id, token.sequence).await?;
        let proof = self.leaf_proof(&oversight_attest::token_leaf(&bytes)).await?;
        Ok(RenewedToken {
            installation_id: id,
            sequence: token.sequence,
            not_before: token.not_before,
            expires: token.expires,
            token: B64.encode(&bytes),
            proof,
        })
    }

    async fn token_bytes(&self, id: Uuid, sequence: u64) -> Result<Vec<u8>> {
        for e in self.store.read_stream(&rules::stream(id)).await? {
            if let InstallationEvent::TokenIssued { token, bytes, .. } = decode::<InstallationEvent>(&e)?
                && token.sequence == sequence
            {
                return B64.decode(bytes).map_err(|e| AppError::Internal(e.into()));
            }
        }
        Err(AppError::NotFound)
    }

    /// The `tlog-proof` of a published leaf, against the newest witnessed checkpoint covering it,
    /// else the newest signed checkpoint (waiting boundedly for both).
    async fn leaf_proof(&self, leaf: &[u8]) -> Result<String> {
        let hash = oversight_tlog::leaf_hash(leaf);
        let index = {
            let p = self.read();
            p.register.leaf_index_from_end(&hash)
        };
        let index = match index {
            Some(i) => i,
            None => {
                self.catch_up_register().await?;
                self.read().register.leaf_index_from_end(&hash).ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("the token's leaf is not in the log"))
                })?
            }
        };
        self.wait_for_checkpoint(index + 1).await?;
        if !self.tokens.witnesses.is_empty() {
            let mut witnessed = self.tokens.witnessed.subscribe();
            let deadline = tokio::time::Instant::now() + COSIGNATURE_WAIT;
            self.tokens.wanted.notify_one();
            while self.read().tokens.witnessed.as_ref().is_none_or(|(s, _)| *s <= index) {
                if tokio::time::timeout_at(deadline, witnessed.changed()).await.is_err() {
                    break;
                }
                let _ = self.catch_up().await;
            }
        }
        let witnessed = self.read().tokens.witnessed.clone().filter(|(s, _)| *s > index);
        let (size, note) = match witnessed {
            Some(w) => w,
            None => {
                let cp = self.store.latest_checkpoint().await?.ok_or_else(|| {
                    AppError::Unavailable("no checkpoint is signed yet; retry shortly".into())
                })?;
                if cp.size <= index {
                    return Err(AppError::Unavailable(
                        "the checkpoint covering the token is not signed yet; fetch it again shortly".into(),
                    ));
                }
                (cp.size, cp.note)
            }
        };
        let hashes = self
            .inclusion_proof(index, size)
            .await?
            .hashes
            .iter()
            .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
            .collect::<Option<Vec<oversight_tlog::Hash>>>()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a stored proof hash is malformed")))?;
        Ok(oversight_tlog::TlogProof { extra: None, index, hashes, checkpoint_note: note }.to_text())
    }

    /// The newest checkpoint note with the witnesses' cosignatures, if it is the latest signed one.
    pub(crate) fn with_cosignatures(&self, size: u64, note: String) -> String {
        match self.read().tokens.witnessed.as_ref() {
            Some((s, cosigned)) if *s == size => cosigned.clone(),
            _ => note,
        }
    }

    /// The current revocation list (public). A new one is signed and logged when the set of
    /// suspended or revoked licences (with installations) or withdrawn installations changed, or
    /// the current one is past half its life.
    pub async fn revocation_list(&self) -> Result<RevocationListView> {
        let issued = self
            .retrying("issuing a revocation list", || async {
                let now = self.now();
                let (licences, installations) = self.revoked_now();
                let (current, version) = {
                    let p = self.read();
                    (p.tokens.revocations.clone(), p.tokens.revocations_version)
                };
                let life = Duration::seconds(self.tokens.revocation_list_seconds as i64);
                if let Some(c) = &current
                    && c.licences == licences
                    && c.installations == installations
                    && now < c.issued_at + life / 2
                {
                    return Ok(c.clone());
                }
                let list = RevocationList {
                    issued_at: now.timestamp() as u64,
                    expires: (now + life).timestamp() as u64,
                    licences: licences.clone(),
                    installations: installations
                        .iter()
                        .map(|k| key_bytes("installations", k))
                        .collect::<Result<_>>()?,
                    sequence: current.as_ref().map_or(0, |c| c.sequence) + 1,
                };
                let bytes = list.sign(&self.tokens.authority.signer);
                let event = TokensEvent::RevocationListIssued {
                    sequence: list.sequence,
                    issued_at: now,
                    expires: now + life,
                    licences,
                    installations,
                    bytes: B64.encode(&bytes),
                };
                let leaf = oversight_attest::revocation_leaf(&bytes);
                let new = vec![new_event(event.kind(), &event, None, now)];
                self.append(REVOCATIONS_STREAM, version, new, &[(0, leaf)], &[]).await?;
                let TokensEvent::RevocationListIssued {
                    sequence,
                    issued_at,
                    expires,
                    licences,
                    installations,
                    bytes,
                } = event
                else {
                    unreachable!()
                };
                Ok(IssuedList { sequence, issued_at, expires, licences, installations, bytes })
            })
            .await?;
        let bytes = B64.decode(&issued.bytes).map_err(|e| AppError::Internal(e.into()))?;
        let proof = self.leaf_proof(&oversight_attest::revocation_leaf(&bytes)).await?;
        Ok(RevocationListView {
            sequence: issued.sequence,
            issued_at: issued.issued_at,
            expires: issued.expires,
            licences: issued.licences,
            installations: issued.installations,
            list: issued.bytes,
            proof,
        })
    }

    /// Licences (case ids) suspended or revoked that have installations, and the keys of their
    /// installations and of every withdrawn installation; sorted.
    fn revoked_now(&self) -> (Vec<String>, Vec<String>) {
        let installations: Vec<Installation> = self.read().tokens.installations.values().cloned().collect();
        let mut licences = std::collections::BTreeSet::new();
        let mut keys = std::collections::BTreeSet::new();
        for i in installations {
            let status = self.case(i.case).and_then(|c| c.licence).map(|l| l.status);
            let stopped = matches!(status, Some(LicenceStatus::Suspended | LicenceStatus::Revoked));
            if stopped {
                licences.insert(i.case.to_string());
            }
            if stopped || i.withdrawn.is_some() {
                keys.insert(i.public_key.clone());
            }
        }
        (licences.into_iter().collect(), keys.into_iter().collect())
    }

    /// The trust anchors a verifier pins (public).
    pub fn token_trust(&self) -> TrustAnchors {
        let a = &self.tokens.authority;
        let log_key = self.log_key();
        let mut policy = format!("log {log_key}\n");
        for (i, w) in self.tokens.witnesses.iter().enumerate() {
            policy.push_str(&format!("witness w{i} {}\n", w.vkey));
        }
        if self.tokens.witnesses.is_empty() {
            policy.push_str("quorum none\n");
        } else {
            policy.push_str(&format!(
                "group witnesses all{}\nquorum witnesses\n",
                (0..self.tokens.witnesses.len()).map(|i| format!(" w{i}")).collect::<String>()
            ));
        }
        TrustAnchors {
            roots: a.roots.iter().map(|r| B64.encode(r)).collect(),
            key_id: hex::encode(a.signer.kid()),
            log_key,
            policy,
        }
    }

    /// Per licence with installations: how many, how many hold a token, how many tokens were
    /// issued and when the last one expires (public).
    pub fn licence_tokens(&self) -> Vec<LicenceTokens> {
        let now = self.now();
        let installations: Vec<Installation> = self.read().tokens.installations.values().cloned().collect();
        let mut by_case: BTreeMap<ApplicationId, LicenceTokens> = BTreeMap::new();
        for i in &installations {
            let Some(licence) = self.case(i.case).and_then(|c| c.licence) else { continue };
            let row = by_case.entry(i.case).or_insert_with(|| LicenceTokens {
                licence_number: licence.number.clone(),
                case_id: i.case.to_string(),
                licence_status: licence.status,
                installations: 0,
                holding_tokens: 0,
                tokens_issued: 0,
                last_issued: None,
                last_token_expires: None,
            });
            if i.is_active() {
                row.installations += 1;
            }
            if i.tokens.last().is_some_and(|t| t.expires > now) {
                row.holding_tokens += 1;
            }
            row.tokens_issued += i.tokens.len();
            let last: Option<&IssuedToken> = i.tokens.last();
            row.last_issued = row.last_issued.max(last.map(|t| t.issued_at));
            row.last_token_expires = row.last_token_expires.max(last.map(|t| t.expires));
        }
        let mut rows: Vec<_> = by_case.into_values().collect();
        rows.sort_by(|a, b| a.licence_number.cmp(&b.licence_number));
        rows
    }

    // ----- witnesses ---------------------------------------------------------------------------

    /// Submits each new signed checkpoint to the configured witnesses in the background and records
    /// the cosigned note; failures are logged and tried again, and never block a write.
    pub(crate) fn spawn_witness_submitter(self: &Arc<Self>) {
        if self.tokens.witnesses.is_empty() {
            return;
        }
        let app = Arc::downgrade(self);
        let wanted = self.tokens.wanted.clone();
        let mut signed = self.checkpoint_signed.subscribe();
        tokio::spawn(async move {
            let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
            let mut failed = true; // submit once at start
            loop {
                if !failed {
                    tokio::select! {
                        _ = signed.changed() => {}
                        _ = wanted.notified() => {}
                    }
                } else {
                    tokio::time::sleep(WITNESS_RETRY).await;
                }
                let Some(app) = app.upgrade() else { return };
                failed = match app.submit_to_witnesses(&mut sizes).await {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!("submitting the checkpoint to the witnesses failed (will retry): {e}");
                        true
                    }
                };
            }
        });
    }

    /// One round: the latest checkpoint to every witness; true if a witness failed.
    async fn submit_to_witnesses(self: &Arc<Self>, sizes: &mut BTreeMap<String, u64>) -> Result<bool> {
        let Some(cp) = self.store.latest_checkpoint().await? else { return Ok(false) };
        if self.read().tokens.witnessed.as_ref().is_some_and(|(s, _)| *s >= cp.size) {
            return Ok(false);
        }
        let mut lines = Vec::new();
        let mut names = Vec::new();
        let mut failed = false;
        for w in &self.tokens.witnesses {
            let old = sizes.get(&w.url).copied().unwrap_or(0).min(cp.size);
            let pre = if old > 0 && old < cp.size {
                Some(self.consistency_proof(old, cp.size).await?.hashes)
            } else {
                None
            };
            let (app, url, note, size) = (self.clone(), w.url.clone(), cp.note.clone(), cp.size);
            let handle = tokio::runtime::Handle::current();
            let result = tokio::task::spawn_blocking(move || {
                let agent = ureq::AgentBuilder::new().timeout(std::time::Duration::from_secs(10)).build();
                let mut proofs = |o: u64, n: u64| -> std::result::Result<Vec<oversight_tlog::Hash>, String> {
                    let hashes = match (&pre, o == old && n == size) {
                        (Some(h), true) => h.clone(),
                        _ => handle.block_on(app.consistency_proof(o, n)).map_err(|e| e.to_string())?.hashes,
                    };
                    hashes
                        .iter()
                        .map(|h| B64.decode(h).ok().and_then(|b| b.try_into().ok()))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| "a stored hash is malformed".to_string())
                };
                oversight_witness::add_checkpoint(&agent, &url, &note, old, &mut proofs)
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
            match result {
                Ok(c) => {
                    sizes.insert(w.url.clone(), cp.size);
                    lines.push(c.lines);
                    names.push(w.url.clone());
                }
                Err(e) => {
                    tracing::warn!(witness = %w.url, size = cp.size, "a witness did not cosign (will retry): {e}");
                    failed = true;
                }
            }
        }
        if lines.is_empty() {
            return Ok(failed);
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let note = oversight_witness::attach_cosignatures(&cp.note, &refs);
        let event = TokensEvent::CheckpointWitnessed { size: cp.size, note, witnesses: names };
        let version = self.read().tokens.witnessed_version;
        let new = vec![new_event(event.kind(), &event, None, self.now())];
        match self.append(WITNESSED_STREAM, version, new, &[], &[]).await {
            Ok(_) | Err(AppError::Contended(_)) => {}
            Err(e) => return Err(e),
        }
        let recorded = self.read().tokens.witnessed.as_ref().map_or(0, |(s, _)| *s);
        self.tokens.witnessed.send_replace(recorded);
        Ok(failed)
    }
}

/// Demo data: an installation (its key derived from `seed`: never for real use) registered under
/// the licence of `case` by `exporter`, renewed `renewals` times through the real challenge.
pub(crate) async fn demo_installation(
    app: &App,
    case: ApplicationId,
    exporter: &Actor,
    seed: u8,
    deployment: &str,
    renewals: usize,
) -> Result<Installation> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let public_key = B64.encode(key.verifying_key().to_bytes());
    let req = RegisterInstallation { public_key: public_key.clone(), deployment: deployment.into() };
    let i = app.register_installation(exporter, case, req).await?;
    for _ in 0..renewals {
        demo_renew(app, &key).await?;
    }
    Ok(i)
}

/// Demo data: the installation key derived from `seed` (never for real use).
pub(crate) fn demo_key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

/// Demo data: one renewal by the holder of `key`.
pub(crate) async fn demo_renew(app: &App, key: &ed25519_dalek::SigningKey) -> Result<RenewedToken> {
    let c = app.token_challenge(&B64.encode(key.verifying_key().to_bytes()))?;
    let sig = B64.encode(key.sign(c.challenge.as_bytes()).to_bytes());
    app.renew_token(&c.challenge, &sig).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_created_read_back_and_rotated_into_a_chain() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("token.key");
        let a = TokenAuthority::load_or_create(&key, "A").unwrap();
        let b = TokenAuthority::load_or_create(&key, "A").unwrap();
        assert_eq!(a.signer.public_key(), b.signer.public_key());
        assert_eq!(a.roots, b.roots);
        assert_eq!(TokenAuthority::rotate(&key).unwrap(), 2);
        let c = TokenAuthority::load_or_create(&key, "A").unwrap();
        assert_ne!(c.signer.public_key(), a.signer.public_key());
        assert_eq!(c.roots.len(), 2);
        // A verifier pinning root 1 follows the rotation to the new key.
        let pinned = oversight_attest::TrustedRoot::pinned(&a.roots[0]).unwrap();
        let now = pinned.follow_chain(&c.roots[1..]).unwrap();
        assert_eq!(now.keys, vec![c.signer.public_key()]);
        // A key that the chain does not name is refused.
        std::fs::write(&key, format!("{}\n", B64.encode([9u8; 32]))).unwrap();
        let err = TokenAuthority::load_or_create(&key, "A").unwrap_err();
        assert!(format!("{err:#}").contains("does not name the token key"), "{err:#}");
    }
}
