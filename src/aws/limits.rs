//! Client-side rate limits matched to Lambda's control-plane quotas: 100/s
//! for GetFunction, and one 15/s bucket shared by every other operation. A
//! large plan or apply paces itself just under them instead of hammering the
//! API and retrying.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Lambda's quotas, per second.
pub const GET_FUNCTION_PER_SECOND: f64 = 100.0;
pub const CONTROL_PLANE_PER_SECOND: f64 = 15.0;

/// Headroom under the quota: the service's bucket gains 3% a second on us,
/// which absorbs the jitter between when we send and when it counts.
const HEADROOM: f64 = 0.97;

/// The part of a second's worth of calls the client sends at once.
const BURST: f64 = 0.8;

pub struct RateLimits {
    get_function: DefaultDirectRateLimiter,
    control_plane: DefaultDirectRateLimiter,
    per_second: (f64, f64),
}

impl RateLimits {
    /// Lambda's quotas multiplied by `scale`.
    pub fn lambda(scale: f64) -> RateLimits {
        let get = GET_FUNCTION_PER_SECOND * scale * HEADROOM;
        let other = CONTROL_PLANE_PER_SECOND * scale * HEADROOM;
        RateLimits {
            get_function: RateLimiter::direct(quota(get)),
            control_plane: RateLimiter::direct(quota(other)),
            per_second: (get, other),
        }
    }

    /// The (GetFunction, everything else) rates this limiter allows.
    pub fn per_second(&self) -> (f64, f64) {
        self.per_second
    }

    /// The service throttled us: its bucket is emptier than ours (someone
    /// else shares the account's quota, or an earlier run used it). Drop the
    /// burst we still hold, so from now on we send at the steady rate.
    pub fn throttled(&self, operation: &str) {
        let limiter = if Self::own_bucket(operation) {
            &self.get_function
        } else {
            &self.control_plane
        };
        while limiter.check().is_ok() {}
    }

    /// Whether an operation has a quota of its own (GetFunction, 100/s)
    /// rather than sharing the control plane's 15/s.
    pub fn own_bucket(operation: &str) -> bool {
        operation == "GetFunction"
    }

    pub async fn acquire(&self, operation: &str) {
        if Self::own_bucket(operation) {
            self.get_function.until_ready().await;
        } else {
            self.control_plane.until_ready().await;
        }
    }
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("per_second", &self.per_second)
            .finish()
    }
}

fn quota(per_second: f64) -> Quota {
    let per_second = per_second.max(0.1);
    let period = Duration::from_secs_f64(1.0 / per_second);
    // A token bucket like the service's, starting full, so a small fleet is
    // read at once and a large one at the quota's pace; but holding only
    // BURST of a second's worth: requests let go together do not arrive
    // together (a new connection, a busy core), and a service bucket a few
    // tokens fuller than ours absorbs that delay (up to 0.2 s of it) where
    // an equal one answers 429.
    let burst =
        NonZeroU32::new(((per_second * BURST).floor() as u32).max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}
