//! Table tests of the diff: (desired, state, live) -> attributes and steps.

use std::collections::BTreeMap;

use super::*;
use crate::model::{
    Address, Configuration, DesiredFunction, FunctionRef, LiveRuntimeManagement, RuntimeManagement,
    SourceLocation,
};
use UpdateRuntimeOn::{Auto, FunctionUpdate, Manual};

fn arn(c: char) -> RuntimeVersionArn {
    RuntimeVersionArn::parse(&format!(
        "arn:aws:lambda:us-east-1::runtime:{}",
        c.to_string().repeat(64)
    ))
    .unwrap()
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 21)
}

fn desired(
    qualifier: Qualifier,
    rm: Option<(UpdateRuntimeOn, Option<char>, Option<jiff::civil::Date>)>,
    configuration: Configuration,
) -> DesiredFunction {
    DesiredFunction {
        address: Address::parse("function.f").unwrap(),
        function: FunctionRef::parse("f").unwrap().0,
        qualifier,
        account: None,
        region: None,
        runtime_management: rm.map(|(mode, a, pin_until)| RuntimeManagement {
            update_runtime_on: mode,
            runtime_version_arn: a.map(arn),
            pin_until,
            reason: None,
        }),
        configuration,
        source: SourceLocation::default(),
    }
}

fn live(mode: UpdateRuntimeOn, pinned: Option<char>, runtime: &str, memory: i64) -> Live {
    Live {
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
        qualifier: Qualifier::Latest,
        revision_id: "rev-1".into(),
        package_type: "Zip".into(),
        architecture: "x86_64".into(),
        last_update_status: Some("Successful".into()),
        last_update_status_reason_code: None,
        last_modified: Some("2026-11-01T10:00:00.000+0000".into()),
        configuration: {
            let mut c = Configuration::default()
                .with("configuration.runtime", AttrValue::String(runtime.into()))
                .with("configuration.memory_size", AttrValue::Int(memory))
                .with("configuration.timeout", AttrValue::Int(3));
            c.environment = Some(BTreeMap::new());
            c
        },
        running_runtime_version_arn: Some(arn('0')),
        runtime_management: LiveRuntimeManagement {
            update_runtime_on: mode,
            runtime_version_arn: pinned.map(arn),
        },
        tags: Default::default(),
    }
}

fn conf(runtime: Option<&str>, memory: Option<i64>) -> Configuration {
    let mut c = Configuration::default();
    if let Some(r) = runtime {
        c = c.with("configuration.runtime", AttrValue::String(r.into()));
    }
    if let Some(m) = memory {
        c = c.with("configuration.memory_size", AttrValue::Int(m));
    }
    c
}

fn plan(d: &DesiredFunction, r: Option<&Recorded>, l: &Live) -> Result<FunctionPlan, String> {
    let salt = Salt("salt".into());
    diff_function(
        &FunctionInput {
            desired: d,
            recorded: r,
            observed: &Observed::of(l, &salt, jiff::Timestamp::UNIX_EPOCH),
        },
        &Context {
            salt: &salt,
            today: today(),
            claim_as: None,
        },
    )
}

/// Steps as short labels: `Put(Manual,b)`, `Update(runtime,memory_size)`.
fn steps(p: &FunctionPlan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| match s.operation {
            Operation::PutRuntimeManagementConfig => format!(
                "Put({}{}{})",
                s.mode().expect("mode"),
                s.pinned()
                    .as_ref()
                    .map(|a| format!(",{}", &a.as_str()[a.as_str().len() - 1..]))
                    .unwrap_or_default(),
                match s.request.query.get("Qualifier").map(String::as_str) {
                    Some("$LATEST") | None => String::new(),
                    Some(q) => format!(",q={q}"),
                }
            ),
            Operation::UpdateFunctionConfiguration => {
                let fields: Vec<String> = s
                    .records
                    .set
                    .keys()
                    .map(|p| p.trim_start_matches("configuration.").to_string())
                    .collect();
                format!("Update({})", fields.join(","))
            }
            Operation::TagResource => "Tag".to_string(),
        })
        .collect()
}

