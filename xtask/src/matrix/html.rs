//! coverage/index.html: one self-contained page (inline CSS and JS, no
//! network), the matrix embedded as compact JSON. Works from file://.

use super::model::Matrix;
use anyhow::{ensure, Result};

const PAGE: &str = include_str!("page.html");
const SLOT: &str = "__MATRIX_JSON__";

pub fn render(m: &Matrix) -> Result<String> {
    ensure!(
        PAGE.matches(SLOT).count() == 1,
        "page.html has one data slot"
    );
    // Inside <script>, "</" could close the element; "\/" is the same JSON.
    let json = serde_json::to_string(m)?.replace("</", "<\\/");
    Ok(PAGE.replacen(SLOT, &json, 1))
}
