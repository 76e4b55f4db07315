import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// The live side of a run, driven by the supervisor's poll loop: the resource timeline (a periodic
/// timerfd, `ResourceSampler` readings into a bounded `Timeline`) and the control socket (`ControlServer`)
/// that `sandbox ps/top/stop/events` talk to. Only the timer is set up when the command starts; the
/// sampler and the socket come at its first tick (100 ms), so a short command's launch and exit carry
/// none of it (and a run that `ps` could hardly have seen makes no socket at all).
final class RunMonitor: ControlServerDelegate {
    /// How `sandbox stop` ended the run: the caller's uid and the first signal.
    struct Stop {
        let uid: uid_t
        let signal: Int32
    }

    let plan: LaunchPlan
    let commandPid: Int32
    /// CLOCK_MONOTONIC at the command's start.
    let start: Double
    let startWall: Double
    private(set) var timeline = Timeline()
    private var sampler: ResourceSampler!
    private(set) var timer: Int32 = -1
    private(set) var server: ControlServer?
    /// Why there is no control socket, when there is none.
    private(set) var serverProblem: String?
    private(set) var stop: Stop?
    private(set) var denied = 0
    private let watcher: FileWatchSession?
    private let cgroup: RunCgroup?
    private let audit: SyscallAuditSession?
    /// With a PID namespace, `commandPid` is sandbox's init (pid 1 inside); the command is its child:
    /// its host pid and its pid inside, found at the first tick.
    private(set) var command: (hostPid: Int32, insidePid: Int32)?
    private let signalTree: (Int32) -> Void
    private let armKill: (Double) -> Void
    private let onReady: ((String) -> Void)?
    /// Timer ticks to let pass before the next sample: a large tree takes longer to walk, and the walk
    /// must stay under `budget` of one CPU whatever the tree's size.
    private var skip = 0
    static let budget = 0.008
    /// Processes of the tree with their command names, kept while someone subscribes to events.
    private var known: [Int32: String] = [:]

    init(plan: LaunchPlan, commandPid: Int32, start: Double, watcher: FileWatchSession?, cgroup: RunCgroup?, audit: SyscallAuditSession?,
         signalTree: @escaping (Int32) -> Void, armKill: @escaping (Double) -> Void, onReady: ((String) -> Void)?) {
        self.plan = plan
        self.commandPid = commandPid
        self.start = start
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        startWall = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - (Supervisor.now() - start)
        self.watcher = watcher
        self.cgroup = cgroup
        self.audit = audit
        self.signalTree = signalTree
        self.armKill = armKill
        self.onReady = onReady
        timer = Self.periodicTimer(timeline.interval)
    }

    /// The first tick: the sampler, then the control socket and its record.
    private func startServing() {
        sampler = Self.sampler(for: cgroup, commandPid: commandPid, borrowing: plan.borrowsMemory)
        timeline.source = sampler.source
        if plan.namespaces.pidInit { command = Self.commandInside(initPid: commandPid) }
        do {
            let uid = getuid(), pid = getpid(), started = RunDirectory.startTicks(of: pid) ?? 0
            let profile = plan.profile.name, command = plan.command, wall = startWall
            let commandHostPid = self.command?.hostPid ?? commandPid
            server = try ControlServer { id, dir in
                RunRecord(id: id, directory: dir, uid: uid, supervisorPid: pid, supervisorStart: started, commandPid: commandHostPid,
                          profile: profile, command: command, startTime: wall)
            }
            server?.delegate = self
        } catch let error as SandboxError {
            serverProblem = error.description
        } catch {
            serverProblem = "\(error)"
        }
        if let id = server?.record.id { onReady?(id) }
    }

    var runID: String? { server?.record.id }

    /// Where the figures come from: the run's cgroup when it has one (its counter files, see
    /// `CgroupSampler`), else a walk of the supervisor's descendants in /proc. `borrowing`: the init
    /// (`commandPid`) runs in our memory (LaunchPlan.borrowsMemory), whose resident size is not the tree's.
    static func sampler(for cgroup: RunCgroup?, commandPid: Int32, borrowing: Bool = false) -> ResourceSampler {
        cgroup.flatMap { CgroupSampler($0, commandPid: commandPid) } ?? ProcTreeSampler(notCountingMemoryOf: borrowing ? commandPid : nil)
    }

