//! `quell-wasm-split INPUT.wasm OUT_DIR NAME`: splits the wasm that cargo built at the lazy split
//! points Leptos marks (`#[lazy_route]`, `#[lazy]`) into
//!   OUT_DIR/NAME_split.wasm                   what every page needs (wasm-bindgen runs on it next)
//!   OUT_DIR/split_*.wasm, OUT_DIR/chunk_*.wasm the parts loaded when a lazy route is first shown
//!   OUT_DIR/__wasm_split.______________________.js   the loader that fetches them
//!   OUT_DIR/parts.json                        which files each split needs, so a page can ask for
//!                                             them early (a `Link: rel=preload` header)
//! The loader's name is the one the wasm imports. The manifest is named apart from the one
//! Leptos's `HydrationScripts` looks for: the server names a page's files itself (`assets.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

const LOADER: &str = "__wasm_split.______________________.js";
const MANIFEST: &str = "parts.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, name] = args.as_slice() else {
        eprintln!("usage: quell-wasm-split INPUT.wasm OUT_DIR NAME");
        return ExitCode::from(2);
    };
    match split(input, &PathBuf::from(out_dir), name) {
        Ok(count) => {
            println!("{count} lazily loaded wasm files");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("quell-wasm-split: {error}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &str, out_dir: &std::path::Path, name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    std::fs::create_dir_all(out_dir)?;
    let main_out = out_dir.join(format!("{name}_split.wasm"));
    let link_name = format!("./{LOADER}");
    let main_module = format!("./{name}.js");
    let result = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&wasm);
        options.output_dir = out_dir;
        options.main_out_path = &main_out;
        options.link_name = &link_name;
        options.main_module = &main_module;
        options
    })
    .map_err(|error| format!("{error:?}"))?;
    // Sorted, so the same input gives the same bytes (and the same content hash).
    let manifest: std::collections::BTreeMap<_, _> = result.prefetch_map.into_iter().collect();
    std::fs::write(out_dir.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(result.split_modules.len())
}
