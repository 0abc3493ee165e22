// swift-tools-version:6.1
import PackageDescription

/// LayerZoo: run and check Ultralytics-style YAML models on the CPU.
///
/// Targets keep the layering of `../shared/spec/design.md`: the backend (`ZooCPU`) knows
/// nothing of YAML, the core (`LayerZoo`) knows no concrete layer, each plugin depends only
/// on the core and the backend, and the `layerzoo` tool chooses which plugins to register.
///
/// No unsafe flags, so that other packages can depend on LayerZoo by version: `toolset.json`
/// (`--toolset toolset.json`) compiles the kernels with -O2 in debug builds and exports the
/// tool's symbols for `--plugin` libraries.
let package = Package(
    name: "LayerZoo",
    products: [
        .library(name: "LayerZoo", targets: ["LayerZoo"]),
        .library(name: "ZooCPU", targets: ["ZooCPU"]),
        .library(name: "LayerZooStandard", targets: ["LayerZooStandard"]),
        .library(name: "LayerZooBuiltins", targets: ["LayerZooBuiltins"]),
        .library(name: "LayerZooExampleSE", targets: ["LayerZooExampleSE"]),
        .library(name: "LayerZooVision", targets: ["LayerZooVision"]),
        .executable(name: "layerzoo", targets: ["layerzoo"]),
        .executable(name: "layerzoo-serve", targets: ["layerzoo-serve"]),
    ],
    traits: [
        .trait(name: "OpenBLAS", description: "Use the system OpenBLAS (libopenblas-dev) for sgemm on Linux."),
        .default(enabledTraits: ["OpenBLAS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Only the server (layerzoo-serve, LayerZooServe) uses these: layerzoo builds without SwiftNIO.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev"])]),
        .target(name: "ZooImageCodecs", dependencies: ["CJPEG", "CPNG"], path: "Sources/ZooImageCodecs"),
        .target(
            name: "LayerZooVision",
            dependencies: ["ZooCPU", "ZooImageCodecs", "CFreeType"],
            path: "Sources/LayerZooVision"
        ),
        .target(
            name: "LayerZooDataset",
            dependencies: ["LayerZoo", "LayerZooVision", "ZooCPU"],
            path: "Sources/LayerZooDataset"
        ),
        .target(
            name: "ZooKernels",
            path: "Sources/ZooKernels"
        ),
        .target(
            name: "ZooCPU",
            dependencies: [
                "ZooKernels",
                .target(name: "COpenBLAS", condition: .when(platforms: [.linux], traits: ["OpenBLAS"])),
            ],
            path: "Sources/ZooCPU"
        ),
        .target(
            name: "LayerZoo",
            dependencies: ["ZooCPU", .product(name: "Yams", package: "Yams")],
            path: "Sources/LayerZoo"
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "LayerZooCheckpoint",
            dependencies: ["ZooCPU", "LayerZoo", "CZlib"],
            path: "Sources/LayerZooCheckpoint"
        ),
        .target(
            name: "LayerZooStandard",
            dependencies: ["LayerZoo", "ZooCPU"],
            path: "Plugins/Standard",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooSAConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/SAConv",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooScConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/ScConv",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooDBB",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/DBB",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooDSConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/DSConv",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooDynamicConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/DynamicConv",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooCondConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/CondConv"
        ),
        .target(
            name: "LayerZooSCNet",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard", "LayerZooScConv"],
            path: "Plugins/SCNet"
        ),
        .target(
            name: "LayerZooC3k2Variants",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard", "LayerZooSAConv", "LayerZooScConv"],
            path: "Plugins/C3k2Variants"
        ),
        .target(
            name: "LayerZooSnakeConv",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/SnakeConv"
        ),
        .target(
            name: "LayerZooSlimNeck",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/SlimNeck"
        ),
        .target(
            name: "LayerZooYOLOv5",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooStandard"],
            path: "Plugins/YOLOv5"
        ),
        .target(
            name: "LayerZooBuiltins",
            dependencies: ["LayerZoo", "LayerZooStandard", "LayerZooSAConv", "LayerZooScConv", "LayerZooDBB",
                           "LayerZooDSConv", "LayerZooDynamicConv", "LayerZooCondConv", "LayerZooSCNet", "LayerZooC3k2Variants", "LayerZooSnakeConv", "LayerZooSlimNeck", "LayerZooYOLOv5"],
            path: "Sources/LayerZooBuiltins"
        ),
        .target(
            name: "LayerZooModelFiles",
            dependencies: ["LayerZoo", "ZooCPU", "LayerZooCheckpoint", "LayerZooVision"],
            path: "Sources/LayerZooModelFiles"
        ),
        .target(
            name: "LayerZooServe",
            dependencies: [
                "LayerZoo", "ZooCPU", "LayerZooBuiltins", "LayerZooVision", "LayerZooCheckpoint", "LayerZooModelFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/LayerZooServe"
        ),
        .executableTarget(
            name: "layerzoo-serve",
            dependencies: [
                "LayerZooServe", "ZooCPU",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/layerzoo-serve"
        ),
        .executableTarget(
            name: "layerzoo",
            dependencies: [
                "LayerZoo", "ZooCPU", "LayerZooBuiltins", "LayerZooVision", "LayerZooCheckpoint", "LayerZooModelFiles", "LayerZooDataset",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/layerzoo"
        ),
        .target(
            name: "LayerZooExampleSE",
            dependencies: ["LayerZoo"],
            path: "Plugins/Examples/SqueezeExcite",
            exclude: ["README.md", "yolov8-se.yaml"]
        ),
        .target(
            name: "LayerZooExampleCBAM",
            dependencies: ["LayerZoo", "LayerZooStandard"],
            path: "Plugins/Examples/CBAM",
            exclude: ["README.md"]
        ),
        .target(
            name: "LayerZooTestSupport",
            dependencies: ["ZooCPU", "LayerZoo", "LayerZooStandard"],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "LayerZooTests",
            dependencies: ["LayerZooTestSupport", "LayerZoo", "LayerZooStandard", "LayerZooExampleSE", "LayerZooBuiltins"],
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
            name: "SAConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooSAConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/SAConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "ScConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooScConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/ScConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "DBBTests",
            dependencies: ["LayerZooTestSupport", "LayerZooDBB", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/DBBTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "DSConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooDSConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/DSConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "DynamicConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooDynamicConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/DynamicConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CondConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooCondConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/CondConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SCNetTests",
            dependencies: ["LayerZooTestSupport", "LayerZooSCNet", "LayerZooScConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/SCNetTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "C3k2VariantTests",
            dependencies: ["LayerZooTestSupport", "LayerZooC3k2Variants", "LayerZooDBB", "LayerZooCondConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/C3k2VariantTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SlimNeckTests",
            dependencies: ["LayerZooTestSupport", "LayerZooSlimNeck", "LayerZooDBB", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/SlimNeckTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SnakeConvTests",
            dependencies: ["LayerZooTestSupport", "LayerZooSnakeConv", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/SnakeConvTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "YOLOv5Tests",
            dependencies: ["LayerZooTestSupport", "LayerZooYOLOv5", "LayerZooStandard", "LayerZooBuiltins", "LayerZoo", "ZooCPU"],
            path: "Tests/YOLOv5Tests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CorpusTests",
            dependencies: ["LayerZooBuiltins", "LayerZoo"],
            path: "Tests/CorpusTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CBAMTests",
            dependencies: ["LayerZooTestSupport", "LayerZooExampleCBAM", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/CBAMTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "VisionTests",
            dependencies: ["LayerZooTestSupport", "LayerZooVision", "ZooCPU"],
            path: "Tests/VisionTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["LayerZooCheckpoint", "LayerZooTestSupport", "LayerZooBuiltins", "LayerZooDBB", "LayerZoo", "ZooCPU"],
            path: "Tests/CheckpointTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "TaskHeadTests",
            dependencies: ["LayerZooTestSupport", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/TaskHeadTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "ServeTests",
            dependencies: [
                "LayerZooServe", "LayerZooTestSupport", "ZooCPU", "layerzoo", "layerzoo-serve",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ServeTests"
        ),
        .testTarget(
            name: "DatasetTests",
            dependencies: ["LayerZooDataset", "LayerZooTestSupport", "LayerZooVision", "LayerZoo"],
            path: "Tests/DatasetTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "BackboneFamilyTests",
            dependencies: ["LayerZooTestSupport", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/BackboneFamilyTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "RTDETRTests",
            dependencies: ["LayerZooTestSupport", "LayerZooStandard", "LayerZooVision", "LayerZooCheckpoint", "LayerZoo", "ZooCPU"],
            path: "Tests/RTDETRTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "StockModelTests",
            dependencies: ["LayerZooTestSupport", "LayerZooStandard", "LayerZoo", "ZooCPU"],
            path: "Tests/StockModelTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["layerzoo", "ZooCPU", "LayerZooTestSupport"],
            path: "Tests/CLITests"
        ),
    ]
)
