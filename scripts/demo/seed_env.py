"""The seed modules as importable Python modules `seed_modules.<file>`, patched into Ultralytics.

Training pickles the model's classes by module path; registering the seed-module files under
one stable name lets every demo script (train, fixture generators) load the checkpoint again.
"""
import importlib.util
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED_MODULES = ROOT / "scripts/fixtures/seed_modules"


def install():
    sys.path.insert(0, str(ROOT / "scripts/reference"))
    import patched_ultralytics

    package = sys.modules.setdefault("seed_modules", types.ModuleType("seed_modules"))
    package.__path__ = [str(SEED_MODULES)]
    found = {}
    for path in sorted(SEED_MODULES.glob("*.py")):
        name = f"seed_modules.{path.stem}"
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        found.update(getattr(sys.modules[name], "YAML_MODULES", {}))
    patched_ultralytics.install(found)
    return found
