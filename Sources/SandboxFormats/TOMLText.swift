/// Keys and strings as TOML source text: what `profile show`, `--set` and the OCI importer write.
public enum TOMLText {
    public static func quote(_ s: String) -> String { StringLiteral.quoted(s) }

    /// A key bare when it can be, quoted otherwise.
    public static func key(_ k: String) -> String {
        let bare = !k.isEmpty && k.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return bare ? k : quote(k)
    }
}
