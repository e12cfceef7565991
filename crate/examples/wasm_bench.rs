//! The conv1 MAC-rate benchmark as a bare wasm module, to time the wasm kernels in V8
//! outside a browser (node, with the process's CPU time as the clock, so other load on a
//! shared machine does not distort the figures):
//!
//! ```text
//! cargo build --release --target wasm32-unknown-unknown -p convlab --example wasm_bench
//! node crate/benches/wasm_bench.mjs
//! ```
//! Only wasm32 has anything to run; natively `main` just points to `cargo bench`.

#[cfg(target_arch = "wasm32")]
mod exports {
    extern "C" {
        /// Milliseconds from the host (JS): any monotonic clock.
        fn host_now_ms() -> f64;
    }

    /// Writes forward / filter-gradient / input-gradient / filter-gradient behind the 8x8
    /// pool (MACs done) GMAC/s of the SIGNS conv1 shape into `out[0..4]` (a pointer into
    /// this module's memory).
    ///
    /// # Safety
    /// `out` must point to 4 writable f64 in this module's memory.
    #[no_mangle]
    pub unsafe extern "C" fn conv1_rates(reps: u32, out: *mut f64) {
        let now = || unsafe { host_now_ms() };
        let r = convlab::conv::bench::conv1_mac_rates(&now, reps as usize);
        let out = unsafe { core::slice::from_raw_parts_mut(out, 4) };
        out.copy_from_slice(&[r.forward_gmacs, r.filter_grad_gmacs, r.input_grad_gmacs, r.pooled_filter_grad_gmacs]);
    }

    /// Scratch memory for the 3 results.
    #[no_mangle]
    pub extern "C" fn alloc_results() -> *mut f64 {
        Box::leak(Box::new([0f64; 4])).as_mut_ptr()
    }
}

#[allow(dead_code)]
fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    println!("natively, run `cargo bench -p convlab --bench conv`");
}
