//! What every operation of the OpenAPI document shares, written once instead of in each handler's
//! annotation: how it is authenticated, and the answers that come from the shared extractors and
//! the error mapping rather than from the handler (found by `scripts/api-fuzz`, issue 15).
//!
//! - An operation needs login unless it is public: tagged `health`, `reference`, `register` or `log`,
//!   or the login itself. One that needs login declares the two ways in (`bearer`, `session`),
//!   answers 401 without them ([`crate::auth::Authenticated`]), and 403 when the user's role may not
//!   do it or (with a session cookie) a state change lacks its CSRF token.
//! - An operation with an id in its path answers 404 for an id that names nothing the user may see
//!   ([`crate::error::path_id`]).
//! - An operation with a JSON body answers 400 (malformed JSON), 413 (too large), 415 (not
//!   `application/json`) and 422 (well-formed, wrong shape) ([`crate::json::ApiJson`]).
//! - Every operation may answer 503 when the node has halted or the database is away
//!   ([`crate::error::ApiError`], with `Retry-After`).
//!
//! A handler's own description of one of these status codes is kept.

use utoipa::openapi::{
    ContentBuilder, HttpMethod, OpenApi, Ref, RefOr, ResponseBuilder,
    path::Operation,
    security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
};

/// Tags whose operations need no login.
pub const PUBLIC_TAGS: [&str; 4] = ["health", "reference", "register", "log"];
/// Operations outside those tags that need no login.
pub const PUBLIC_OPERATIONS: [&str; 12] = [
    "login",
    "submit_complaint",
    "complaint_status",
    "rules_in_force",
    "list_proposals",
    "read_proposal",
    "comment_on_proposal",
    // An installation authenticates by its own key's signature, not by a login.
    "challenge",
    "renew",
    "latest",
    "revocations",
    "trust",
];

/// Whether the operation needs login (see the module's rule).
pub fn needs_login(op: &Operation) -> bool {
    let public_tag = op.tags.iter().flatten().any(|t| PUBLIC_TAGS.contains(&t.as_str()));
    let public_op = op.operation_id.as_deref().is_some_and(|id| PUBLIC_OPERATIONS.contains(&id));
    !(public_tag || public_op)
}

/// Adds the shared security schemes and responses to every operation of `doc`.
pub fn add_shared_responses(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearer".into(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("An API token from POST /api/tokens."))
                .build(),
        ),
    );
    components.security_schemes.insert(
        "session".into(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::SESSION_COOKIE,
            "The session cookie set by POST /api/session; state-changing requests also send its CSRF \
             token in X-CSRF-Token.",
        ))),
    );
    for (_, name, description) in SHARED {
        let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
        let response =
            ResponseBuilder::new().description(description).content("application/json", body).build();
        components.responses.insert(name.to_string(), RefOr::T(response));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        for (method, op) in [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Put, item.put.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
            (HttpMethod::Patch, item.patch.as_mut()),
        ] {
            if let Some(op) = op {
                add_to_operation(method, has_id, op);
            }
        }
    }
}

/// The shared responses: a status, the name under `components/responses`, and the description.
const SHARED: [(u16, &str, &str); 9] = [
    (400, "BadJson", "Malformed JSON."),
    (401, "Unauthenticated", "Not logged in: no session cookie or API token, or an unknown or expired one."),
    (403, "ForbiddenRead", "The user's role may not do this."),
    (
        403,
        "Forbidden",
        "The user's role may not do this, or (with a session cookie) the X-CSRF-Token header is missing or wrong.",
    ),
    (404, "NotFound", "Not found, or not visible to this user."),
    (413, "TooLarge", "The body is too large."),
    (415, "NotJson", "The body is not sent as application/json."),
    (422, "Invalid", "The body is JSON of the wrong shape; `field` names the offending field."),
    (
        503,
        "Unavailable",
        "The node has stopped serving or the database is unavailable; retry after Retry-After.",
    ),
];

fn add_to_operation(method: HttpMethod, has_id: bool, op: &mut Operation) {
    if needs_login(op) {
        op.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
        add(op, "Unauthenticated");
        add(op, if method == HttpMethod::Get { "ForbiddenRead" } else { "Forbidden" });
    }
    if has_id {
        add(op, "NotFound");
    }
    let json_body = op.request_body.as_ref().is_some_and(|b| b.content.contains_key("application/json"));
    if json_body {
        for name in ["BadJson", "TooLarge", "NotJson", "Invalid"] {
            add(op, name);
        }
    }
    add(op, "Unavailable");
}

/// Refers the operation to a shared response, unless its handler describes that status itself.
fn add(op: &mut Operation, name: &str) {
    let (status, _, _) = SHARED.iter().find(|(_, n, _)| *n == name).expect("a shared response");
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
}
