//! Finding and reading the configuration: the `*.rtm.hcl` files of a
//! directory (followed through symlinks; anything else so named is an
//! error), the var files, their text (size-capped, UTF-8, without a
//! byte-order mark, or given in memory) and the parse of each into an
//! hcl-edit body, a syntax error reported at its line and column.
//!
//! Reads files only; never evaluates or judges what they say.

use std::path::{Path, PathBuf};

use super::diagnostic::Sources;
use super::error::Error;
use super::options::LoadOptions;
use super::syntax::{Attr, Block, D, Loc, Reporter, attr_from_edit};

/// Lists the `*.rtm.hcl` files of a directory in name order, following
/// symbolic links; anything else so named (a directory, a broken link, a
/// FIFO) is an error naming it, never skipped.
pub fn config_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let (files, mut not_files) = discover(dir)?;
    match not_files.drain(..).next() {
        Some(NotAFile { path, reason }) => Err(Error::NotAFile { path, reason }),
        None => Ok(files),
    }
}

/// A name ending in `.rtm.hcl` that does not lead to a regular file.
pub struct NotAFile {
    path: PathBuf,
    reason: String,
}

impl NotAFile {
    pub fn report(&self, r: &mut Reporter<'_>) {
        r.emit(
                D::about_file(self.path.clone(), format!("{} {}", self.path.display(), self.reason))
                    .help("every *.rtm.hcl in the configuration directory is read: point it at a file, or rename or move it"),
            );
    }
}

fn discover(dir: &Path) -> Result<(Vec<PathBuf>, Vec<NotAFile>), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    // Names that are not UTF-8 are still files: kept as OsString.
    let mut names: Vec<std::ffi::OsString> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.as_encoded_bytes().ends_with(b".rtm.hcl"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut not_files = Vec::new();
    for name in names {
        let path = display_path(dir, &name);
        match not_a_file(&path) {
            None => files.push(path),
            Some(reason) => not_files.push(NotAFile { path, reason }),
        }
    }
    Ok((files, not_files))
}

/// Why `path` (followed through symbolic links) is not a regular file.
fn not_a_file(path: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => None,
        Ok(m) => {
            let t = m.file_type();
            let what = if t.is_dir() {
                "a directory"
            } else if t.is_fifo() {
                "a FIFO"
            } else if t.is_socket() {
                "a socket"
            } else if t.is_char_device() || t.is_block_device() {
                "a device"
            } else {
                "not a regular file"
            };
            Some(format!("is {what}, not a configuration file"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some("is a symbolic link to a file that does not exist".into())
        }
        Err(e) if e.raw_os_error() == Some(40) => {
            Some("is a symbolic link loop (ELOOP): it never reaches a file".into())
        }
        Err(e) => Some(format!("cannot be followed to a file: {e}")),
    }
}

/// `-C .` shows `main.rtm.hcl`, not `./main.rtm.hcl`.
fn display_path(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// The text of every file a load reads, by id in `sources`.
pub struct ReadFiles {
    pub sources: Sources,
    pub file_ids: Vec<usize>,
    pub var_file_ids: Vec<usize>,
    /// Names that are not files: reported as diagnostics with the rest.
    pub not_files: Vec<NotAFile>,
}

/// Reads the configuration files (or their text from `opts.overrides`) and
/// the var files.
pub fn read_sources(opts: &LoadOptions) -> Result<ReadFiles, Error> {
    let (paths, not_files) = discover(&opts.dir)?;
    if paths.is_empty() && not_files.is_empty() {
        return Err(Error::NoFiles(opts.dir.clone()));
    }
    let mut sources = Sources::default();
    let mut overrides: Vec<(PathBuf, &str, bool)> = Vec::new();
    for (path, text) in &opts.overrides {
        let canonical = path.canonicalize().map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        overrides.push((canonical, text, false));
    }
    let mut file_ids = Vec::new();
    for path in &paths {
        let given = match path.canonicalize() {
            Ok(c) => overrides.iter_mut().find(|(o, _, _)| *o == c),
            Err(_) => None,
        };
        let text = match given {
            Some((_, text, used)) => {
                *used = true;
                without_bom(text.to_string())
            }
            None => read_text(path)?,
        };
        file_ids.push(sources.add(path.clone(), text));
    }
    if let Some(((path, _), _)) = opts
        .overrides
        .iter()
        .zip(&overrides)
        .find(|(_, (_, _, used))| !used)
    {
        return Err(Error::Read {
            path: path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "it is not one of the *.rtm.hcl files of {}",
                    opts.dir.display()
                ),
            ),
        });
    }
    let mut var_file_ids = Vec::new();
    for path in &opts.var_files {
        var_file_ids.push(sources.add(path.clone(), read_text(path)?));
    }
    Ok(ReadFiles {
        sources,
        file_ids,
        var_file_ids,
        not_files,
    })
}

/// The most a configuration or var file may hold: far beyond any real
/// fleet (10,000 functions take about 500 KB), and a `--var-file
/// /dev/zero` is refused instead of read forever.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A file's text without a leading UTF-8 byte-order mark: editors on
/// Windows write one, hcl-edit rejects it, and no editor counts it as a
/// column, so dropping it keeps every line:column as the user sees it.
fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(read_error(std::io::Error::other(format!(
            "it is larger than {} MiB, the most rtm reads from one file",
            MAX_FILE_BYTES >> 20
        ))));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte 0x{:02x} at line {line}, column {column})",
                bytes[at]
            ),
        ))
    })?;
    Ok(without_bom(text))
}

fn without_bom(mut text: String) -> String {
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    text
}

/// U+FEFF, which some editors write at the start of a UTF-8 file.
pub const BOM: char = '\u{feff}';

/// Parses file `id` of the sources; a syntax error is reported at its line.
fn parse_file(r: &mut Reporter<'_>, id: usize) -> Option<hcl::edit::structure::Body> {
    let text = r.sources.text(id);
    match hcl::edit::parser::parse_body(text) {
        Ok(body) => Some(body),
        Err(e) => {
            let loc = e.location();
            // The parser's offset can land inside a multi-byte character
            // (it counts from where a token began); step back to its start.
            let offset = text.floor_char_boundary(loc.offset().min(text.len()));
            let end = text[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_string();
            r.emit(
                D::error(
                    &Loc {
                        file: id,
                        span: offset..end,
                    },
                    format!("syntax error: {message}"),
                )
                .label("here"),
            );
            None
        }
    }
}

/// A top-level item of a file, as the loader walks it.
pub enum Item {
    Attr(Attr),
    Block(Block),
}

/// Every top-level item of the files `ids`, in order; a file that does not
/// parse is reported and contributes nothing.
pub fn top_level_items(r: &mut Reporter<'_>, ids: &[usize]) -> Vec<Item> {
    let mut items = Vec::new();
    for &id in ids {
        let Some(body) = parse_file(r, id) else {
            continue;
        };
        items.extend(body.iter().map(|s| match s {
            hcl::edit::structure::Structure::Attribute(a) => Item::Attr(attr_from_edit(id, a)),
            hcl::edit::structure::Structure::Block(b) => Item::Block(Block::from_edit(id, b)),
        }));
    }
    items
}
