//! The state as one JSON document: what the S3 backend stores as its object,
//! what `rtm.backup.json` holds next to a sled database, what `state pull`
//! prints and what `state push` and `state restore` read. One format for all
//! of them, so a pulled state pushes back and a backup restores anywhere.
//! Sensitive values are in it only as the salted hashes records hold.

use std::collections::BTreeMap;

use super::{Error, FORMAT_VERSION};
use crate::model::{Address, Recorded};

/// The state document (format version [`FORMAT_VERSION`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub format_version: u64,
    pub lineage: String,
    pub serial: u64,
    /// Absent in backups written before the salt was saved there; a new
    /// salt then makes sensitive values read as changed once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Records by address (`function.orders`, `function.worker["resize"]`).
    pub resources: BTreeMap<String, Recorded>,
}

/// The same document, borrowed: what a write serializes without copying
/// every record.
#[derive(serde::Serialize)]
pub(super) struct DocumentRef<'a> {
    pub format_version: u64,
    pub lineage: &'a str,
    pub serial: u64,
    pub salt: &'a str,
    pub resources: BTreeMap<String, &'a Recorded>,
}

impl<'a> DocumentRef<'a> {
    pub fn new(
        lineage: &'a str,
        serial: u64,
        salt: &'a str,
        records: &'a BTreeMap<Address, Recorded>,
    ) -> DocumentRef<'a> {
        DocumentRef {
            format_version: FORMAT_VERSION,
            lineage,
            serial,
            salt,
            resources: records.iter().map(|(a, r)| (a.to_string(), r)).collect(),
        }
    }
}

impl Document {
    /// A document of these records.
    pub fn of(
        lineage: &str,
        serial: u64,
        salt: &str,
        records: &BTreeMap<Address, Recorded>,
    ) -> Document {
        Document {
            format_version: FORMAT_VERSION,
            lineage: lineage.to_string(),
            serial,
            salt: Some(salt.to_string()),
            resources: records
                .iter()
                .map(|(a, r)| (a.to_string(), r.clone()))
                .collect(),
        }
    }

    /// Parses a document read from `source` (a path or a URL, for errors),
    /// refusing a format version this rtm does not know and any address
    /// that does not parse: nothing half-read is ever used.
    pub fn parse(text: &[u8], source: &str) -> Result<Document, Error> {
        let doc: Document = serde_json::from_slice(text).map_err(|e| Error::BadDocument {
            source_name: source.to_string(),
            message: e.to_string(),
        })?;
        if doc.format_version != FORMAT_VERSION {
            return Err(Error::UnknownFormat {
                path: source.into(),
                found: doc.format_version,
            });
        }
        doc.records(source)?;
        Ok(doc)
    }

    /// The records by parsed address; `source` names the document in errors.
    pub fn records(&self, source: &str) -> Result<BTreeMap<Address, Recorded>, Error> {
        let mut out = BTreeMap::new();
        for (key, record) in &self.resources {
            let address = Address::parse(key).map_err(|e| Error::BadDocument {
                source_name: source.to_string(),
                message: format!("address {key:?}: {e}"),
            })?;
            out.insert(address, record.clone());
        }
        Ok(out)
    }

    /// Pretty JSON with a final newline, as `state pull` prints it.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}
