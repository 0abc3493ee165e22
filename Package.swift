// swift-tools-version:6.1
import PackageDescription

/// LayerZoo: run and check Ultralytics-style YAML models on the CPU.
///
/// Targets keep the layering of `../shared/spec/design.md`: the backend (`ZooCPU`) knows
/// nothing of YAML, the core (`LayerZoo`) knows no concrete layer, each plugin depends only
/// on the core and the backend, and the `layerzoo` tool chooses which plugins to register.
let package = Package(
    name: "LayerZoo",
    products: [
        .library(name: "LayerZoo", targets: ["LayerZoo"]),
        .library(name: "ZooCPU", targets: ["ZooCPU"]),
        .library(name: "LayerZooStandard", targets: ["LayerZooStandard"]),
        .executable(name: "layerzoo", targets: ["layerzoo"]),
    ],
    traits: [
        .trait(name: "OpenBLAS", description: "Use the system OpenBLAS (libopenblas-dev) for sgemm on Linux."),
        .default(enabledTraits: ["OpenBLAS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "ZooCPU",
            dependencies: [
                .target(name: "COpenBLAS", condition: .when(platforms: [.linux], traits: ["OpenBLAS"])),
            ],
            path: "Sources/ZooCPU"
        ),
        .target(
            name: "LayerZoo",
            dependencies: ["ZooCPU", .product(name: "Yams", package: "Yams")],
            path: "Sources/LayerZoo"
        ),
        .target(
            name: "LayerZooStandard",
            dependencies: ["LayerZoo", "ZooCPU"],
            path: "Plugins/Standard"
        ),
        .executableTarget(
            name: "layerzoo",
            dependencies: [
                "LayerZoo", "LayerZooStandard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/layerzoo"
        ),
        .testTarget(
            name: "LayerZooTests",
            dependencies: ["LayerZoo", "LayerZooStandard"],
            path: "Tests/LayerZooTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "ZooCPUTests",
            dependencies: ["ZooCPU"],
            path: "Tests/ZooCPUTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["layerzoo", "ZooCPU"],
            path: "Tests/CLITests"
        ),
    ]
)
