//! Formatted PAC modules by content, shared by the chips of one run.
//!
//! Vendors reuse peripherals verbatim across a family: in the cmsis-svd
//! corpus 72% of the PAC module bytes are exact copies of a module another
//! chip already has. A corpus run hands one cache to every chip, so each
//! distinct module is parsed, gated and formatted once. The key is a
//! SHA-256 of the module's name and svd2rust's tokens, so a hit is the
//! text the same input would produce again.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub type Key = [u8; 32];

pub struct ModuleCache {
    entries: Mutex<HashMap<Key, Arc<str>>>,
    bytes: AtomicUsize,
    limit_bytes: usize,
    hits: AtomicUsize,
    misses: AtomicUsize,
    reused: AtomicUsize,
}

/// What a cache did over its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules served from the cache.
    pub hits: usize,
    /// Modules parsed, gated and formatted.
    pub misses: usize,
    /// Of the hits, those found by their SVD description, which svd2rust
    /// did not render either (see `pac::reuse`).
    pub reused: usize,
    pub bytes: usize,
}

impl ModuleCache {
    /// A cache that stops taking new modules once it holds `limit_bytes`
    /// of text (lookups keep working).
    pub fn new(limit_bytes: usize) -> Self {
        Self {
            entries: Mutex::default(),
            bytes: AtomicUsize::new(0),
            limit_bytes,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    pub(super) fn get(&self, key: &Key) -> Option<Arc<str>> {
        let found = self.lock().get(key).cloned();
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// A module by its peripheral's description. A miss is not counted:
    /// the module is then looked up by its tokens.
    pub(super) fn get_reused(&self, key: &Key) -> Option<Arc<str>> {
        let found = self.lock().get(key).cloned();
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Store a newly formatted module and return it as shared text.
    pub(super) fn insert(&self, key: Key, text: String) -> Arc<str> {
        let text: Arc<str> = Arc::from(text);
        if self.bytes.load(Ordering::Relaxed) + text.len() <= self.limit_bytes
            && self.lock().insert(key, text.clone()).is_none()
        {
            self.bytes.fetch_add(text.len(), Ordering::Relaxed);
        }
        text
    }

    /// Store text the cache may already hold under another key: it is
    /// shared, not copied, so it does not count against the limit.
    pub(super) fn alias(&self, key: Key, text: Arc<str>) {
        if self.bytes.load(Ordering::Relaxed) <= self.limit_bytes {
            self.lock().insert(key, text);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<str>>> {
        // A panic elsewhere cannot leave the map half-written: every
        // operation on it is a single call.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// SHA-256 of the module name and the tokens as svd2rust printed them,
/// streamed into the hasher without building the text.
pub(super) fn key(module: &str, body: &proc_macro2::TokenStream) -> Key {
    let mut w = HashWriter::new();
    w.bytes(module.as_bytes());
    w.bytes(&[0]);
    let _ = std::fmt::Write::write_fmt(&mut w, format_args!("{body}"));
    w.finish()
}

/// Formatting output (`Display`, `Debug`) streamed into SHA-256.
pub(super) struct HashWriter(Sha256);

impl HashWriter {
    pub fn new() -> Self {
        Self(Sha256::new())
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> Key {
        self.0.finalize().into()
    }
}

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}
