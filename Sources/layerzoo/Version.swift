/// The tool's version, printed by `layerzoo --version` and written into SARIF reports.
enum LayerZooVersion {
    static let string = "0.2.0"
}
