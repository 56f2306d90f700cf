import CPoolKitBuildInfo
import PoolKit

/// What `poolkit --version` prints: the version (``PoolKitVersion/current``, the one written into
/// archives) and the commit a release was built from.
enum BuildInfo {
    /// The commit, or `unknown` for a build that did not go through scripts/release.sh.
    static let commit = String(cString: cpoolkit_build_commit())

    /// `0.1.0 (commit 1a2b3c4d5e6f)`.
    static let versionLine = "\(PoolKitVersion.current) (commit \(commit))"
}
