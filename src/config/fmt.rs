//! The canonical layout behind `rtm fmt`: the same rules as HashiCorp's
//! hclwrite `Format` (what `terraform fmt` applies), over a token stream of
//! the original text so comments and blank lines are kept: two-space indent
//! by bracket depth, one space between most tokens, `=` and trailing comments
//! aligned within runs of consecutive single-line attributes.
//!
//! One rule is added to terraform's: exactly one blank line between a block
//! and the next block at the same depth (a comment above a block goes with
//! it), and never two blank lines in a row anywhere outside heredocs.
//!
//! Unlike `terraform fmt` it does not unwrap `"${x}"` into `x`: in rtm a
//! template always yields a string, so that rewrite could change a value's type.
//! Also unlike it: a file with mixed line endings is written back with one
//! ([`LineEnding::of`]), and a byte-order mark is kept.
//! Must not: change what a file means (but for the line endings of a mixed
//! file's heredoc lines); format a file that does not parse.

use std::path::{Path, PathBuf};

/// The files `rtm fmt --recursive` formats under `dir`: the directory's own
/// `*.rtm.hcl` files, picked as [`super::config_files`] picks them, then each
/// subdirectory's, in name order. As `terraform fmt -recursive` does, hidden
/// directories (`.git`, `.terraform`) are skipped; a symlink to a directory
/// is not followed, so a link loop cannot trap the walk.
pub fn config_files_recursive(dir: &Path) -> Result<Vec<PathBuf>, super::Error> {
    let mut files = super::config_files(dir)?;
    let entries = std::fs::read_dir(dir).map_err(|source| super::Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut subdirs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    subdirs.sort();
    for name in subdirs {
        // `-C .` shows `sub/x.rtm.hcl`, as config_files shows `x.rtm.hcl`.
        let sub = if dir == Path::new(".") {
            PathBuf::from(name)
        } else {
            dir.join(name)
        };
        files.extend(config_files_recursive(&sub)?);
    }
    Ok(files)
}

/// The token kinds the layout rules distinguish (hclsyntax's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    OQuote,
    QuotedLit,
    CQuote,
    OHeredoc,
    StringLit,
    CHeredoc,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Equal,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    Minus,
    Bang,
    /// Any other operator (`+ * / % == != < > <= >= && || =>`): spaced.
    Operator,
    Comment,
    Newline,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    spaces_before: usize,
}

fn bracket_change(k: Kind) -> i32 {
    match k {
        Kind::OBrace
        | Kind::OBrack
        | Kind::OParen
        | Kind::TemplateInterp
        | Kind::TemplateControl => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
        _ => 0,
    }
}

/// Formats one file's text. Fails with the parser's message (and its
/// 1-based line and column) when the text is not valid HCL.
///
/// The file's line ending ([`LineEnding::of`]) is used on every line of the
/// result, and a UTF-8 byte-order mark is kept: fmt changes layout, not
/// encoding. (terraform fmt drops a BOM; rtm keeps it, as an editor that
/// wrote one expects to find it.)
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let (bom, body) = match src.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", src),
    };
    let ending = LineEnding::of(body);
    // Laid out with LF only, then written back with the file's ending.
    let lf: std::borrow::Cow<'_, str> = if body.contains("\r\n") {
        body.replace("\r\n", "\n").into()
    } else {
        body.into()
    };
    if let Err(e) = hcl::edit::parser::parse_body(&lf) {
        let loc = e.location();
        return Err(FormatError {
            line: loc.line(),
            column: loc.column(),
            message: e
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_string(),
        });
    }
    let tokens = lex(&lf).ok_or_else(|| FormatError {
        line: 1,
        column: 1,
        message: "cannot tokenize this file".into(),
    })?;
    let laid_out = layout(tokens);
    Ok(match ending {
        LineEnding::Lf => format!("{bom}{laid_out}"),
        LineEnding::CrLf => format!("{bom}{}", laid_out.replace('\n', "\r\n")),
    })
}

