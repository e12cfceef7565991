//! Bindings for the speed benchmark (`tests/bench/`): conv1's MAC rates and the SIMD
//! peak, timed by the browser's clock (the benchmark trains with the page's `Training`).

use super::to_js;
use crate::conv::bench::{conv1_mac_rates, simd_peak_gmacs};
use wasm_bindgen::prelude::*;

/// `performance.now()` in milliseconds (`Date.now()` where there is no `performance`).
fn browser_clock() -> impl Fn() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .filter(|p| !p.is_undefined());
    let now_fn = perf.as_ref().and_then(|p| {
        js_sys::Reflect::get(p, &JsValue::from_str("now")).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    move || match (&perf, &now_fn) {
        (Some(p), Some(f)) => f.call0(p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}

#[wasm_bindgen]
extern "C" {
    /// The page's and the workers' `performance.now()`, in milliseconds: the clock of the
    /// training profile (`Training.startProfile`).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn performance_now() -> f64;
}

/// conv1's forward, filter-gradient and input-gradient rates (batch 64), best of `reps`
/// samples.
#[wasm_bindgen(js_name = conv1MacRates)]
pub fn conv1_mac_rates_js(reps: usize) -> Result<JsValue, JsError> {
    to_js(&conv1_mac_rates(&browser_clock(), reps))
}

/// The measured f32x4 multiply-add peak of one core in GMAC/s (`crate::conv::bench::simd_peak_gmacs`).
#[wasm_bindgen(js_name = simdPeakGmacs)]
pub fn simd_peak_gmacs_js(reps: usize) -> f64 {
    simd_peak_gmacs(&browser_clock(), reps)
}
