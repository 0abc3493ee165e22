"""Ultralytics' parse_model with extra layer modules, registered the way community forks do it.

Community repositories add a module by editing `ultralytics/nn/tasks.py`: importing the class
and adding its name to the `base_modules` / `repeat_modules` sets (or a branch of its own).
`install()` makes the same edit in memory, on the installed package's source, so reference
numbers and fixtures for the seed-module plugins come from Ultralytics' own rules. Nothing of
Ultralytics is copied into this repository.

Roles: "conv" (conv-like: c1 = ch[f], c2 scaled), "repeat" (conv-like with repeats), "keep"
(channel-keeping: c2 = c1 = ch[f], args = [c1, *args]), "fuse" (a weighted fusion of its inputs,
qiang-xin319/YOLOv11's Bi_FPN branch: args = [len(f)], c2 left as it was).
"""
import importlib.util
import inspect
import pathlib

import ultralytics.nn.tasks as tasks

SEED_MODULES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "seed_modules"
COMMUNITY_MODULES = SEED_MODULES.parent / "community_modules"
# parse_model as installed, read once: install() may run again and always patches this text.
_ORIGINAL = inspect.getsource(tasks.parse_model)
_installed = {}
_non_legacy = set()
_c3k2_rules = set()
_c2_multipliers = {}


def _patch(src, old, new):
    if src.count(old) != 1:
        raise RuntimeError(f"parse_model changed: cannot find {old!r}; update patched_ultralytics.py")
    return src.replace(old, new)


def install(modules):
    """modules: {yaml_name: (class, role)}; patches parse_model to know them."""
    _installed.update(modules)
    src = _ORIGINAL
    conv = [n for n, (_, r) in _installed.items() if r in ("conv", "repeat")]
    repeat = [n for n, (_, r) in _installed.items() if r == "repeat"]
    keep = [n for n, (_, r) in _installed.items() if r == "keep"]
    fuse = [n for n, (_, r) in _installed.items() if r == "fuse"]
    src = _patch(src, "base_modules = frozenset(\n        {", "base_modules = frozenset(\n        {" + "".join(f"{n}, " for n in conv))
    src = _patch(src, "repeat_modules = frozenset(  # modules with 'repeat' arguments\n        {",
                 "repeat_modules = frozenset(  # modules with 'repeat' arguments\n        {" + "".join(f"{n}, " for n in repeat))
    if keep:
        src = _patch(src, "        elif m is AIFI:",
                     "        elif m in {" + ", ".join(keep) + "}:\n            c1 = c2 = ch[f]\n            args = [c1, *args]\n"
                     "        elif m is AIFI:")
    if fuse:
        src = _patch(src, "        elif m is AIFI:",
                     "        elif m in {" + ", ".join(fuse) + "}:\n            args = [len(f)]\n        elif m is AIFI:")
    if _non_legacy:
        names = " or ".join(f"m is {n}" for n in sorted(_non_legacy))
        src = _patch(src, "            if m is C3k2:  # for M/L/X sizes\n",
                     f"            if {names}:\n                legacy = False\n            if m is C3k2:  # for M/L/X sizes\n")
    if _c2_multipliers:
        lines = "".join(f"            if m is {n}:\n                c2 = c2 * {k}\n" for n, k in sorted(_c2_multipliers.items()))
        src = _patch(src, "            if m in repeat_modules:\n", lines + "            if m in repeat_modules:\n")
    if _c3k2_rules:
        names = "".join(f" or m is {n}" for n in sorted(_c3k2_rules))
        src = _patch(src, "            if m is C3k2:  # for M/L/X sizes\n", f"            if m is C3k2{names}:  # for M/L/X sizes\n")
    for name, (cls, _) in _installed.items():
        setattr(tasks, name, cls)
    exec(compile(src, tasks.__file__, "exec"), tasks.__dict__)


def load_seed_modules():
    """Import every scripts/fixtures/seed_modules/*.py and install its YAML_MODULES."""
    found = {}
    for path in sorted(SEED_MODULES.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"seed_modules.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update(getattr(module, "YAML_MODULES", {}))
    install(found)
    return found



def install_variants(modules, non_legacy=(), c3k2_rules=(), c2_multipliers=None):
    """install(), overriding any module of the same name already installed (a name with several
    meanings: the caller picks which), giving the names in `non_legacy` C3k2's Detect rule only
    (legacy = False) and those in `c3k2_rules` all of C3k2's (also c3k forced on at m/l/x), as
    the YOLO11 forks' parse_model has them for their C3k2 families."""
    _non_legacy.update(non_legacy)
    _c3k2_rules.update(c3k2_rules)
    _c2_multipliers.update(c2_multipliers or {})  # layers whose output is k × c2 (DySnakeConv: 3)
    install(modules)


def load_community_modules():
    """Import every scripts/fixtures/community_modules/*.py and install its YAML_MODULES (each a
    name's default variant, overriding a seed module of the same name), NON_LEGACY and C3K2_RULES."""
    found, non_legacy, c3k2_rules, multipliers = {}, set(), set(), {}
    for path in sorted(COMMUNITY_MODULES.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"community_modules.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update(getattr(module, "YAML_MODULES", {}))
        non_legacy.update(getattr(module, "NON_LEGACY", set()))
        c3k2_rules.update(getattr(module, "C3K2_RULES", set()))
        multipliers.update(getattr(module, "C2_MULTIPLIERS", {}))
    install_variants(found, non_legacy=non_legacy, c3k2_rules=c3k2_rules, c2_multipliers=multipliers)
    return found
