//! What stands between a Lambda request and its operation: call counting per
//! operation, injected latency, Lambda's control-plane quotas (token buckets
//! per account and region, as Lambda's quotas are: GetFunction 100/s, every
//! other operation one shared 15/s bucket), and random throttling or
//! service errors. It must not look at function data.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::names::Place;
use super::protocol::ApiError;

/// The settings the admin API may change while the server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// How long an update stays InProgress (and a new function Pending).
    pub update_delay: Duration,
    /// Added before every Lambda request.
    pub latency: Duration,
    /// Enforce Lambda's control-plane quotas (GetFunction 100/s, the rest 15/s together).
    pub quotas: bool,
    /// Multiplies both quotas.
    pub quota_scale: f64,
    /// Probability of a random 429 TooManyRequestsException per request.
    pub throttle_rate: f64,
    /// Probability of a random 500 ServiceException per request.
    pub error_rate: f64,
}

/// `rtm sim serve` without flags.
impl Default for Settings {
    fn default() -> Self {
        Settings {
            update_delay: Duration::from_millis(500),
            latency: Duration::ZERO,
            quotas: false,
            quota_scale: 1.0,
            throttle_rate: 0.0,
            error_rate: 0.0,
        }
    }
}

/// Lambda's quotas, per second, before scaling.
const GET_FUNCTION_RATE: f64 = 100.0;
const CONTROL_PLANE_RATE: f64 = 15.0;

/// A token bucket holding at most one second's worth of tokens.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64) -> Bucket {
        Bucket {
            rate,
            tokens: rate.max(1.0),
            last: Instant::now(),
        }
    }

    /// Takes a token, or says how many seconds until one is there.
    fn take(&mut self, rate: f64) -> Result<(), f64> {
        let now = Instant::now();
        if (rate - self.rate).abs() > f64::EPSILON {
            *self = Bucket::new(rate);
        }
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate.max(1.0));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - self.tokens) / self.rate.max(f64::MIN_POSITIVE))
        }
    }
}

/// Counters for `GET /_sim/stats`.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stats {
    /// Calls per operation, including the throttled and failed ones.
    pub calls: BTreeMap<String, u64>,
    pub total_calls: u64,
    /// 429s answered, by quota or by injection.
    pub throttled: u64,
    /// 500 ServiceExceptions injected.
    pub service_errors: u64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        for (op, n) in &other.calls {
            *self.calls.entry(op.clone()).or_default() += n;
        }
        self.total_calls += other.total_calls;
        self.throttled += other.throttled;
        self.service_errors += other.service_errors;
    }
}

/// Which account-regions a stats call is about: `None` matches every one.
#[derive(Debug, Clone, Default)]
pub struct PlaceFilter {
    pub account: Option<String>,
    pub region: Option<String>,
}

impl PlaceFilter {
    pub fn matches(&self, place: &Place) -> bool {
        self.account.as_ref().is_none_or(|a| *a == place.account)
            && self.region.as_ref().is_none_or(|r| *r == place.region)
    }
}

/// The gate every Lambda request passes.
pub struct Gate {
    settings: Mutex<Settings>,
    /// (GetFunction, everything else) per account and region.
    buckets: Mutex<HashMap<Place, (Bucket, Bucket)>>,
    stats: Mutex<HashMap<Place, Stats>>,
    /// Draws the injected faults; seeded, a run's faults are reproducible.
    rng: Mutex<StdRng>,
}

impl Gate {
    pub fn new(settings: Settings, fault_seed: Option<u64>) -> Gate {
        let rng = match fault_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Gate {
            buckets: Mutex::new(HashMap::new()),
            settings: Mutex::new(settings),
            stats: Mutex::new(HashMap::new()),
            rng: Mutex::new(rng),
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// The counters of the account-regions `filter` matches, added up.
    pub fn stats(&self, filter: &PlaceFilter) -> Stats {
        let mut out = Stats::default();
        for (place, s) in self.stats.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if filter.matches(place) {
                out.add(s);
            }
        }
        out
    }

    /// The account-regions that have been called, in order.
    pub fn places(&self) -> Vec<Place> {
        let mut out: Vec<Place> = self
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        out.sort();
        out
    }

    pub fn reset_stats(&self, filter: &PlaceFilter) {
        self.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|place, _| !filter.matches(place));
    }

    fn count(&self, place: &Place, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(stats.entry(place.clone()).or_default());
    }

    /// Counts the call, waits the injected latency, and decides whether the
    /// request is throttled or fails before reaching its operation.
    pub async fn admit(&self, operation: &str, place: &Place) -> Result<(), ApiError> {
        self.count(place, |s| {
            *s.calls.entry(operation.to_owned()).or_default() += 1;
            s.total_calls += 1;
        });
        let settings = self.settings();
        if !settings.latency.is_zero() {
            tokio::time::sleep(settings.latency).await;
        }
        if settings.quotas {
            let taken = {
                let (get, rest) = (
                    GET_FUNCTION_RATE * settings.quota_scale,
                    CONTROL_PLANE_RATE * settings.quota_scale,
                );
                let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
                let pair = buckets
                    .entry(place.clone())
                    .or_insert_with(|| (Bucket::new(get), Bucket::new(rest)));
                if operation == "GetFunction" {
                    pair.0.take(get)
                } else {
                    pair.1.take(rest)
                }
            };
            if let Err(wait) = taken {
                self.count(place, |s| s.throttled += 1);
                return Err(ApiError::TooManyRequests {
                    retry_after_seconds: wait.ceil().max(1.0) as u64,
                });
            }
        }
        let (throttle, error) = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            (
                settings.throttle_rate > 0.0 && rng.random::<f64>() < settings.throttle_rate,
                settings.error_rate > 0.0 && rng.random::<f64>() < settings.error_rate,
            )
        };
        if throttle {
            self.count(place, |s| s.throttled += 1);
            return Err(ApiError::TooManyRequests {
                retry_after_seconds: 1,
            });
        }
        if error {
            self.count(place, |s| s.service_errors += 1);
            return Err(ApiError::Service(
                "An internal error occurred (injected by the emulator).".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_rate_then_refuses() {
        let mut b = Bucket::new(15.0);
        for _ in 0..15 {
            assert!(b.take(15.0).is_ok());
        }
        let wait = b.take(15.0).expect_err("empty");
        assert!(wait > 0.0 && wait <= 1.0 / 15.0 + 0.01, "{wait}");
    }
}
