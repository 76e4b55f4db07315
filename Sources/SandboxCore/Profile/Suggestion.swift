/// "Did you mean" for near-misses: the candidate with the smallest edit distance, if it is close enough
/// to be a plausible typo (at most a third of the word, and at least one edit allowed).
enum Suggestion {
    static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
        // The work is bounded by the candidates, not by the word: a word longer than any plausible typo
        // of a name is nobody's typo (a megabyte key must not cost seconds and megabytes here).
        guard word.utf8.count <= maximumLength else { return nil }
        let target = Array(word.lowercased())
        let allowed = max(1, target.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            // The distance is at least the difference in length.
            guard abs(other.count - target.count) <= allowed else { continue }
            let d = distance(target, other)
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        guard let (name, d) = best, d <= allowed else { return nil }
        return name
    }

    /// The longest word a suggestion is looked for (in UTF-8 bytes): longer than every name in the
    /// schema, the syscall table and the errno names, with room for typos.
    static let maximumLength = 64

    /// " (did you mean 'x'?)" or "".
    static func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        nearest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment):
    /// `hrad` is one typo away from `hard`.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
                }
            }
        }
        return rows[a.count][b.count]
    }
}
