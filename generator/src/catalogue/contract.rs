//! What a driver template reads from a family's `[params]`, declared beside
//! the template (`hal/serial/uart.rs.j2` → `hal/serial/uart.contract.toml`)
//! and checked when the catalogue loads, so a misspelt value is refused
//! with its file and line instead of failing at render time.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The contract file of a template, by the template's name.
pub fn path_for(template: &str) -> String {
    let stem = template.strip_suffix(".j2").unwrap_or(template);
    let stem = stem.strip_suffix(".rs").unwrap_or(stem);
    format!("{stem}.contract.toml")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// The allowed values of an `enum`.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub required: bool,
    /// What the param means, for maintainers.
    pub doc: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// One string of `values`.
    Enum,
    Integer,
    Bool,
    /// An integer, or a Rust expression as a string (`"regs::EN.mask()"`).
    Expr,
    /// Free text (documentation the template quotes).
    Text,
    /// Register writes: `[[role, value], …]`, each role a register or field
    /// role of the family, each value an integer or a Rust expression.
    Writes,
}

impl ParamType {
    fn describe(self) -> &'static str {
        match self {
            ParamType::Enum => "one of its values",
            ParamType::Integer => "an integer",
            ParamType::Bool => "true or false",
            ParamType::Expr => "an integer or a Rust expression in a string",
            ParamType::Text => "a string",
            ParamType::Writes => "a list of [role, value] pairs",
        }
    }
}

impl Contract {
    pub fn parse(text: &str) -> Result<Self, String> {
        let c: Contract = toml::from_str(text).map_err(|e| e.to_string())?;
        for (name, p) in &c.params {
            if (p.ty == ParamType::Enum) == p.values.is_empty() {
                return Err(format!(
                    "params.{name}: `values` goes with type \"enum\" and only with it"
                ));
            }
        }
        Ok(c)
    }

    /// Check a family's params; `roles` are its register and field roles.
    /// The error names the param (`Err((key, message))`).
    pub fn check(
        &self,
        template: &str,
        params: &BTreeMap<String, toml::Value>,
        roles: &dyn Fn(&str) -> bool,
    ) -> Result<(), (String, String)> {
        for (key, value) in params {
            let Some(spec) = self.params.get(key) else {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                return Err((
                    key.clone(),
                    format!(
                        "params.{key}: {template} reads no such param (it reads: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            };
            spec.check(value, roles)
                .map_err(|m| (key.clone(), format!("params.{key} = {value}: {m}")))?;
        }
        if let Some((key, _)) = self
            .params
            .iter()
            .find(|(k, p)| p.required && !params.contains_key(*k))
        {
            return Err((
                String::new(),
                format!("params.{key} is missing: {template} needs it"),
            ));
        }
        Ok(())
    }
}

impl ParamSpec {
    fn check(&self, value: &toml::Value, roles: &dyn Fn(&str) -> bool) -> Result<(), String> {
        use toml::Value as V;
        let wrong = || Err(format!("wants {}", self.ty.describe()));
        match (self.ty, value) {
            (ParamType::Enum, V::String(s)) => {
                if self.values.iter().any(|v| v == s) {
                    Ok(())
                } else {
                    let allowed: Vec<String> =
                        self.values.iter().map(|v| format!("\"{v}\"")).collect();
                    Err(format!("not one of {} ({})", allowed.join(", "), self.doc))
                }
            }
            (ParamType::Integer, V::Integer(_))
            | (ParamType::Bool, V::Boolean(_))
            | (ParamType::Expr, V::Integer(_) | V::String(_))
            | (ParamType::Text, V::String(_)) => Ok(()),
            (ParamType::Writes, V::Array(items)) => {
                for item in items {
                    let pair = item.as_array().filter(|p| p.len() == 2);
                    let Some([V::String(role), v]) = pair.map(Vec::as_slice) else {
                        return Err(format!("{item} is not a [role, value] pair"));
                    };
                    if !matches!(v, V::Integer(_) | V::String(_)) {
                        return Err(format!(
                            "{item}: the value is not an integer or a Rust expression"
                        ));
                    }
                    if !roles(role) {
                        return Err(format!(
                            "`{role}` is not a register or field role of this family"
                        ));
                    }
                }
                Ok(())
            }
            _ => wrong(),
        }
    }
}

/// The 1-based line of `key = …` in the `[params]` table of a family file,
/// if it is written there plainly.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut in_params = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_params = t == "[params]";
            continue;
        }
        if in_params {
            if let Some(rest) = t.strip_prefix(key) {
                if rest.trim_start().starts_with('=') {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_sits_beside_its_template() {
        assert_eq!(
            path_for("hal/serial/uart.rs.j2"),
            "hal/serial/uart.contract.toml"
        );
    }

    #[test]
    fn a_param_is_found_in_the_params_table_only() {
        let text = "name = \"x\"\nbaud = 1\n[params]\n# baud\nbaud = \"div\"\n[fields]\n";
        assert_eq!(line_of(text, "baud"), Some(5));
        assert_eq!(line_of(text, "clock"), None);
    }
}