#[test]
#[allow(clippy::type_complexity)]
fn mode_transitions_and_ordering() {
    type Rm = Option<(UpdateRuntimeOn, Option<char>, Option<jiff::civil::Date>)>;
    // (case, desired rm, desired config, live mode, live pin, expected steps)
    let cases: Vec<(
        &str,
        Rm,
        Configuration,
        UpdateRuntimeOn,
        Option<char>,
        Vec<&str>,
    )> = vec![
        (
            "in sync Auto",
            Some((Auto, None, None)),
            conf(None, None),
            Auto,
            None,
            vec![],
        ),
        (
            "in sync Manual",
            Some((Manual, Some('a'), None)),
            conf(None, None),
            Manual,
            Some('a'),
            vec![],
        ),
        (
            "in sync FunctionUpdate",
            Some((FunctionUpdate, None, None)),
            conf(None, None),
            FunctionUpdate,
            None,
            vec![],
        ),
        (
            "FunctionUpdate -> Manual",
            Some((Manual, Some('a'), None)),
            conf(None, None),
            FunctionUpdate,
            None,
            vec!["Put(Manual,a)"],
        ),
        (
            "Auto -> FunctionUpdate",
            Some((FunctionUpdate, None, None)),
            conf(None, None),
            Auto,
            None,
            vec!["Put(FunctionUpdate)"],
        ),
        (
            "FunctionUpdate -> Auto",
            Some((Auto, None, None)),
            conf(None, None),
            FunctionUpdate,
            None,
            vec!["Put(Auto)"],
        ),
        (
            "Auto -> Manual",
            Some((Manual, Some('a'), None)),
            conf(None, None),
            Auto,
            None,
            vec!["Put(Manual,a)"],
        ),
        (
            "Manual -> Manual on another version",
            Some((Manual, Some('b'), None)),
            conf(None, None),
            Manual,
            Some('a'),
            vec!["Put(Manual,b)"],
        ),
        (
            "Manual -> Auto",
            Some((Auto, None, None)),
            conf(None, None),
            Manual,
            Some('a'),
            vec!["Put(Auto)"],
        ),
        (
            "Manual -> FunctionUpdate",
            Some((FunctionUpdate, None, None)),
            conf(None, None),
            Manual,
            Some('a'),
            vec!["Put(FunctionUpdate)"],
        ),
        (
            "terraform #42699: runtime change while pinned, pinned again",
            Some((Manual, Some('b'), None)),
            conf(Some("python3.12"), None),
            Manual,
            Some('a'),
            vec!["Put(FunctionUpdate)", "Update(runtime)", "Put(Manual,b)"],
        ),
        (
            "runtime change while pinned, unpinned after",
            Some((Auto, None, None)),
            conf(Some("python3.12"), None),
            Manual,
            Some('a'),
            vec!["Put(Auto)", "Update(runtime)"],
        ),
        (
            "runtime change then pin",
            Some((Manual, Some('b'), None)),
            conf(Some("python3.12"), None),
            Auto,
            None,
            vec!["Update(runtime)", "Put(Manual,b)"],
        ),
        (
            "memory change while pinned needs no lift",
            Some((Manual, Some('a'), None)),
            conf(None, Some(512)),
            Manual,
            Some('a'),
            vec!["Update(memory_size)"],
        ),
        (
            "unpin before a config change, so the update picks the newest runtime version",
            Some((FunctionUpdate, None, None)),
            conf(None, Some(512)),
            Manual,
            Some('a'),
            vec!["Put(FunctionUpdate)", "Update(memory_size)"],
        ),
        (
            "expired pin proposes Auto",
            Some((Manual, Some('a'), Some(jiff::civil::date(2026, 11, 20)))),
            conf(None, None),
            Manual,
            Some('a'),
            vec!["Put(Auto)"],
        ),
        (
            "pin until today is still valid",
            Some((Manual, Some('a'), Some(today()))),
            conf(None, None),
            Manual,
            Some('a'),
            vec![],
        ),
        (
            "runtime management not managed",
            None,
            conf(None, None),
            Manual,
            Some('a'),
            vec![],
        ),
        (
            "unmanaged fields are not compared",
            None,
            conf(None, None),
            Auto,
            None,
            vec![],
        ),
    ];
    for (case, rm, c, live_mode, live_pin, want) in cases {
        let d = desired(Qualifier::Latest, rm, c);
        let l = live(live_mode, live_pin, "python3.11", 128);
        let p = plan(&d, None, &l).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(steps(&p), want, "{case}");
        let want_action = if want.is_empty() {
            Action::NoOp
        } else {
            Action::Update
        };
        assert_eq!(p.action, want_action, "{case}");
        assert_eq!(
            p.attributes.is_empty(),
            want.is_empty(),
            "{case}: {:?}",
            p.attributes
        );
    }
}

#[test]
fn the_lifted_pin_is_shown_as_replace() {
    let d = desired(
        Qualifier::Latest,
        Some((Manual, Some('b'), None)),
        conf(Some("python3.12"), None),
    );
    let p = plan(&d, None, &live(Manual, Some('a'), "python3.11", 128)).unwrap();
    let mode = &p.attributes[0];
    assert_eq!(mode.path, "runtime_management.update_runtime_on");
    assert_eq!(mode.symbol(), "-/+");
    assert!(
        p.notes.iter().any(|n| n.contains("pin is lifted")),
        "{:?}",
        p.notes
    );
}

#[test]
fn published_versions_change_mode_by_qualifier_only() {
    let d = desired(
        Qualifier::Version(3),
        Some((FunctionUpdate, None, None)),
        conf(None, None),
    );
    let mut l = live(Auto, None, "python3.11", 128);
    l.qualifier = Qualifier::Version(3);
    let p = plan(&d, None, &l).unwrap();
    assert_eq!(steps(&p), ["Put(FunctionUpdate,q=3)"]);

    let d = desired(Qualifier::Version(3), None, conf(None, Some(512)));
    let err = plan(&d, None, &l).unwrap_err();
    assert!(err.contains("immutable"), "{err}");
}

