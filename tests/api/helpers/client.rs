//! Requests as a test tells them: who asks, what, with which headers, and what must come back.
//!
//! ```ignore
//! let editor = app.as_editor().await;
//! let created = editor.post("/api/v1/news", article).idempotency_key("k").await;
//! assert_eq!(created.status(), 201);
//! let item = editor.get(&created.location()).good().await;
//! editor.patch(&created.location(), patch).if_match(&created.etag()).problem(412).await;
//! let news = app.get("/api/v1/news").good().await; // anonymous
//! ```
//!
//! A request is sent when it is awaited (`.await` is `.send().await`), or by `.good()` and
//! `.problem(status)`, which send it and check the response.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Method;
use serde_json::Value;

use super::{assert_problem, TestApp};

/// Who asks: anonymous, or with a bearer token. Cheap to clone and `'static`, so it goes into
/// closures and spawned tasks.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    address: String,
    token: Option<String>,
    timeout: Option<Duration>,
}

impl TestApp {
    /// A client without credentials.
    pub fn anon(&self) -> Client {
        Client {
            http: self.client.clone(),
            address: self.address.clone(),
            token: None,
            timeout: None,
        }
    }

    /// A client that sends `token` as its bearer token (valid or not).
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_owned()),
            ..self.anon()
        }
    }

    /// A client logged in to a new editor account.
    pub async fn as_editor(&self) -> Client {
        self.with_token(&self.editor_token().await)
    }

    /// A client logged in to a new administrator account.
    pub async fn as_admin(&self) -> Client {
        self.with_token(&self.token_for("admin").await)
    }

    /// An anonymous GET.
    pub fn get(&self, path: &str) -> Request {
        self.anon().get(path)
    }
}

impl Client {
    /// The same client, talking to the server at `address` (another node).
    pub fn at(&self, address: &str) -> Self {
        Self {
            address: address.to_owned(),
            ..self.clone()
        }
    }
}

impl Client {
    /// The same client, giving up on each request after `timeout`.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self {
            timeout: Some(timeout),
            ..self
        }
    }

    /// A request of any method, without a body.
    pub fn request(&self, method: Method, path: &str) -> Request {
        let mut builder = self
            .http
            .request(method.clone(), format!("{}{path}", self.address));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        Request {
            builder,
            what: format!("{method} {path}"),
            body: None,
        }
    }

    pub fn get(&self, path: &str) -> Request {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str, body: Value) -> Request {
        self.request(Method::POST, path).json(body)
    }

    /// A POST of `body` as it is, under `content_type`.
    pub fn post_raw(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Request {
        self.request(Method::POST, path).raw(content_type, body)
    }

    pub fn put(&self, path: &str, body: Value) -> Request {
        self.request(Method::PUT, path).json(body)
    }

    /// A PATCH with a JSON body (`application/json`).
    pub fn patch(&self, path: &str, body: Value) -> Request {
        self.request(Method::PATCH, path).json(body)
    }

    /// A PATCH that says what it is: `application/merge-patch+json`.
    pub fn merge_patch(&self, path: &str, body: Value) -> Request {
        self.patch(path, body)
            .header("Content-Type", "application/merge-patch+json")
    }

    pub fn delete(&self, path: &str) -> Request {
        self.request(Method::DELETE, path)
    }
}

enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

/// A request not sent yet: add headers, then await it.
pub struct Request {
    builder: reqwest::RequestBuilder,
    /// Method and path, for the messages of failed assertions.
    what: String,
    /// Set when sent, so that a `Content-Type` header given before wins over JSON's.
    body: Option<Body>,
}

impl Request {
    pub fn header<V>(mut self, name: &str, value: V) -> Self
    where
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Debug,
    {
        let value = value.try_into().expect("a valid header value");
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn if_match(self, etag: &str) -> Self {
        self.header("If-Match", etag)
    }

    pub fn if_none_match(self, etag: &str) -> Self {
        self.header("If-None-Match", etag)
    }

    pub fn idempotency_key(self, key: &str) -> Self {
        self.header("Idempotency-Key", key)
    }

    /// A JSON body (`application/json` unless a `Content-Type` header says otherwise).
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// A body sent as it is, under `content_type`.
    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(Body::Raw(body.into()));
        self.header("Content-Type", content_type)
    }

    /// Sends the request and asserts 200 OK: the JSON body (`Response::good`).
    pub async fn good(self) -> Value {
        self.send().await.good().await
    }

    /// Sends the request and asserts a 2xx: the JSON body, or null when there is none.
    pub async fn success(self) -> Value {
        let sent = match &self.body {
            Some(Body::Json(body)) => format!(" {body}"),
            _ => String::new(),
        };
        let what = self.what.clone();
        let response = self.send().await;
        let status = response.status();
        let text = response.text().await;
        assert!(status.is_success(), "{what}{sent}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Sends the request and asserts a problem of `status` (`Response::problem`).
    pub async fn problem(self, status: u16) -> Value {
        self.send().await.problem(status).await
    }

    pub async fn send(self) -> Response {
        let builder = match self.body {
            Some(Body::Json(body)) => self.builder.json(&body),
            Some(Body::Raw(body)) => self.builder.body(body),
            None => self.builder,
        };
        let inner = builder
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.what));
        Response {
            inner,
            what: self.what,
        }
    }
}

impl IntoFuture for Request {
    type Output = Response;
    type IntoFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response, with the checks tests make of it. Derefs to `reqwest::Response` for the rest
/// (`headers()`, `url()`).
pub struct Response {
    inner: reqwest::Response,
    what: String,
}

impl std::ops::Deref for Response {
    type Target = reqwest::Response;

    fn deref(&self) -> &reqwest::Response {
        &self.inner
    }
}

impl Response {
    /// Asserts 200 OK and returns the JSON body.
    pub async fn good(self) -> Value {
        let status = self.inner.status();
        if status != 200 {
            let body = self.inner.text().await.unwrap_or_default();
            panic!("{}: {status}, not 200: {body}", self.what);
        }
        self.json().await
    }

    /// Asserts an RFC 9457 problem of `status` (see `assert_problem`) and returns its body.
    pub async fn problem(self, status: u16) -> Value {
        assert_problem(self.inner, status).await
    }

    /// The JSON body, whatever the status.
    pub async fn json(self) -> Value {
        let what = self.what;
        self.inner
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: the body is no JSON: {e}"))
    }

    pub async fn text(self) -> String {
        self.inner.text().await.unwrap()
    }

    pub async fn bytes(self) -> Vec<u8> {
        self.inner.bytes().await.unwrap().to_vec()
    }

    /// The value of header `name`, which must be there.
    pub fn header(&self, name: &str) -> &str {
        self.inner
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("{}: no {name} header", self.what))
            .to_str()
            .unwrap()
    }

    /// The value of header `name`, if there is one.
    pub fn maybe_header(&self, name: &str) -> Option<&str> {
        self.inner
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap())
    }

    pub fn etag(&self) -> String {
        self.header("etag").to_owned()
    }

    pub fn location(&self) -> String {
        self.header("location").to_owned()
    }
}
