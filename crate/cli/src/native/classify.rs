//! `convlab classify`: photos through the page's own path (the hand found, the views).

use super::read;
use convlab::train::weights;
use convlab::{ConvLabError, Result};
use std::path::{Path, PathBuf};

/// The robust hand model the page uses by default, built into the binary.
const HAND_MODEL: &str = include_str!("../../../../www/models/hand.json");

pub(super) fn run_classify(weights_path: Option<&Path>, json: bool, photos: &[PathBuf]) -> Result<()> {
    let (text, source) = match weights_path {
        Some(path) => (
            String::from_utf8(read(path)?).map_err(|_| {
                ConvLabError::Weights(format!("{} is not a text file", path.display()).into())
            })?,
            path.display().to_string(),
        ),
        None => (
            HAND_MODEL.to_string(),
            "the built-in robust hand model (www/models/hand.json)".to_string(),
        ),
    };
    let (mut model, classes, calibration) = weights::from_json_calibrated(&text)?;
    if model.input_shape() != (64, 64, 3) {
        return Err(ConvLabError::Weights(
            format!("these weights expect {:?} inputs; photos are prepared as 64x64x3", model.input_shape()).into(),
        ));
    }
    // The same views as the page (hand_model::views_for).
    let views = convlab::classify::hand_model::views_for(&model);
    if !json {
        let how = if views.len() > 1 {
            format!(
                "; each answer is averaged over {} views: {}",
                views.len(),
                convlab::classify::hand_model::describe_views(views).map(|m| m.english()).unwrap_or_default()
            )
        } else {
            String::new()
        };
        eprintln!("Model: {source}{how}.");
    }
    for path in photos {
        // The same preprocessing and prediction as the page: orientation, the square
        // around the hand, resize, [0, 1], views, warning.
        let (p, crop) = convlab::classify::classify_file(&mut model, &classes, &calibration, path, views)?;
        if json {
            // The CLI's JSON keeps its words in English (the page words the codes).
            let mut crop_json = serde_json::json!(crop);
            crop_json["why"] = crop.why.english().into();
            let line = serde_json::json!({
                "file": path.display().to_string(),
                "prediction": p.label,
                "confidence": p.confidence,
                "probabilities": p.probabilities,
                "warning": p.warning.as_ref().map(|w| w.english()),
                "doubt": p.doubt,
                "views": p.views,
                "averaging": p.averaging.as_ref().map(|m| m.english()),
                "crop": crop_json,

            });
            println!("{line}");
        } else {
            let ps: Vec<String> = p.probabilities.iter().map(|v| format!("{v:.3}")).collect();
            println!(
                "{}: {}  ({:.0}% sure)  [{}]",
                path.display(),
                p.label,
                p.confidence * 100.0,
                ps.join(" ")
            );
            if crop.to_hand {
                println!("  {} ({}x{} square at {}, {})", crop.why, crop.side, crop.side, crop.x, crop.y);
            }
            if let Some(w) = &p.warning {
                println!("  warning: {w}");
            }
        }
    }
    Ok(())
}

