//! The live PTYs of each Node.js environment (the main thread or a worker),
//! hung up when that environment is torn down, so that a terminated worker
//! leaves no child or fd behind. The relay then reaps each child; if the
//! runtime goes down with the last environment, the core's orphan reaper
//! does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use napi::bindgen_prelude::*;
use rspty_core::Pty;

#[derive(Default)]
pub struct LivePtys(Mutex<Vec<Weak<Pty>>>);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl LivePtys {
    pub fn add(&self, pty: &Arc<Pty>) {
        let mut ptys = lock(&self.0);
        ptys.retain(|s| s.strong_count() > 0);
        ptys.push(Arc::downgrade(pty));
    }

    fn close_all(&self) {
        let ptys = std::mem::take(&mut *lock(&self.0));
        for pty in ptys.iter().filter_map(Weak::upgrade) {
            pty.close();
        }
    }
}

type Registry = Mutex<HashMap<usize, Arc<LivePtys>>>;

/// The live PTYs of `env`, registered for its cleanup on first use.
pub fn live_ptys(env: &Env) -> Result<Arc<LivePtys>> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Default::default);
    let key = env.raw() as usize;
    let mut map = lock(registry);
    if let Some(ptys) = map.get(&key) {
        return Ok(ptys.clone());
    }
    let ptys = Arc::new(LivePtys::default());
    env.add_env_cleanup_hook(ptys.clone(), move |ptys| {
        ptys.close_all();
        if let Some(registry) = REGISTRY.get() {
            lock(registry).remove(&key);
        }
    })?;
    map.insert(key, ptys.clone());
    Ok(ptys)
}
