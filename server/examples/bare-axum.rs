//! `make bench`, reference part: the same web stack as Quell (axum on tokio) with nothing else,
//! serving one fixed HTML page of about 20 KB at `GET /`. What wrk measures against it is the
//! most requests per second this machine can serve a page of that size, so the bench can say
//! how far Quell's pages are from it.
//!
//! Run with `cargo run --release -p server --example bare-axum [ADDRESS]` (default
//! 127.0.0.1:3299).

use axum::response::Html;
use axum::routing::get;
use axum::Router;

/// A page shaped like a list page: a table of 200 rows, about 20 KB.
fn page() -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Incidents</title></head>\
         <body><main><h1>Incidents</h1><table><thead><tr><th>Ref</th><th>Title</th><th>Status</th>\
         <th>Severity</th></tr></thead><tbody>",
    );
    for n in 1..=200 {
        html.push_str(&format!(
            "<tr><td><a href=\"/incidents/{n}\">INC-{n}</a></td><td>Slow checkout {n}</td>\
             <td>closed</td><td>SEV3</td></tr>"
        ));
    }
    html.push_str("</tbody></table></main></body></html>");
    html
}

#[tokio::main]
async fn main() {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3299".to_string());
    // Built once; every response shares the same bytes.
    let page: &'static str = Box::leak(page().into_boxed_str());
    let app = Router::new().route("/", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind(&address).await.expect("the address is free");
    // As Quell's own server: each write is sent at once.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("the server runs");
}
