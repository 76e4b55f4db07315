/// Kernel features, detected once per process and in this one place, each with the reason it is missing.
/// The fail-closed error ("exit 125: X is not available (why; the fix)") and the best-effort note
/// ("not enforced: X (why)") both quote `reason`, so they always say the same thing.
///
/// Each concern adds its features in an extension of its own (`KernelFeatures+Namespaces.swift`, …) as
/// `static let` properties: Swift initialises them lazily, once, on first use, so a run that never asks
/// about a feature never probes for it.
public enum KernelFeatures {
    /// Whether a feature can be used here, and if not, why.
    public struct Availability: Sendable, Equatable {
        public let available: Bool
        /// Why not, in words that can follow "not available: " (empty when available).
        public let reason: String
        /// What the user can do about it, when there is something.
        public let fix: String?

        public static let yes = Availability(available: true, reason: "", fix: nil)

        public static func no(_ reason: String, fix: String? = nil) -> Availability {
            Availability(available: false, reason: reason, fix: fix)
        }
    }
}
