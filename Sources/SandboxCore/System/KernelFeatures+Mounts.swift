import CSandboxSys

extension KernelFeatures {
    /// The new mount API with mount_setattr (Linux 5.12): open_tree, move_mount, fsopen/fsmount and
    /// attributes set on every submount at once, which the mount namespace view is built with.
    public static let mountSetattr: Availability = sbx_mount_setattr_probe() == 0
        ? .yes : .no("the kernel lacks mount_setattr (Linux 5.12)", fix: "a newer kernel, or filesystem.landlock alone")
}