#[test]
fn causes_tell_config_from_drift() {
    let salt = Salt("salt".into());
    let d = desired(Qualifier::Latest, None, conf(None, Some(512)));
    let applied = |v: i64| Recorded {
        last_applied: BTreeMap::from([(
            "configuration.memory_size".to_string(),
            salt.store("configuration.memory_size", &AttrValue::Int(v)),
        )]),
        ..Default::default()
    };
    // Applied 512, someone set 1024: drift, with the last applied value.
    let p = plan(
        &d,
        Some(&applied(512)),
        &live(Auto, None, "python3.11", 1024),
    )
    .unwrap();
    assert_eq!(p.attributes[0].cause, Cause::Drift);
    assert_eq!(p.attributes[0].last_applied, Some(AttrValue::Int(512)));
    // Applied 256, config now says 512: config.
    let p = plan(
        &d,
        Some(&applied(256)),
        &live(Auto, None, "python3.11", 256),
    )
    .unwrap();
    assert_eq!(p.attributes[0].cause, Cause::Config);
    // Never applied: config.
    let p = plan(&d, None, &live(Auto, None, "python3.11", 256)).unwrap();
    assert_eq!(p.attributes[0].cause, Cause::Config);
}

#[test]
fn expired_pins_have_their_own_cause() {
    let d = desired(
        Qualifier::Latest,
        Some((Manual, Some('a'), Some(jiff::civil::date(2026, 1, 1)))),
        conf(None, None),
    );
    let p = plan(&d, None, &live(Manual, Some('a'), "python3.11", 128)).unwrap();
    assert!(
        p.attributes.iter().all(|a| a.cause == Cause::PinExpired),
        "{:?}",
        p.attributes
    );
    assert!(p.notes.iter().any(|n| n.contains("expired")));
}

#[test]
fn environment_is_managed_whole_and_never_shown() {
    let mut c = conf(None, None);
    c.environment = Some(BTreeMap::from([("A".into(), "secret-a".into())]));
    let d = desired(Qualifier::Latest, None, c);
    let mut l = live(Auto, None, "python3.11", 128);
    l.configuration.environment = Some(BTreeMap::from([
        ("A".into(), "old-a".into()),
        ("B".into(), "secret-b".into()),
    ]));
    let p = plan(&d, None, &l).unwrap();
    let paths: Vec<(&str, &str)> = p
        .attributes
        .iter()
        .map(|a| (a.path.as_str(), a.symbol()))
        .collect();
    assert_eq!(
        paths,
        [
            ("configuration.environment.variables.A", "~"),
            ("configuration.environment.variables.B", "-")
        ]
    );
    let json = serde_json::to_string(&p).unwrap();
    for secret in ["secret-a", "old-a", "secret-b"] {
        assert!(!json.contains(secret), "{secret} leaked into {json}");
    }
    assert!(p.attributes.iter().all(|a| a.sensitive));
}

#[test]
fn container_images_have_no_runtime_management() {
    let d = desired(
        Qualifier::Latest,
        Some((Auto, None, None)),
        conf(None, None),
    );
    let mut l = live(Auto, None, "python3.11", 128);
    l.package_type = "Image".into();
    assert!(plan(&d, None, &l).unwrap_err().contains("container image"));
}

#[test]
fn preconditions_name_the_field_that_changed() {
    let d = desired(
        Qualifier::Latest,
        Some((FunctionUpdate, None, None)),
        conf(None, Some(512)),
    );
    let l = live(Auto, None, "python3.11", 256);
    let p = plan(&d, None, &l).unwrap();
    let salt = Salt("salt".into());
    let seen = |l: &Live| Observed::of(l, &salt, jiff::Timestamp::UNIX_EPOCH);
    assert_eq!(p.observed.first_difference(&seen(&l)), None);
    let mut changed = l.clone();
    assert!(
        changed
            .configuration
            .set("configuration.memory_size", AttrValue::Int(1024))
    );
    changed.revision_id = "rev-2".into();
    let why = p.observed.first_difference(&seen(&changed)).unwrap();
    assert!(why.contains("memory_size was 256, is now 1024"), "{why}");
    let mut moved = l.clone();
    moved.runtime_management.update_runtime_on = Manual;
    assert!(
        p.observed
            .first_difference(&seen(&moved))
            .unwrap()
            .contains("update_runtime_on")
    );
}

#[test]
fn the_config_hash_covers_the_desired_state() {
    let a = Desired::default();
    let mut b = Desired::default();
    b.settings.region = Some("eu-west-1".into());
    assert_eq!(config_hash(&a), config_hash(&a.clone()));
    assert_ne!(config_hash(&a), config_hash(&b));
    // Not the hash of empty input.
    assert_ne!(
        config_hash(&a),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
