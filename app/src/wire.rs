//! How every server function answers: JSON, which the browser reads as text.
//!
//! The browser reads JSON in two places: the data a page was rendered with, from the page's text
//! (Leptos: `serde_json::from_str`), and server functions' answers, which server_fn's own `Json`
//! reads as bytes (`from_slice`). Every answer type's deserializer was compiled once for each
//! reader, so the wasm carried two copies of each. Reading answers as text too leaves one. On the
//! wire nothing changes: the same `application/json` body.

use serde::de::DeserializeOwned;
use serde::Serialize;
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON answers, read through `&str` (see the module's comment).
pub struct JsonText;

/// The output encoding every `#[server]` function names: `output = crate::wire::Json`.
pub type Json = Post<JsonText>;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(<serde_json::Error as serde::de::Error>::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonText;
    use server_fn::{Bytes, Decodes, Encodes};

    #[test]
    fn answers_read_back_as_they_were_written() {
        let answer = vec![(7_i64, "Ünïcode \"quoted\" </script>".to_string())];
        let bytes = <JsonText as Encodes<_>>::encode(&answer).unwrap();
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), r#"[[7,"Ünïcode \"quoted\" </script>"]]"#);
        let read: Vec<(i64, String)> = <JsonText as Decodes<_>>::decode(bytes).unwrap();
        assert_eq!(read, answer);
    }

    #[test]
    fn an_answer_that_is_not_text_is_an_error_not_a_panic() {
        let read: Result<String, _> = <JsonText as Decodes<String>>::decode(Bytes::from_static(b"\"\xff\""));
        assert!(read.is_err());
    }
}
