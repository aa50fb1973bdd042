//! How WebKitGTK draws the page when the machine has no GPU.
//!
//! WebKitGTK composites the page through OpenGL. Without a GPU render node (a virtual machine, a
//! remote desktop, a CI runner under Xvfb) that OpenGL is Mesa's software rasteriser, and every
//! frame goes through it. Measured under Xvfb at 3 × 100,000 resources (README, "Performance"):
//! a filter that replaces the screen's rows reached the pixels 91–143 ms after the click, and a
//! scroll by one screen 92–95 ms (medians). Without compositing WebKit paints into the window on
//! the CPU: 35–58 ms and 27–29 ms, the same pixels, and a web process of 225 MiB instead of 350.
//! With a render node the GPU path stays; a value the user gave the variable always wins.

use std::path::Path;

/// WebKitGTK's switch for painting without accelerated compositing.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether `dri` (normally `/dev/dri`) lacks a GPU render node (`renderD128`, …), so that
/// OpenGL would be a software rasteriser. An absent or unreadable directory has none.
pub fn lacks_render_node(dri: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dri) else {
        return true;
    };
    !entries
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
}

/// Turns WebKit's compositing off when there is no GPU render node and the user has not set
/// [`DISABLE_COMPOSITING`] either way. Called first thing in `run`, before any thread exists
/// (the environment is only changed while the process is single-threaded).
pub fn prefer_cpu_painting_without_gpu() {
    if cfg!(target_os = "linux")
        && std::env::var_os(DISABLE_COMPOSITING).is_none()
        && lacks_render_node(Path::new("/dev/dri"))
    {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_render_node_counts_as_a_gpu() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            lacks_render_node(&dir.path().join("absent")),
            "no /dev/dri at all"
        );
        assert!(lacks_render_node(dir.path()), "an empty /dev/dri");
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(
            lacks_render_node(dir.path()),
            "a display card without a render node is not one"
        );
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(
            !lacks_render_node(dir.path()),
            "renderD128 is a render node"
        );
    }
}
