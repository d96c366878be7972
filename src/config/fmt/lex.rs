//! The token stream `rtm fmt` lays out: HCL split into hclsyntax's token
//! kinds, with the spaces before each and every newline and comment kept.
//! Total on any input the parser accepted; must not decide layout.

/// The token kinds the layout rules distinguish (hclsyntax's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
    pub(super) spaces_before: usize,
}

pub(super) fn bracket_change(k: Kind) -> i32 {
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

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mode {
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
pub(super) fn template_literal_end(b: &[u8], mut i: usize, quoted: bool) -> usize {
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
pub(super) fn template_opener(b: &[u8], i: usize) -> (Kind, usize) {
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
pub(super) fn lex(src: &str) -> Option<Vec<Token<'_>>> {
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

pub(super) fn push<'a>(out: &mut Vec<Token<'a>>, kind: Kind, text: &'a str, spaces: &mut usize) {
    out.push(Token {
        kind,
        text,
        spaces_before: *spaces,
    });
    *spaces = 0;
}

pub(super) fn punct_or_word(b: &[u8]) -> (Kind, usize) {
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
