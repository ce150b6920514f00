//! Text made safe for where it goes: HTML (escaped) and query strings (percent-encoded).
//! Used by views and by the server's plain HTML pages.

/// Escapes text for use inside HTML.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// `text` without control characters: none at all when `multiline` is false; tab and newline
/// kept when it is true (a carriage return before a newline goes, a lone one becomes a newline).
/// Such characters have no meaning in what Quell writes and break XML (the Atom feed),
/// iCalendar and email headers; form bodies lose them on the way in, and writers of those
/// formats pass stored text through this again.
pub fn strip_controls(text: &str, multiline: bool) -> String {
    let text = if multiline && text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text.to_string() };
    if !text.chars().any(char::is_control) {
        return text;
    }
    text.chars().filter(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\t'))).collect()
}

/// `text` with `%XX` escapes decoded (an escape that is not two hex digits is kept as it is;
/// bytes that are not UTF-8 become U+FFFD).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a path for use as a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_stripped_and_lines_kept_where_allowed() {
        assert_eq!(strip_controls("Disk\u{1} full\u{c}\u{0}\u{85}", false), "Disk full");
        assert_eq!(strip_controls("one\r\ntwo\tthree\rfour\u{7f}", true), "one\ntwo\tthree\nfour");
        assert_eq!(strip_controls("one\ntwo", false), "onetwo");
        assert_eq!(strip_controls("plain text", false), "plain text");
    }
}
