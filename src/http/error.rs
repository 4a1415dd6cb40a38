//! One error type for the whole API and its RFC 9457 problem+json mapping.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The challenge of every rejected bearer token (RFC 6750).
pub const BEARER_CHALLENGE: &str = "Bearer error=\"invalid_token\"";

/// Seconds a client is asked to wait (`Retry-After`) when the database is unavailable.
const RETRY_AFTER_SECONDS: u32 = 5;

/// Everything a handler can fail with. Only `Internal` hides its cause from the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        kind: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    HeadersTooLarge(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("invalid values")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    UnprocessableRequest { kind: &'static str, detail: String },
    #[error("too many requests; retry in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// An error response that did not come from this type (a middleware's or the framework's),
    /// retold as a problem with the same status; `detail` is ours, never the original body.
    #[error("{detail}")]
    Other {
        status: StatusCode,
        kind: &'static str,
        detail: String,
    },
}

/// One problem with one input field (or query parameter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "per_page", "message": "must be between 1 and 100"}))]
pub struct FieldError {
    /// The field or query parameter, as the client named it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem document; every error response of the API has this shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:orgcms:problem:invalid-parameter",
    "title": "Bad Request",
    "status": 400,
    "detail": "per_page: must be between 1 and 100",
    "errors": [{"field": "per_page", "message": "must be between 1 and 100"}]
}))]
pub struct Problem {
    /// A URI that identifies the kind of problem (`urn:orgcms:problem:<kind>`); stable, so
    /// clients can switch on it.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP reason phrase of `status`.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a human.
    pub detail: String,
    /// One entry per invalid field or parameter, when the problem is about input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn invalid_parameter(field: &str, message: impl Into<String>) -> Self {
        let error = FieldError {
            field: field.to_owned(),
            message: message.into(),
        };
        Self::BadRequest {
            kind: "invalid-parameter",
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    pub fn bad_request(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest { kind, .. } => kind,
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidCredentials => "invalid-credentials",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed(_) => "precondition-failed",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::HeadersTooLarge(_) => "request-header-fields-too-large",
            Self::RequestTimeout(_) => "request-timeout",
            Self::Validation(_) => "validation",
            Self::UnprocessableRequest { kind, .. } => kind,
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
            Self::Other { kind, .. } => kind,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            Self::BadRequest { detail, errors, .. } => (detail.clone(), errors.clone()),
            Self::Validation(errors) => {
                ("one or more values are invalid".to_owned(), errors.clone())
            }
            // The cause goes to the log, never to the client.
            Self::Unavailable(_) => (
                "the service is temporarily unavailable; retry later".to_owned(),
                Vec::new(),
            ),
            Self::Internal(_) => ("an unexpected error occurred".to_owned(), Vec::new()),
            other => (other.to_string(), Vec::new()),
        };
        Problem {
            problem_type: format!("urn:orgcms:problem:{}", self.kind()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Validation(_) | Self::UnprocessableRequest { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Other { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, BEARER_CHALLENGE));
            }
            // The rest of the body may still come: the connection cannot carry another request.
            Self::RequestTimeout(_) => {
                response.force_close();
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound("the item does not exist".into()),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => Self::Conflict(format!(
                    "an item with the same {} already exists",
                    info.constraint_name().map_or("key", unique_field)
                )),
                DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation => Self::Validation(vec![FieldError {
                    field: info.column_name().unwrap_or("body").to_owned(),
                    message: "violates a rule of the content model".into(),
                }]),
                DatabaseErrorKind::ClosedConnection => Self::Unavailable(info.message().into()),
                _ if cancelled(info.message()) => Self::Unavailable(info.message().into()),
                _ => Self::Internal(format!("{kind:?}: {}", info.message())),
            },
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Whether PostgreSQL gave up on a statement: it ran past `statement_timeout` or was cancelled
/// (SQLSTATE 57014, "canceling statement due to statement timeout"), waited past
/// `lock_timeout` (55P03, "canceling statement due to lock timeout"), or could not take a lock
/// at once (55P03, "could not obtain lock on row ..."). All of them pass: the request may be
/// retried (503 with `Retry-After`). diesel reports them as `DatabaseErrorKind::Unknown` and
/// does not expose the SQLSTATE, so the server's primary message tells them; the messages are
/// PostgreSQL's English ones (`lc_messages` C or en, which start-up checks).
fn cancelled(message: &str) -> bool {
    message.starts_with("canceling statement due to ")
        || message.starts_with("could not obtain lock on ")
}

/// `news_slug_key` -> `slug`: the column part of a unique constraint's conventional name.
fn unique_field(constraint: &str) -> &str {
    let trimmed = constraint.strip_suffix("_key").unwrap_or(constraint);
    trimmed
        .split_once('_')
        .map_or(trimmed, |(_, column)| column)
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem = ApiError::Internal("SELECT secret FROM users".into()).problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("SELECT"));
        let problem = ApiError::Unavailable("connection refused at /var/run".into()).problem();
        assert_eq!(problem.status, 503);
        assert!(!problem.detail.contains("/var/run"));
    }

    #[test]
    fn problems_carry_type_title_and_field_errors() {
        let problem = ApiError::invalid_parameter("page", "must be at least 1").problem();
        assert_eq!(problem.problem_type, "urn:orgcms:problem:invalid-parameter");
        assert_eq!(problem.title, "Bad Request");
        assert_eq!(problem.errors.len(), 1);
        assert_eq!(problem.errors[0].field, "page");
    }

    #[test]
    fn cancelled_statements_are_unavailable_not_internal() {
        for message in [
            "canceling statement due to statement timeout",
            "canceling statement due to lock timeout",
            "canceling statement due to user request",
            "could not obtain lock on row in relation \"news\"",
        ] {
            let error = ApiError::from(DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(message.to_owned()),
            ));
            assert!(matches!(error, ApiError::Unavailable(_)), "{message}");
            assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        }
        let error = ApiError::from(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("division by zero".to_owned()),
        ));
        assert!(matches!(error, ApiError::Internal(_)));
    }

    #[test]
    fn unique_constraint_names_become_fields() {
        assert_eq!(unique_field("news_slug_key"), "slug");
        assert_eq!(unique_field("users_email_key"), "email");
        assert_eq!(unique_field("odd"), "odd");
    }
}
