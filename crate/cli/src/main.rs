//! The `convlab` command line: train, classify and print shapes without a browser.
//!
//! - `convlab train [--train PATH --test PATH] [--epochs --lr or --notebook --batch --seed --l2 --out --force]`
//! - `convlab classify [--weights W] [--json] photo.jpg ...` (default: the shipped robust
//!   hand model, `www/models/hand.json`, built into the binary)
//! - `convlab shapes`

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native;
