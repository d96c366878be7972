//! The SDK config every client and credentials provider of a run starts
//! from: rtm's one HTTP client, its timeouts and (no) SDK retries, the
//! command line's region, profile and endpoint, and where a profile's
//! credentials come from.

use std::time::Duration;

use aws_config::BehaviorVersion;

use super::ConnectOptions;

/// rtm's one HTTP client: rustls with ring (no aws-lc-sys, no second TLS
/// stack), for every AWS client and credentials provider.
fn http_client() -> aws_sdk_lambda::config::SharedHttpClient {
    use aws_smithy_http_client::{Builder, tls};
    Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The profile files aws-config reads (AWS_CONFIG_FILE and
/// AWS_SHARED_CREDENTIALS_FILE, or their defaults), plus, with
/// `--endpoint-url`, one more in memory that gives `profile` that
/// `endpoint_url`. aws-config sends the STS calls of its credentials
/// providers (a profile's `role_arn`/`source_profile` chain, the web
/// identity of CI's OIDC flow) to the endpoint the selected profile or
/// AWS_ENDPOINT_URL names, never to the loader's `endpoint_url`: without
/// this `--endpoint-url` alone sent them to the real STS. Later files override
/// earlier ones property by property, so the rest of the profile stands.
fn profile_files(
    opts: &ConnectOptions,
    profile: &str,
) -> Option<aws_runtime::env_config::file::EnvConfigFiles> {
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    let url = opts.endpoint_url.as_deref()?;
    let section = if profile == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {profile}]")
    };
    Some(
        EnvConfigFiles::builder()
            .include_default_config_file(true)
            .include_default_credentials_file(true)
            .with_contents(
                EnvConfigFileKind::Config,
                format!("{section}\nendpoint_url = {url}\n"),
            )
            .build(),
    )
}

/// The SDK config every client of a run starts from: rtm's HTTP client
/// (rustls with ring), no SDK retries (rtm retries itself, under its rate
/// limits), short timeouts, and the overrides of the command line (`profile`
/// for an account block's own profile).
pub(crate) async fn base_config(
    opts: &ConnectOptions,
    profile: Option<&str>,
) -> aws_config::SdkConfig {
    let http = http_client();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                // A Lambda endpoint that is up accepts at once; one that
                // is not should fail the run quickly.
                .connect_timeout(Duration::from_secs(3))
                // Control-plane answers take well under a second, a
                // large ListFunctions page a few: 10 s is a lost request.
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        );
    if let Some(region) = &opts.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    // The default chain's web identity and profile providers reach STS
    // through the selected profile's endpoint, not the loader's.
    let selected = profile.or(opts.env_profile.as_deref()).unwrap_or("default");
    if let Some(files) = profile_files(opts, selected) {
        loader = loader.profile_files(files);
    }
    // Lambda and STS alike (`--endpoint-url`, AWS_ENDPOINT_URL).
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "rtm-sandbox",
            "rtm-sandbox",
            None,
            None,
            "rtm-sandbox",
        ));
        return loader.load().await;
    }
    let sdk = loader.load().await;
    let Some(profile) = profile else {
        return sdk;
    };
    // A profile named on the command line or in an account block gives the
    // credentials: its own keys or its role_arn/source_profile chain, never
    // the environment's AWS_ACCESS_KEY_ID (which aws-config's default chain
    // would try first), as the AWS CLI does with --profile.
    let mut provider =
        aws_config::profile::ProfileFileCredentialsProvider::builder().profile_name(profile);
    if let Some(files) = profile_files(opts, profile) {
        provider = provider.profile_files(files);
    }
    let provider = provider
        .configure(
            &aws_config::provider_config::ProviderConfig::default()
                .with_http_client(http_client())
                .with_region(sdk.region().cloned()),
        )
        .build();
    sdk.into_builder()
        .credentials_provider(aws_sdk_lambda::config::SharedCredentialsProvider::new(
            provider,
        ))
        .build()
}
