//! The `convlab` command line: train, classify and print shapes without a browser.

fn main() {
    eprintln!("convlab: no commands yet");
    std::process::exit(2);
}