    /// The init's first child (the command: the init forks it before anything else) and its pid in the
    /// namespace (the last NSpid of /proc/PID/status). nil when it is not there (it has already exited).
    static func commandInside(initPid: Int32) -> (hostPid: Int32, insidePid: Int32)? {
        let children = ((try? FileIO.readText("/proc/\(initPid)/task/\(initPid)/children")) ?? "").split(separator: " ")
        guard let first = children.first, let host = Int32(first),
              let status = try? FileIO.readText("/proc/\(host)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }),
              let inside = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last.flatMap({ Int32($0) }) else { return nil }
        return (host, inside)
    }

    func addPollFDs(_ add: (Int32, Int16) -> Void) {
        if timer >= 0 { add(timer, Int16(POLLIN)) }
        server?.addPollFDs(add)
    }

    func owns(_ fd: Int32) -> Bool { fd == timer || server?.owns(fd) == true }

    func handle(fd: Int32, revents: Int16) {
        guard fd == timer else { server?.handle(fd: fd, revents: revents); return }
        var expirations: UInt64 = 0
        _ = read(timer, &expirations, 8)
        if sampler == nil { startServing() }
        if skip > 0 {
            skip -= 1
            return
        }
        let before = Supervisor.now()
        let sample = sampler.sample(time: before - start)
        // A walk that took more than the budget of the interval spaces the next ones out.
        skip = min(100, Int((Supervisor.now() - before) / (timeline.interval * Self.budget)))
        if timeline.append(sample) {
            // Full: pairs merged, the interval doubled; the timer follows.
            close(timer)
            timer = Self.periodicTimer(timeline.interval)
        }
        if server?.subscribers ?? 0 > 0 { publishProcessChanges(time: sample.time) }
    }

    /// A seccomp denial, for `top` and `events`.
    func denied(_ verdict: SeccompVerdict, pid: Int32) {
        denied += 1
        guard let server, server.subscribers > 0 else { return }
        server.publish("{\"time\":\(Self.rounded(Supervisor.now() - start)),\"pid\":\(pid),\"op\":\"denied\",\"syscall\":"
                       + StringLiteral.quoted(verdict.syscall) + ",\"action\":" + StringLiteral.quoted(verdict.action.description)
                       + ",\"rule\":" + StringLiteral.quoted(verdict.reason) + "}\n")
    }

    /// The run ended: the end record to subscribers and stoppers, the socket removed, the timer closed.
    func finish(_ result: RunResult) {
        if timer >= 0 { close(timer) }
        timer = -1
        watcher?.subscriber = nil
        // A command shorter than the first tick never had a socket: nothing to tell anyone.
        guard let server else { return }
        var fields: [(String, JSONValue)] = [
            ("time", .double(Self.rounded(result.wallSeconds))), ("pid", .int(Int64(commandPid))), ("op", .string("end")),
            ("status", .int(Int64(result.exitStatus))), ("reason", .string(result.reason)),
        ]
        if let stop { fields.append(("stopped_by", .int(Int64(stop.uid)))) }
        server.finish(endLine: JSONValue.object(fields).serialized(indent: nil) + "\n")
    }

    // MARK: ControlServerDelegate

    func controlStatus() -> [(String, JSONValue)] {
        guard let record = server?.record else { return [] }
        return [
            ("id", .string(record.id)), ("supervisor_pid", .int(Int64(record.supervisorPid))),
            ("command_pid", .int(Int64(record.commandPid))),
            // PID namespace: the command's pid as it sees itself, and sandbox's init (pid 1 inside) on the host.
            ("command_pid_inside", command.map { .int(Int64($0.insidePid)) } ?? .null),
            ("init_pid", plan.namespaces.pidInit ? .int(Int64(commandPid)) : .null),
            ("uid", .int(Int64(record.uid))), ("profile", .string(record.profile)),
            ("command", .array(record.command.map { .string($0) })), ("start_time", .double(startWall)),
            ("uptime_seconds", .double(Self.rounded(Supervisor.now() - start))),
            ("state", .string(stop == nil ? "running" : "stopping")),
            ("subscribers", .int(Int64(server?.subscribers ?? 0))),
        ]
    }

    func controlStats() -> [(String, JSONValue)] {
        let now = sampler.sample(time: Supervisor.now() - start)
        // CPU over the last second or so: against the newest timeline sample at least 1 s old, else the
        // oldest one, else the start.
        let reference = timeline.samples.last { $0.time <= now.time - 1 } ?? timeline.samples.first
            ?? ResourceSample(time: 0, cpuSeconds: 0, rssBytes: 0, processes: 0, readBytes: 0, writeBytes: 0)
        let dt = now.time - reference.time
        let cpu = dt > 0 ? max(0, (now.cpuSeconds - reference.cpuSeconds) / dt * 100) : 0
        // The cgroup's limit bounds what the memory figure measures; limits.address_space only bounds each process.
        let memoryLimit = cgroup?.plan.settings.memory ?? plan.profile.limits[.address_space]?.hard
        return controlStatus() + [
            ("cpu_percent", .double((cpu * 10).rounded() / 10)),
            ("cpu_seconds", .double(now.cpuSeconds)),
            ("rss_bytes", .int(Int64(now.rssBytes))),
            ("peak_rss_bytes", .int(Int64(max(timeline.peakRSSBytes, now.rssBytes)))),
            ("memory_limit_bytes", memoryLimit.map { .int(Int64(clamping: $0)) } ?? .null),
            ("processes", .int(Int64(now.processes))),
            ("pids", .array(sampler.pids.map { .int(Int64($0)) })),
            ("read_bytes", .int(Int64(now.readBytes))), ("write_bytes", .int(Int64(now.writeBytes))),
            ("file_events", watcher.map { .int(Int64($0.recordedEvents)) } ?? .null),
            ("denied", .int(Int64(denied))),
            // Calls the audit counted so far (null when the run is not audited).
            ("syscalls", audit?.totalCalls.map { .uint($0) } ?? .null),
            ("sampler", .string(timeline.source)),
        ]
    }

    func controlSignal(_ signal: Int32, from uid: uid_t) { signalTree(signal) }

    func controlStop(_ signal: Int32, grace: Double, from uid: uid_t) {
        if stop == nil { stop = Stop(uid: uid, signal: signal) }
        signalTree(signal)
        armKill(grace)
    }

    func controlSubscribersChanged(_ count: Int) {
        if count == 0 {
            watcher?.subscriber = nil
            known = [:]
        } else if watcher?.subscriber == nil {
            watcher?.subscriber = { [weak self] event in self?.server?.publish(event.jsonLine + "\n") }
            // Processes already running are not announced; changes from here on are.
            _ = sampler.sample(time: Supervisor.now() - start)
            known = Dictionary(uniqueKeysWithValues: sampler.pids.map { ($0, Self.commandName($0)) })
        }
    }

    /// exec and exit records from the tree's membership between two samples: a new pid, or a pid whose
    /// command name changed, is an exec; a pid gone is an exit. Seen at the sampling interval, so a process
    /// shorter than that may be missed (the proc connector or the audit see every one).
    private func publishProcessChanges(time: Double) {
        guard let server else { return }
        var now: [Int32: String] = [:]
        for pid in sampler.pids {
            let name = Self.commandName(pid)
            now[pid] = name
            if known[pid] != name {
                server.publish("{\"time\":\(Self.rounded(time)),\"pid\":\(pid),\"op\":\"exec\",\"comm\":" + StringLiteral.quoted(name)
                               + ",\"argv\":" + JSONValue.array(Self.arguments(pid).map { .string($0) }).serialized(indent: nil) + "}\n")
            }
        }
        for pid in known.keys where now[pid] == nil {
            server.publish("{\"time\":\(Self.rounded(time)),\"pid\":\(pid),\"op\":\"exit\"}\n")
        }
        known = now
    }

    static func commandName(_ pid: Int32) -> String {
        ((try? FileIO.readText("/proc/\(pid)/comm")) ?? "").trimmingCharacters(in: "\n")
    }

    static func arguments(_ pid: Int32) -> [String] {
        let text = (try? FileIO.readText("/proc/\(pid)/cmdline")) ?? ""
        return text.split(separator: "\0", omittingEmptySubsequences: false).dropLast().prefix(64).map(String.init)
    }

    static func rounded(_ t: Double) -> Double { (t * 1_000_000).rounded() / 1_000_000 }

    static func periodicTimer(_ seconds: Double) -> Int32 {
        let fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        guard fd >= 0 else { return -1 }
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(seconds)
        spec.it_value.tv_nsec = Int((seconds - Double(Int(seconds))) * 1e9)
        spec.it_interval = spec.it_value
        timerfd_settime(fd, 0, &spec, nil)
        return fd
    }
}
