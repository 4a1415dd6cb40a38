//! When a failed delivery is tried again: the delays after each failed attempt (Svix's schedule by
//! default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 27.6 hours in all), each stretched or
//! shrunk by up to a fifth at random so that the retries of many deliveries that failed together
//! do not arrive together, and never before a `Retry-After` the receiver asked for.

use std::time::Duration;

/// The delays between attempts; a delivery has `delays.len() + 1` attempts in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self(vec![
            Duration::from_secs(5),
            minutes(5),
            minutes(30),
            minutes(120),
            minutes(300),
            minutes(600),
            minutes(600),
        ])
    }
}

impl std::str::FromStr for RetrySchedule {
    type Err = String;

    /// `5s,5m,30m,2h`: each delay a number with its unit (`ms`, `s`, `m`, `h`).
    fn from_str(text: &str) -> Result<Self, String> {
        let delays = text
            .split(',')
            .map(|part| parse_delay(part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() || delays.len() > 20 {
            return Err("from 1 to 20 delays".into());
        }
        Ok(Self(delays))
    }
}

fn parse_delay(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit (ms, s, m or h)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number"))?;
    let millis = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("`{text}`: the unit is ms, s, m or h")),
    };
    let delay = Duration::from_millis(number.saturating_mul(millis));
    if delay > Duration::from_secs(7 * 24 * 3600) {
        return Err(format!("`{text}` is longer than a week"));
    }
    Ok(delay)
}

impl RetrySchedule {
    /// The wait after failed attempt number `attempts` (1 for the first), or None when that was
    /// the last one. `unit` is a random number in [0, 1) for the jitter; `retry_after` what the
    /// receiver asked for.
    pub fn next_delay(
        &self,
        attempts: usize,
        unit: f64,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let base = *self.0.get(attempts.checked_sub(1)?)?;
        let jittered = base.mul_f64(0.8 + 0.4 * unit.clamp(0.0, 1.0));
        Some(match retry_after {
            Some(asked) => jittered.max(asked.min(Duration::from_secs(24 * 3600))),
            None => jittered,
        })
    }

    pub fn attempts(&self) -> usize {
        self.0.len() + 1
    }
}

/// A `Retry-After` value: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_svix_and_about_a_day() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.attempts(), 8);
        let total: Duration = schedule.0.iter().sum();
        assert!((27..28).contains(&(total.as_secs() / 3600)), "{total:?}");
    }

    #[test]
    fn delays_jitter_within_a_fifth_and_end() {
        let schedule: RetrySchedule = "10s,1m".parse().unwrap();
        assert_eq!(
            schedule.next_delay(1, 0.0, None),
            Some(Duration::from_secs(8))
        );
        assert_eq!(
            schedule.next_delay(1, 0.999_999, None).map(|d| d.as_secs()),
            Some(11)
        );
        assert_eq!(
            schedule.next_delay(2, 0.5, None),
            Some(Duration::from_secs(60))
        );
        assert_eq!(schedule.next_delay(3, 0.5, None), None);
        assert_eq!(schedule.next_delay(0, 0.5, None), None);
        // Retry-After wins when it asks for longer, up to a day.
        assert_eq!(
            schedule.next_delay(1, 0.5, Some(Duration::from_secs(120))),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            schedule.next_delay(1, 0.5, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            schedule.next_delay(1, 0.5, Some(Duration::from_secs(999_999))),
            Some(Duration::from_secs(24 * 3600))
        );
    }

    #[test]
    fn schedules_parse_strictly() {
        let parsed: RetrySchedule = "100ms, 2s,5m,1h".parse().unwrap();
        assert_eq!(
            parsed.0,
            [
                Duration::from_millis(100),
                Duration::from_secs(2),
                Duration::from_secs(300),
                Duration::from_secs(3600)
            ]
        );
        for bad in ["", "5", "5x", "s", "-1s", "9999h", "1s,,2s"] {
            assert!(bad.parse::<RetrySchedule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 12:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 11:00:00 GMT", now),
            None
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