/// The line ending `rtm fmt` writes a file back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    /// The ending most of the file's lines have; on a tie, its first line's;
    /// LF for a file without a newline. terraform fmt keeps each line's own
    /// ending, so a mixed file stays mixed; rtm picks the dominant one and
    /// uses it throughout, so fmt never leaves a file mixed. In a heredoc
    /// that rewrites the minority lines' endings, and so those bytes of the
    /// string: the price of one ending per file.
    pub fn of(text: &str) -> LineEnding {
        let newlines = text.matches('\n').count();
        let crlf = text.matches("\r\n").count();
        let lf = newlines - crlf;
        if crlf != lf {
            return if crlf > lf {
                LineEnding::CrLf
            } else {
                LineEnding::Lf
            };
        }
        match text.find('\n') {
            Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => LineEnding::CrLf,
            _ => LineEnding::Lf,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FormatError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Ordinary expression context; the payload counts `{` opened inside it
    /// so the matching `}` of an interpolation is recognised.
    Expr { braces: usize },
    /// Inside "..." (a template).
    Quoted,
    /// Inside a heredoc body (its end marker is on `heredoc_ends`);
    /// `at_line_start` says whether the next byte begins a body line, the
    /// only place the end marker can be.
    Heredoc { at_line_start: bool },
}

/// Where the template literal starting at `i` ends: at the `${` or `%{`
/// that opens an interpolation or directive, at the closing quote (`quoted`),
/// or just after a newline (a heredoc line, so the next one can be checked
/// for the end marker). `$${` and `%%{` are escapes; like hclsyntax, a `$`
/// before an escape stays literal, so `$$${` opens nothing either.
fn template_literal_end(b: &[u8], mut i: usize, quoted: bool) -> usize {
    while i < b.len() {
        match b[i] {
            b'"' if quoted => return i,
            b'\\' if quoted => {
                i += 2;
                continue;
            }
            b'\n' if !quoted => return i + 1,
            c @ (b'$' | b'%') => {
                if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
                    i += 3;
                    continue;
                }
                if b.get(i + 1) == Some(&b'{') {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The `${`, `${~`, `%{` or `%{~` at `i`.
fn template_opener(b: &[u8], i: usize) -> (Kind, usize) {
    let kind = if b[i] == b'$' {
        Kind::TemplateInterp
    } else {
        Kind::TemplateControl
    };
    let len = if b.get(i + 2) == Some(&b'~') { 3 } else { 2 };
    (kind, len)
}

/// Splits `src` into tokens; `None` only on input the parser already
/// rejected (kept total anyway: never panic).
fn lex(src: &str) -> Option<Vec<Token<'_>>> {
    let b = src.as_bytes();
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    let mut stack: Vec<Mode> = vec![Mode::Expr { braces: 0 }];
    let mut heredoc_ends: Vec<&str> = Vec::new();
    let mut spaces = 0usize;
    while i < b.len() {
        let mode = *stack.last()?;
        match mode {
            Mode::Quoted => {
                let end = template_literal_end(b, i, true).min(b.len());
                if end > i {
                    push(&mut out, Kind::QuotedLit, src.get(i..end)?, &mut spaces);
                }
                i = end;
                if i >= b.len() {
                    return None;
                }
                if b[i] == b'"' {
                    push(&mut out, Kind::CQuote, "\"", &mut spaces);
                    stack.pop();
                    i += 1;
                } else {
                    let (kind, len) = template_opener(b, i);
                    push(&mut out, kind, src.get(i..i + len)?, &mut spaces);
                    stack.push(Mode::Expr { braces: 0 });
                    i += len;
                }
            }
            Mode::Heredoc { at_line_start } => {
                if at_line_start {
                    // hclsyntax's closing marker token is the whole line but
                    // its newline, so the marker keeps the indentation (and
                    // any trailing blanks) it was written with, in both the
                    // `<<EOT` and the `<<-EOT` form.
                    let marker = heredoc_ends.last()?;
                    let line_end = src[i..].find('\n').map_or(b.len(), |p| i + p);
                    let line = src.get(i..line_end)?;
                    if line.trim() == *marker {
                        push(&mut out, Kind::CHeredoc, line, &mut spaces);
                        heredoc_ends.pop();
                        stack.pop();
                        i = line_end;
                        continue;
                    }
                }
                // Body text is kept verbatim; interpolations and directives
                // in it are tokens, spaced like any other template's.
                let end = template_literal_end(b, i, false);
                if end > i {
                    push(&mut out, Kind::StringLit, src.get(i..end)?, &mut spaces);
                }
                let ended_line = end > i && b[end - 1] == b'\n';
                i = end;
                if ended_line {
                    if let Some(Mode::Heredoc { at_line_start }) = stack.last_mut() {
                        *at_line_start = true;
                    }
                } else if i < b.len() {
                    let (kind, len) = template_opener(b, i);
                    push(&mut out, kind, src.get(i..i + len)?, &mut spaces);
                    if let Some(Mode::Heredoc { at_line_start }) = stack.last_mut() {
                        *at_line_start = false;
                    }
                    stack.push(Mode::Expr { braces: 0 });
                    i += len;
                }
            }
            Mode::Expr { braces } => {
                let c = b[i];
                match c {
                    b' ' | b'\t' | b'\r' => {
                        spaces += 1;
                        i += 1;
                    }
                    b'\n' => {
                        push(&mut out, Kind::Newline, "\n", &mut spaces);
                        i += 1;
                    }
                    b'#' => {
                        let end = src[i..].find('\n').map_or(b.len(), |p| i + p + 1);
                        push(&mut out, Kind::Comment, src.get(i..end)?, &mut spaces);
                        i = end;
                    }
                    b'/' if b.get(i + 1) == Some(&b'/') => {
                        let end = src[i..].find('\n').map_or(b.len(), |p| i + p + 1);
                        push(&mut out, Kind::Comment, src.get(i..end)?, &mut spaces);
                        i = end;
                    }
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        let end = src[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                        push(&mut out, Kind::Comment, src.get(i..end)?, &mut spaces);
                        i = end;
                    }
                    b'"' => {
                        push(&mut out, Kind::OQuote, "\"", &mut spaces);
                        stack.push(Mode::Quoted);
                        i += 1;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => {
                        let indent = b.get(i + 2) == Some(&b'-');
                        let name_start = i + 2 + usize::from(indent);
                        let name_len = src[name_start..]
                            .bytes()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                            .count();
                        let mut end = name_start + name_len;
                        if b.get(end) == Some(&b'\r') {
                            end += 1;
                        }
                        if b.get(end) == Some(&b'\n') {
                            end += 1;
                        }
                        push(&mut out, Kind::OHeredoc, src.get(i..end)?, &mut spaces);
                        heredoc_ends.push(src.get(name_start..name_start + name_len)?);
                        stack.push(Mode::Heredoc {
                            at_line_start: true,
                        });
                        i = end;
                    }
                    b'{' => {
                        if let Some(Mode::Expr { braces }) = stack.last_mut() {
                            *braces += 1;
                        }
                        push(&mut out, Kind::OBrace, "{", &mut spaces);
                        i += 1;
                    }
                    b'~' if b.get(i + 1) == Some(&b'}') && braces == 0 && stack.len() > 1 => {
                        // `~}`: the strip marker is part of the closing token,
                        // so `${~ name ~}` tidies to `${~name~}`.
                        push(&mut out, Kind::TemplateSeqEnd, "~}", &mut spaces);
                        stack.pop();
                        i += 2;
                    }
                    b'}' => {
                        if braces == 0 && stack.len() > 1 {
                            // Closes an interpolation or directive.
                            push(&mut out, Kind::TemplateSeqEnd, "}", &mut spaces);
                            stack.pop();
                        } else {
                            if let Some(Mode::Expr { braces }) = stack.last_mut() {
                                *braces = braces.saturating_sub(1);
                            }
                            push(&mut out, Kind::CBrace, "}", &mut spaces);
                        }
                        i += 1;
                    }
                    _ => {
                        let (kind, len) = punct_or_word(&b[i..]);
                        push(&mut out, kind, src.get(i..i + len)?, &mut spaces);
                        i += len;
                    }
                }
            }
        }
    }
    Some(out)
}

fn push<'a>(out: &mut Vec<Token<'a>>, kind: Kind, text: &'a str, spaces: &mut usize) {
    out.push(Token {
        kind,
        text,
        spaces_before: *spaces,
    });
    *spaces = 0;
}

fn punct_or_word(b: &[u8]) -> (Kind, usize) {
    let two = if b.len() >= 2 { &b[..2] } else { b };
    let three = if b.len() >= 3 { &b[..3] } else { b };
    if three == b"..." {
        return (Kind::Ellipsis, 3);
    }
    match two {
        b"==" | b"!=" | b"<=" | b">=" | b"&&" | b"||" | b"=>" => return (Kind::Operator, 2),
        b"::" => return (Kind::DoubleColon, 2),
        _ => {}
    }
    let c = b[0];
    let single = match c {
        b'[' => Some(Kind::OBrack),
        b']' => Some(Kind::CBrack),
        b'(' => Some(Kind::OParen),
        b')' => Some(Kind::CParen),
        b'=' => Some(Kind::Equal),
        b',' => Some(Kind::Comma),
        b'.' => Some(Kind::Dot),
        b':' => Some(Kind::Colon),
        b'?' => Some(Kind::Question),
        b'-' => Some(Kind::Minus),
        b'!' => Some(Kind::Bang),
        b'+' | b'*' | b'/' | b'%' | b'<' | b'>' | b'~' => Some(Kind::Operator),
        _ => None,
    };
    if let Some(k) = single {
        return (k, 1);
    }
    if c.is_ascii_digit() {
        let mut n = 0;
        while n < b.len() {
            let d = b[n];
            let exp_sign = n > 0 && (d == b'+' || d == b'-') && matches!(b[n - 1], b'e' | b'E');
            if d.is_ascii_digit()
                || d == b'.' && b.get(n + 1).is_some_and(u8::is_ascii_digit)
                || d == b'e'
                || d == b'E'
                || exp_sign
            {
                n += 1;
            } else {
                break;
            }
        }
        return (Kind::Number, n.max(1));
    }
    // Identifiers, by the parser's own rule (Unicode XID, '_' to start, '-'
    // to continue); anything else is one char.
    let s = std::str::from_utf8(b).unwrap_or("");
    let mut n = 0;
    for ch in s.chars() {
        let fits = if n == 0 {
            unicode_ident::is_xid_start(ch) || ch == '_'
        } else {
            unicode_ident::is_xid_continue(ch) || ch == '-'
        };
        if fits {
            n += ch.len_utf8();
        } else {
            break;
        }
    }
    if n == 0 {
        let n = s.chars().next().map_or(1, char::len_utf8);
        return (Kind::Operator, n);
    }
    (Kind::Ident, n)
}

/// hclwrite's `spaceAfterToken`.
fn space_after(subject: &Token<'_>, before: Option<&Token<'_>>, after: Option<&Token<'_>>) -> bool {
    use Kind::*;
    let Some(after) = after else { return false };
    let s = subject.kind;
    let a = after.kind;
    if a == Newline {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) {
        return true;
    }
    if a == OBrack && (s == Ident || s == Number || bracket_change(s) < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        return match before.map(|b| b.kind) {
            None => false,
            Some(OParen | OBrace | OBrack | Equal | Colon | Comma | Question | Minus | Bang) => {
                false
            }
            // After an arithmetic, comparison or logical operator a minus is a
            // negation; hclwrite does not list `=>`, so it spaces that one.
            Some(Operator) => before.is_some_and(|b| b.text == "=>"),
            _ => true,
        };
    }
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if bracket_change(s) > 0 {
        return false;
    }
    if bracket_change(a) < 0 {
        return false;
    }
    true
}

fn is_newline(t: &Token<'_>) -> bool {
    t.kind == Kind::Newline || (t.kind == Kind::Comment && t.text.ends_with('\n'))
}

/// What a line is, for the blank lines between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Blank,
    /// A line that is only a comment (it belongs to what follows it).
    Comment,
    /// `name "label" {`
    BlockOpen,
    /// The `}` that closes a block.
    BlockClose,
    /// A block on one line: `tracing_config { mode = "Active" }`.
    BlockWhole,
    /// Anything else: attributes, their continuation lines, heredoc bodies.
    Other,
}

struct Line<'a> {
    lead: Vec<Token<'a>>,
    assign: Vec<Token<'a>>,
    comment: Vec<Token<'a>>,
}

/// Columns as hclwrite counts them: one per space, one per grapheme cluster
/// (so a flag emoji, a family emoji or `e` with a combining accent is one,
/// and so is a wide CJK character: terraform counts clusters, not display
/// width). One known difference: go-textseg follows Unicode 15.0, before
/// rule GB9c, so terraform counts an Indic conjunct such as `क्ष` as two.
fn width(tokens: &[Token<'_>]) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.trim_end_matches('\n').graphemes(true).count())
        .sum()
}

fn layout(tokens: Vec<Token<'_>>) -> String {
    // Split into lines at newline tokens (a `#` comment ends its line).
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut cur = Vec::new();
    for t in tokens {
        let nl = is_newline(&t);
        cur.push(t);
        if nl {
            lines.push(Line {
                lead: std::mem::take(&mut cur),
                assign: Vec::new(),
                comment: Vec::new(),
            });
        }
    }
    if !cur.is_empty() {
        lines.push(Line {
            lead: cur,
            assign: Vec::new(),
            comment: Vec::new(),
        });
    }
    // Trailing comments and assignments into their own cells.
    for line in &mut lines {
        if line.lead.is_empty() {
            continue;
        }
        let last = line.lead.len() - 1;
        let has_newline_tok = line.lead[last].kind == Kind::Newline;
        let comment_idx = if has_newline_tok && last >= 1 {
            last - 1
        } else {
            last
        };
        if line.lead.len() > 1 && line.lead[comment_idx].kind == Kind::Comment && comment_idx > 0 {
            line.comment = line.lead.split_off(comment_idx);
        }
        if let Some(eq) = line
            .lead
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, t)| t.kind == Kind::Equal)
            .map(|(i, _)| i)
        {
            let mut net = 0;
            for t in &line.lead[eq..] {
                net += bracket_change(t.kind);
                if t.kind == Kind::OHeredoc {
                    break;
                }
            }
            if net == 0 {
                line.assign = line.lead.split_off(eq);
            }
        }
    }
    // Spaces between tokens.
    for line in &mut lines {
        for cell in [&mut line.lead, &mut line.assign] {
            for i in 0..cell.len() {
                let sp = {
                    let before = if i > 0 { cell.get(i - 1) } else { None };
                    space_after(&cell[i], before, cell.get(i + 1))
                };
                if let Some(next) = cell.get_mut(i + 1) {
                    next.spaces_before = usize::from(sp);
                }
            }
        }
        if let Some(first) = line.assign.first_mut() {
            first.spaces_before = 1;
        }
        for (i, t) in line.comment.iter_mut().enumerate() {
            if i > 0 {
                t.spaces_before = 0;
            }
        }
    }
    // Indentation by bracket depth, noting which lines open and close blocks.
    let mut indents: Vec<i32> = Vec::new();
    // Parallel to `indents`: whether that level was opened by a block.
    let mut opened_by_block: Vec<bool> = Vec::new();
    let mut roles: Vec<(Role, usize)> = Vec::with_capacity(lines.len());
    for line in &mut lines {
        if line.lead.is_empty() {
            roles.push((Role::Other, indents.len()));
            continue;
        }
        if line.lead[0].kind == Kind::Newline {
            line.lead[0].spaces_before = 0;
            roles.push((Role::Blank, indents.len()));
            continue;
        }
        if matches!(line.lead[0].kind, Kind::StringLit) {
            // A heredoc body line: verbatim.
            roles.push((Role::Other, indents.len()));
            continue;
        }
        let block_line = line.lead[0].kind == Kind::Ident
            && line
                .lead
                .iter()
                .chain(&line.assign)
                .find(|t| matches!(t.kind, Kind::Equal | Kind::OBrace))
                .is_some_and(|t| t.kind == Kind::OBrace);
        let mut closes_block = false;
        let mut net = 0;
        for t in line.lead.iter().chain(line.assign.iter()) {
            net += bracket_change(t.kind);
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if net < 0 {
            let mut closed = -net;
            let mut first = true;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if first {
                    closes_block = line.lead[0].kind == Kind::CBrace
                        && opened_by_block.last().copied().unwrap_or(false);
                    first = false;
                }
                if closed > *top {
                    closed -= *top;
                    indents.pop();
                    opened_by_block.pop();
                } else if closed < *top {
                    *top -= closed;
                    closed = 0;
                } else {
                    indents.pop();
                    opened_by_block.pop();
                    closed = 0;
                }
            }
        }
        let level = indents.len();
        if line.lead[0].kind != Kind::CHeredoc {
            line.lead[0].spaces_before = 2 * level;
        }
        if net > 0 {
            indents.push(net);
            opened_by_block.push(block_line);
        }
        let only_comment = line
            .lead
            .iter()
            .all(|t| matches!(t.kind, Kind::Comment | Kind::Newline));
        let role = match (block_line, net, closes_block) {
            _ if only_comment => Role::Comment,
            (true, 1.., _) => Role::BlockOpen,
            (true, 0, _) => Role::BlockWhole,
            (_, _, true) => Role::BlockClose,
            _ => Role::Other,
        };
        roles.push((role, level));
    }
    // Align `=` within runs of single-line attributes, then trailing comments.
    align(&mut lines, false);
    align(&mut lines, true);
    let mut out = String::new();
    // For each line, the first line from it on that is not a comment: a
    // comment belongs to what follows it.
    let mut next_code: Vec<Option<(Role, usize)>> = vec![None; roles.len()];
    let mut following = None;
    for (i, &(role, level)) in roles.iter().enumerate().rev() {
        if role != Role::Comment {
            following = Some((role, level));
        }
        next_code[i] = following;
    }
    let mut previous: Option<(Role, usize)> = None;
    for (i, (line, &(role, level))) in lines.iter().zip(&roles).enumerate() {
        match (previous, role) {
            // One blank line at most, none at the start.
            (None | Some((Role::Blank, _)), Role::Blank) => continue,
            // One blank line between a block and the next block.
            (Some((Role::BlockClose | Role::BlockWhole, before_level)), _)
                if matches!(
                    next_code[i],
                    Some((Role::BlockOpen | Role::BlockWhole, l)) if l == before_level
                ) && level == before_level =>
            {
                out.push('\n');
            }
            _ => {}
        }
        previous = Some((role, level));
        for t in line.lead.iter().chain(&line.assign).chain(&line.comment) {
            // Token text is kept whole: terraform keeps the trailing blanks
            // of a comment or a heredoc's closing line too.
            for _ in 0..t.spaces_before {
                out.push(' ');
            }
            out.push_str(t.text);
        }
    }
    out
}

/// Aligns the first token of the assignment cell (or, with `comments`, of
/// the trailing-comment cell) across each run of lines that have one.
fn align(lines: &mut [Line<'_>], comments: bool) {
    let member = |l: &Line<'_>| {
        if comments {
            !l.comment.is_empty()
        } else {
            !l.assign.is_empty()
        }
    };
    let columns = |l: &Line<'_>| {
        if comments {
            width(&l.lead) + width(&l.assign)
        } else {
            width(&l.lead)
        }
    };
    let mut start: Option<usize> = None;
    let mut max = 0;
    let n = lines.len();
    for i in 0..=n {
        if i < n && member(&lines[i]) {
            if start.is_none() {
                start = Some(i);
                max = 0;
            }
            max = max.max(columns(&lines[i]));
        } else if let Some(s) = start.take() {
            for line in &mut lines[s..i] {
                let c = columns(line);
                let cell = if comments {
                    &mut line.comment
                } else {
                    &mut line.assign
                };
                if let Some(first) = cell.first_mut() {
                    first.spaces_before = max - c + 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_indents_and_spaces_like_terraform_fmt() {
        let src = "settings {\nregion = \"us-east-1\" # r\n  parallelism=8\n}\n";
        let want = "settings {\n  region      = \"us-east-1\" # r\n  parallelism = 8\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn formatting_is_idempotent_and_keeps_comments() {
        let src = "# c\nfunction \"a\" {\n  # inner\n  name = \"${var.x}-y\" // t\n  l = [\n  \"a\",\n  ]\n}\n";
        let once = format_source(src).unwrap();
        assert!(once.contains("# inner") && once.contains("// t"), "{once}");
        assert_eq!(format_source(&once).unwrap(), once);
    }

    #[test]
    fn one_blank_line_between_blocks() {
        let src = "\n\nsettings {\n  region = \"a\"\n}\nfunction \"a\" {\n  name = \"a\"\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n  configuration { timeout = 3 }\n  # memory\n  configuration {\n    memory_size = 128\n  }\n  description = \"x\"\n}\n\n\n\n# b\nfunction \"b\" {\n  x = <<EOT\n\n\nkeep\nEOT\n}\n# end\n";
        let want = "settings {\n  region = \"a\"\n}\n\nfunction \"a\" {\n  name = \"a\"\n  runtime_management {\n    update_runtime_on = \"Auto\"\n  }\n\n  configuration { timeout = 3 }\n\n  # memory\n  configuration {\n    memory_size = 128\n  }\n  description = \"x\"\n}\n\n# b\nfunction \"b\" {\n  x = <<EOT\n\n\nkeep\nEOT\n}\n# end\n";
        let once = format_source(src).unwrap();
        assert_eq!(once, want);
        assert_eq!(format_source(&once).unwrap(), once);
    }

    #[test]
    fn line_ending_is_the_dominant_one_then_the_first() {
        assert_eq!(LineEnding::of("a\r\nb\r\nc\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::of("a\nb\r\nc\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of("a\r\nb\n"), LineEnding::CrLf);
        assert_eq!(LineEnding::of("a\nb\r\n"), LineEnding::Lf);
        assert_eq!(LineEnding::of("a = 1"), LineEnding::Lf);
        assert_eq!(LineEnding::of("\r\n"), LineEnding::CrLf);
    }

    #[test]
    fn a_dollar_before_an_escape_opens_nothing() {
        // `$$${` is `$` then the escape `$${`, as hclsyntax scans it.
        assert_eq!(template_literal_end(b"$$${ x }\"", 0, true), 8);
        assert_eq!(template_literal_end(b"ab${ x }", 0, true), 2);
        assert_eq!(template_literal_end(b"a%%{ x }\nb", 0, false), 9);
    }

    #[test]
    fn refuses_invalid_input() {
        assert!(format_source("function \"a\" {\n  name = \n}\n").is_err());
    }
}
