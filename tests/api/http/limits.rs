//! The body limit holds memory down: 1 000 bodies over the limit, half streamed in chunks and
//! half with a `Content-Length`, all refused with 413, leave the resident memory of a real
//! `orgcms serve` process less than 50 MiB above what it was before them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{TestDatabase, TEST_JWT_SECRET};

const REQUESTS: usize = 1000;
const CLIENTS: usize = 8;
const LIMIT: usize = 1 << 20;
const MAX_GROWTH_KIB: u64 = 50 * 1024;

/// The server process, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

/// The status code of the answer to `head` and what `body` writes, if one came. The answer is
/// read while the body is still being written: a server that refuses early may close the
/// connection before the client has written everything, and the answer must not be lost then.
fn exchange(address: &str, head: &str, body: impl FnOnce(&mut TcpStream)) -> Option<u16> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut reader = stream.try_clone().ok()?;
    let answer = std::thread::spawn(move || {
        let mut status_line = [0u8; 12];
        reader.read_exact(&mut status_line).ok()?;
        std::str::from_utf8(&status_line[9..]).ok()?.parse().ok()
    });
    if stream.write_all(head.as_bytes()).is_ok() {
        body(&mut stream);
    }
    answer.join().ok()?
}

/// POSTs `size` bytes to the login (which reads its body before anything else), in 64 KiB
/// pieces, chunked or with a Content-Length; stops writing when the server stops reading.
fn oversize(address: &str, chunked: bool, size: usize) -> Option<u16> {
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {size}")
    };
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         {framing}\r\nConnection: close\r\n\r\n"
    );
    exchange(address, &head, |stream| {
        let piece = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            let n = piece.len().min(size - sent);
            let written = if chunked {
                stream
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|()| stream.write_all(&piece[..n]))
                    .and_then(|()| stream.write_all(b"\r\n"))
            } else {
                stream.write_all(&piece[..n])
            };
            if written.is_err() {
                return;
            }
            sent += n;
        }
        if chunked {
            let _ = stream.write_all(b"0\r\n\r\n");
        }
    })
}

fn start_server(db: &TestDatabase) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_orgcms"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("ORGCMS_BIND", &address)
        .env("ORGCMS_WORKERS", "2")
        .env("ORGCMS_DB_POOL_SIZE", "2")
        .env("ORGCMS_JWT_SECRET", TEST_JWT_SECRET)
        .env("ORGCMS_MAX_BODY_BYTES", LIMIT.to_string())
        // One client sends them all: the request budget would answer most of them first.
        .env("ORGCMS_RATE_LIMIT_PER_MINUTE", "0")
        .env("ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE", "0")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let started = Instant::now();
    loop {
        let ready = exchange(
            &address,
            "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
            |_| {},
        );
        if ready == Some(200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, address)
}

#[test]
fn a_thousand_oversize_bodies_do_not_grow_the_server() {
    let db = TestDatabase::new();
    let (server, address) = start_server(&db);
    let pid = server.0.id();
    let before = rss_kib(pid);
    let started = Instant::now();
    let statuses: Vec<Option<u16>> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let address = address.clone();
                scope.spawn(move || {
                    (0..REQUESTS / CLIENTS)
                        .map(|i| oversize(&address, (client + i) % 2 == 0, LIMIT + 64 * 1024))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    let elapsed = started.elapsed();
    let after = rss_kib(pid);
    let refused = statuses.iter().filter(|s| **s == Some(413)).count();
    eprintln!(
        "{REQUESTS} oversize requests ({} KiB each, {CLIENTS} clients) in {elapsed:?}: \
         {refused} answered 413; server VmRSS {before} KiB before, {after} KiB after \
         ({:+} KiB)",
        (LIMIT + 64 * 1024) / 1024,
        after as i64 - before as i64
    );
    assert_eq!(statuses.len(), REQUESTS);
    assert_eq!(refused, REQUESTS, "{statuses:?}");
    assert!(
        after < before + MAX_GROWTH_KIB,
        "the server grew from {before} KiB to {after} KiB"
    );
    // And it still serves.
    assert_eq!(
        exchange(
            &address,
            "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
            |_| {}
        ),
        Some(200)
    );
}
