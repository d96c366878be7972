//! The runtime catalogue: which managed runtimes exist, which runtime versions
//! each has per (runtime, region, architecture), and their ARNs. ARNs are
//! derived deterministically (sha256 of `runtime|region|arch|version`), so only
//! the number of the latest version of each key needs storing. This module
//! must not know about HTTP or storage.

use sha2::{Digest, Sha256};

/// A managed runtime: its identifier, the prefix of its version names, and the
/// number of its latest version before any release by the admin API.
struct ManagedRuntime {
    runtime: &'static str,
    version_prefix: &'static str,
    initial_latest: u32,
}

const MANAGED: &[ManagedRuntime] = &[
    ManagedRuntime {
        runtime: "nodejs18.x",
        version_prefix: "nodejs:18",
        initial_latest: 48,
    },
    ManagedRuntime {
        runtime: "nodejs20.x",
        version_prefix: "nodejs:20",
        initial_latest: 31,
    },
    ManagedRuntime {
        runtime: "nodejs22.x",
        version_prefix: "nodejs:22",
        initial_latest: 12,
    },
    ManagedRuntime {
        runtime: "nodejs24.x",
        version_prefix: "nodejs:24",
        initial_latest: 3,
    },
    ManagedRuntime {
        runtime: "python3.9",
        version_prefix: "python:3.9",
        initial_latest: 58,
    },
    ManagedRuntime {
        runtime: "python3.10",
        version_prefix: "python:3.10",
        initial_latest: 40,
    },
    ManagedRuntime {
        runtime: "python3.11",
        version_prefix: "python:3.11",
        initial_latest: 31,
    },
    ManagedRuntime {
        runtime: "python3.12",
        version_prefix: "python:3.12",
        initial_latest: 17,
    },
    ManagedRuntime {
        runtime: "python3.13",
        version_prefix: "python:3.13",
        initial_latest: 9,
    },
    ManagedRuntime {
        runtime: "python3.14",
        version_prefix: "python:3.14",
        initial_latest: 2,
    },
    ManagedRuntime {
        runtime: "java8.al2",
        version_prefix: "java:8.al2",
        initial_latest: 45,
    },
    ManagedRuntime {
        runtime: "java11",
        version_prefix: "java:11",
        initial_latest: 44,
    },
    ManagedRuntime {
        runtime: "java17",
        version_prefix: "java:17",
        initial_latest: 30,
    },
    ManagedRuntime {
        runtime: "java21",
        version_prefix: "java:21",
        initial_latest: 18,
    },
    ManagedRuntime {
        runtime: "java25",
        version_prefix: "java:25",
        initial_latest: 2,
    },
    ManagedRuntime {
        runtime: "dotnet8",
        version_prefix: "dotnet:8",
        initial_latest: 22,
    },
    ManagedRuntime {
        runtime: "dotnet10",
        version_prefix: "dotnet:10",
        initial_latest: 2,
    },
    ManagedRuntime {
        runtime: "ruby3.2",
        version_prefix: "ruby:3.2",
        initial_latest: 26,
    },
    ManagedRuntime {
        runtime: "ruby3.3",
        version_prefix: "ruby:3.3",
        initial_latest: 14,
    },
    ManagedRuntime {
        runtime: "ruby3.4",
        version_prefix: "ruby:3.4",
        initial_latest: 5,
    },
    ManagedRuntime {
        runtime: "ruby4.0",
        version_prefix: "ruby:4.0",
        initial_latest: 1,
    },
    ManagedRuntime {
        runtime: "provided.al2",
        version_prefix: "provided:al2",
        initial_latest: 63,
    },
    ManagedRuntime {
        runtime: "provided.al2023",
        version_prefix: "provided:al2023",
        initial_latest: 41,
    },
];

/// Every value of Lambda's `Runtime` enum (botocore 1.43).
pub const RUNTIME_ENUM: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
    "ruby4.0",
];

/// The architectures Lambda offers.
pub const ARCHITECTURES: &[&str] = &["x86_64", "arm64"];

/// Managed runtimes past their deprecation whose "block function create"
/// and "block function update" dates the emulator takes as passed:
/// python3.9 (deprecated 2025-12-15) and nodejs18.x (deprecated 2025-09-01).
/// Lambda blocks creates, then updates, some months after a deprecation,
/// and has moved those dates before (docs.aws.amazon.com/lambda/latest/dg/
/// lambda-runtimes.html, the deprecated runtimes table); the emulator is a
/// fixed model, not a calendar, so both behaviours can be tested: functions
/// already on them keep their runtime versions, reads and runtime
/// management, but no function can be created or updated *to* them.
const BLOCKED: &[&str] = &["python3.9", "nodejs18.x"];

