//! How WebKitGTK draws the window (Linux). WebKit composites pages with OpenGL by default. On a
//! machine without a GPU (a VM, a remote desktop, Xvfb) that OpenGL is Mesa's software
//! rasteriser, where compositing costs more than it saves: under Xvfb on the 2-core reference
//! machine it put 70–100 ms of painting after each filter change of the matrix (README
//! "Performance"). So when no GPU render node exists, and only if the user has not chosen, the
//! desktop turns compositing off; `WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps it on.

use std::ffi::OsStr;
use std::path::Path;

/// WebKitGTK's switch: set to anything but `0`, accelerated compositing is off.
pub const COMPOSITING_ENV: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Where Linux lists the GPUs' render nodes (`renderD128`, …).
pub const DRI_DIR: &str = "/dev/dri";

/// Whether to turn compositing off: the user has not set [`COMPOSITING_ENV`] and there is no GPU
/// render node.
pub fn disable_compositing(user_choice: Option<&OsStr>, has_render_node: bool) -> bool {
    user_choice.is_none() && !has_render_node
}

/// Whether `dri` (normally [`DRI_DIR`]) holds a render node; `false` when it does not exist.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Applies the choice to this process's environment, before GTK starts. Call it first thing in
/// `main`, while no other thread exists (the environment is not safe to change beside readers).
pub fn choose_compositing() {
    if cfg!(target_os = "linux")
        && disable_compositing(
            std::env::var_os(COMPOSITING_ENV).as_deref(),
            has_render_node(Path::new(DRI_DIR)),
        )
    {
        std::env::set_var(COMPOSITING_ENV, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositing_goes_off_only_without_a_gpu_and_without_the_users_choice() {
        assert!(disable_compositing(None, false));
        assert!(!disable_compositing(None, true));
        // the user's setting wins either way, `0` (keep it on) included
        assert!(!disable_compositing(Some(OsStr::new("0")), false));
        assert!(!disable_compositing(Some(OsStr::new("1")), true));
    }

    #[test]
    fn a_render_node_is_a_renderd_entry_of_the_dri_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(&dir.path().join("missing")));
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(
            !has_render_node(dir.path()),
            "a card node alone is not a render node"
        );
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
    }
}
