//! The write load of `bench/writes`: E editors at once, each creating a news item and then
//! changing it with `PATCH` and `If-Match` (the ETag of its last answer), for D seconds.
//! Prints, per operation, requests/s and p50/p99/max latency, and the count of failures.
//!
//!   write_load BASE_URL EMAIL PASSWORD EDITORS SECONDS [PATCHES_PER_ITEM]

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, ETAG, IF_MATCH};
use serde_json::json;

#[derive(Default)]
struct Tally {
    creates: Vec<Duration>,
    patches: Vec<Duration>,
    failures: Vec<String>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, email, password, editors, seconds, rest @ ..] = args.as_slice() else {
        return Err("usage: write_load BASE_URL EMAIL PASSWORD EDITORS SECONDS [PATCHES]".into());
    };
    let editors: usize = editors.parse()?;
    let seconds: u64 = seconds.parse()?;
    let patches: usize = rest.first().map_or(Ok(4), |p| p.parse())?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = format!(
        "Bearer {}",
        login["access_token"].as_str().ok_or("no access_token")?
    );
    let run_id = std::process::id();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..editors)
        .map(|editor| {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut item = 0usize;
                while Instant::now() < deadline {
                    item += 1;
                    let slug = format!("bench-{run_id}-{editor}-{item}");
                    let body = json!({
                        "slug": slug,
                        "title": { "en": format!("Bench item {editor}-{item}") },
                        "summary": { "en": "A write benchmark item." },
                        "body": { "en": "Written by **bench/writes**, then changed a few times." },
                        "status": "published",
                        "tags": ["bench"],
                    });
                    let start = Instant::now();
                    let created = client
                        .post(format!("{base}/api/v1/news"))
                        .header(AUTHORIZATION, &token)
                        .json(&body)
                        .send()
                        .await;
                    let Some((id, mut etag)) = written(created, &mut tally, 201).await else {
                        continue;
                    };
                    tally.creates.push(start.elapsed());
                    for n in 0..patches {
                        if Instant::now() >= deadline {
                            break;
                        }
                        let start = Instant::now();
                        let patched = client
                            .patch(format!("{base}/api/v1/news/{id}"))
                            .header(AUTHORIZATION, &token)
                            .header(IF_MATCH, &etag)
                            .json(&json!({ "summary": { "en": format!("Changed {n} times.") } }))
                            .send()
                            .await;
                        match written(patched, &mut tally, 200).await {
                            Some((_, next)) => {
                                tally.patches.push(start.elapsed());
                                etag = next;
                            }
                            None => break,
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await?;
        all.creates.extend(tally.creates);
        all.patches.extend(tally.patches);
        all.failures.extend(tally.failures);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("editors {editors}, {seconds} s, {patches} patches per item");
    report("create", &mut all.creates, elapsed);
    report("patch (If-Match)", &mut all.patches, elapsed);
    let mut writes: Vec<Duration> = all.creates.iter().chain(&all.patches).copied().collect();
    report("all writes", &mut writes, elapsed);
    println!("failures {}", all.failures.len());
    for failure in all.failures.iter().take(5) {
        println!("  {failure}");
    }
    if !all.failures.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// The item's id and the answer's ETag, or None (the failure tallied).
async fn written(
    response: reqwest::Result<reqwest::Response>,
    tally: &mut Tally,
    expected: u16,
) -> Option<(String, String)> {
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            tally.failures.push(e.to_string());
            return None;
        }
    };
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    match (status == expected, etag, body["id"].as_str()) {
        (true, Some(etag), Some(id)) => Some((id.to_owned(), etag)),
        _ => {
            tally.failures.push(format!("{status}: {body}"));
            None
        }
    }
}

fn report(name: &str, latencies: &mut [Duration], elapsed: f64) {
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{name:<20} {:>8} requests {:>9.1} requests/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.99),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );
}