/// Whether the catalogue has runtime versions of `runtime`: functions on it
/// can exist (seeds may create them, deprecated or not).
pub fn is_managed(runtime: &str) -> bool {
    MANAGED.iter().any(|m| m.runtime == runtime)
}

/// Whether Lambda still lets functions be created or updated with `runtime`.
pub fn is_supported(runtime: &str) -> bool {
    is_managed(runtime) && !BLOCKED.contains(&runtime)
}

/// The names of every managed runtime, in catalogue order.
pub fn managed_runtimes() -> impl Iterator<Item = &'static str> {
    MANAGED.iter().map(|m| m.runtime)
}

/// Identifies one version line: runtime versions differ per region and architecture.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CatalogueKey {
    pub runtime: String,
    pub region: String,
    pub architecture: String,
}

impl CatalogueKey {
    pub fn new(runtime: &str, region: &str, architecture: &str) -> CatalogueKey {
        CatalogueKey {
            runtime: runtime.to_owned(),
            region: region.to_owned(),
            architecture: architecture.to_owned(),
        }
    }

    /// The storage key, `runtime|region|arch`.
    pub fn storage_key(&self) -> String {
        format!("{}|{}|{}", self.runtime, self.region, self.architecture)
    }

    pub fn from_storage_key(key: &str) -> Option<CatalogueKey> {
        let mut parts = key.split('|');
        let key = CatalogueKey::new(parts.next()?, parts.next()?, parts.next()?);
        parts.next().is_none().then_some(key)
    }

    /// The latest version number before any release, if the runtime is managed.
    pub fn initial_latest(&self) -> Option<u32> {
        MANAGED
            .iter()
            .find(|m| m.runtime == self.runtime)
            .map(|m| m.initial_latest)
    }

    /// The runtime version `number`, e.g. `python:3.12.v17` and its ARN.
    pub fn version(&self, number: u32) -> Option<RuntimeVersion> {
        let prefix = MANAGED
            .iter()
            .find(|m| m.runtime == self.runtime)?
            .version_prefix;
        let name = format!("{prefix}.v{number}");
        let digest = Sha256::digest(
            format!(
                "{}|{}|{}|{}",
                self.runtime, self.region, self.architecture, name
            )
            .as_bytes(),
        );
        Some(RuntimeVersion {
            arn: format!(
                "arn:aws:lambda:{}::runtime:{}",
                self.region,
                hex::encode(digest)
            ),
            name,
            number,
        })
    }

    /// Finds the version with `arn` among versions `1..=latest`.
    pub fn find_arn(&self, arn: &str, latest: u32) -> Option<RuntimeVersion> {
        (1..=latest)
            .rev()
            .filter_map(|n| self.version(n))
            .find(|v| v.arn == arn)
    }
}

/// One runtime version: its display name, number and ARN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuntimeVersion {
    pub name: String,
    pub number: u32,
    pub arn: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_deterministic_and_differ_per_region_and_architecture() {
        let a = CatalogueKey::new("python3.12", "us-east-1", "x86_64");
        let v = a.version(17).expect("managed");
        assert_eq!(v.name, "python:3.12.v17");
        assert_eq!(v, a.version(17).expect("managed"));
        let hex = v
            .arn
            .strip_prefix("arn:aws:lambda:us-east-1::runtime:")
            .expect("prefix");
        assert_eq!(hex.len(), 64);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        let arm = CatalogueKey::new("python3.12", "us-east-1", "arm64");
        let west = CatalogueKey::new("python3.12", "eu-west-1", "x86_64");
        assert_ne!(v.arn, arm.version(17).expect("managed").arn);
        assert_ne!(v.arn, west.version(17).expect("managed").arn);
        assert_eq!(a.find_arn(&v.arn, 17), Some(v.clone()));
        assert_eq!(a.find_arn(&v.arn, 16), None);
        assert_eq!(arm.find_arn(&v.arn, 17), None);
    }

    #[test]
    fn every_managed_runtime_is_in_the_enum() {
        for r in managed_runtimes() {
            assert!(RUNTIME_ENUM.contains(&r), "{r}");
        }
        assert!(!is_supported("python3.8"));
        assert!(is_managed("python3.9") && !is_supported("python3.9"));
        for blocked in BLOCKED {
            assert!(is_managed(blocked), "{blocked}");
        }
    }
}
