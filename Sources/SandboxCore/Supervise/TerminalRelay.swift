import CSandboxSys
#if canImport(Glibc)
import Glibc
#endif

/// Relays between the caller's terminal and the command's own pseudo-terminal, as sudo's use_pty and
/// `docker run -t` do. The caller's terminal is put in raw mode so that ^C, ^Z and friends travel as bytes
/// to the pty, where its line discipline turns them into signals for the command's foreground job.
/// Nothing the command does can reach the caller's terminal other than as output bytes.
final class TerminalRelay {
    let master: Int32
    private var saved: termios?
    private var stdinOpen = true
    private var pendingInput: [UInt8] = []

    init(master: Int32) {
        self.master = master
        var attributes = termios()
        if isatty(0) == 1, tcgetattr(0, &attributes) == 0 {
            saved = attributes
            var raw = attributes
            cfmakeraw(&raw)
            tcsetattr(0, TCSAFLUSH, &raw)
        }
    }

    var pollFDs: [Int32] { stdinOpen ? [master, 0] : [master] }

    func handle(fd: Int32, revents: Int16) {
        if fd == master {
            copyOutput()
        } else if fd == 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(0, &buffer, buffer.count)
            if n <= 0 {
                if n < 0 && errno == EINTR { return }
                stdinOpen = false
                return
            }
            writeAll(master, buffer[0..<n])
        }
    }

    func resize() { _ = sbx_copy_winsize(0, master) }

    /// What the command wrote last, up to EIO (no more writers) or a short quiet spell.
    func drain() {
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 50) > 0 {
            if !copyOutput() { break }
        }
    }

    @discardableResult
    private func copyOutput() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let n = read(master, &buffer, buffer.count)
        if n <= 0 { return false }
        writeAll(1, buffer[0..<n])
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                return
            }
            rest = rest.dropFirst(n)
        }
    }

    func restore() {
        if var saved {
            tcsetattr(0, TCSAFLUSH, &saved)
            self.saved = nil
        }
        close(master)
    }
}
