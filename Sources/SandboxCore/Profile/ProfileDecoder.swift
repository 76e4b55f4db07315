/// Gives settings their meaning: checks each value against its key's kind and decodes the merged settings
/// into a `Profile`. Every error names the origin (file and line) and the key path, with a suggestion
/// where one is plausible.
enum ProfileDecoder {
    /// Checks one setting as written (called for each file's settings before merging, so an error points
    /// at the exact file and line).
    static func check(_ path: String, _ setting: Setting) throws {
        let base = ProfileDocument.isAppendKey(path) ? String(path.dropLast(4)) : path
        guard let key = ProfileSchema.byPath[base] else { return }
        _ = try Field(path: path, setting: setting).decode(key.kind)
    }

    static func decode(name: String, settings: [String: Setting]) throws -> Profile {
        func field(_ path: String) -> Field? { settings[path].map { Field(path: path, setting: $0) } }
        func string(_ path: String) throws -> String? { try field(path)?.string() }
        func bool(_ path: String) throws -> Bool { try field(path)?.bool() ?? false }
        func list(_ path: String) throws -> [String] { try field(path)?.list() ?? [] }

        var limits = ResourceLimits()
        for limit in ResourceLimit.allCases {
            if let f = field("limits." + limit.rawValue) { limits[limit] = try f.limit(limit) }
        }
        let ioprioText = try string("process.ioprio")
        let process = ProcessSettings(
            nice: try field("process.nice")?.integer(-20...19),
            ioprio: try field("process.ioprio")?.ioprio(),
            ioprioText: ioprioText,
            newSession: try bool("process.new_session"),
            noNewPrivileges: try bool("process.no_new_privileges"),
            dieWithParent: try bool("process.die_with_parent"),
            killOrphans: try bool("process.kill_orphans"),
            workdir: try string("process.workdir"),
            umask: try field("process.umask")?.mode(),
            clearEnvironment: try string("process.env") == "clear",
            envKeep: try list("process.env_keep"),
            envUnset: try list("process.env_unset"),
            envSet: try field("process.env_set")?.stringMap() ?? [],
            pty: try string("process.pty") ?? "auto",
            user: try field("process.user")?.identity(),
            group: try field("process.group")?.identity())
        let seccomp = SeccompSettings(
            enabled: try bool("seccomp.enabled"),
            defaultAction: try field("seccomp.default_action")?.action() ?? .allow,
            denyAction: try field("seccomp.deny_action")?.action() ?? .errno(1),
            allow: try list("seccomp.allow"),
            deny: try list("seccomp.deny"),
            absent: try list("seccomp.absent"),
            rules: try field("seccomp.rules")?.rules() ?? [],
            architectures: try list("seccomp.architectures"),
            notify: try bool("seccomp.notify"))
        let watch = WatchSettings(
            enabled: try bool("watch.enabled"),
            include: try list("watch.include"),
            ignore: try list("watch.ignore"),
            operations: try list("watch.operations"))
        let namespaces = NamespaceSettings(
            requested: try NamespaceSettings.Kind.allCases.filter { try bool("namespaces." + $0.rawValue) },
            mapRoot: try bool("namespaces.map_root"),
            hostname: try field("namespaces.hostname")?.hostname() ?? "sandbox",
            networkMode: NamespaceSettings.NetworkMode(rawValue: try string("network.mode") ?? "host") ?? .host)
        var profile = Profile(
            name: name,
            description: try string("description") ?? "",
            bestEffort: try list("best_effort").reduce(into: []) { if !$0.contains($1) { $0.append($1) } },
            limits: limits,
            wall: try field("limits.wall")?.duration(),
            killAfter: try field("limits.kill_after")?.duration() ?? 5,
            process: process,
            capabilities: try list("capabilities.keep").compactMap(Capabilities.number(of:)),
            seccomp: seccomp,
            watch: watch,
            namespaces: namespaces,
            audit: try AuditSettings(syscalls: bool("audit.syscalls"), mechanism: string("audit.mechanism") ?? "auto"))
        profile.cgroup = try CgroupSettings.decode(field)
        profile.filesystem = try decodeFilesystem(settings)
        return profile
    }

    /// `[filesystem]`, decoded in this one place; defaults are `FilesystemSettings.inactive`'s.
    static func decodeFilesystem(_ settings: [String: Setting]) throws -> FilesystemSettings {
        guard settings.keys.contains(where: { $0.hasPrefix("filesystem.") }) else { return .inactive }
        func field(_ key: String) -> Field? { settings["filesystem." + key].map { Field(path: "filesystem." + key, setting: $0) } }
        let d = FilesystemSettings.inactive
        return FilesystemSettings(
            rootReadOnly: try field("root")?.choice(["read-write", "read-only"]) == "read-only",
            readOnly: try field("read_only")?.list(.bindSpec) ?? d.readOnly,
            readWrite: try field("read_write")?.list(.bindSpec) ?? d.readWrite,
            executable: try field("executable")?.list(.viewPath),
            hide: try field("hide")?.list(.viewPath) ?? d.hide,
            tmpfs: try field("tmpfs")?.list(.tmpfsSpec) ?? d.tmpfs,
            workdirWritable: try field("workdir_writable")?.bool() ?? d.workdirWritable,
            emptyHome: try field("home")?.choice(["host", "empty"]) == "empty",
            landlock: try field("landlock")?.bool() ?? d.landlock,
            landlockScope: try field("landlock_scope")?.list(.landlockScope) ?? d.landlockScope,
            isActive: true)
    }
}
