"""The shipped .pyi stubs describe the compiled module exactly: the same names,
the same members, the same parameters (names, kinds, defaults)."""

import ast
import importlib.resources
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import microreg
from microreg import _microreg

# Dunders that the stubs must spell out when the class has them; others
# (__new__, __doc__, __module__, ...) are machinery.
DUNDERS = {
    "__new__", "__eq__", "__reduce__", "__iter__", "__next__", "__enter__", "__exit__",
    "__aiter__", "__anext__", "__aenter__", "__aexit__",
}


def stub_tree():
    path = Path(_microreg.__file__).with_name("_microreg.pyi")
    return ast.parse(path.read_text())


STUB = stub_tree()
STUB_CLASSES = {node.name: node for node in STUB.body if isinstance(node, ast.ClassDef)}
STUB_FUNCTIONS = {node.name: node for node in STUB.body if isinstance(node, ast.FunctionDef)}
STUB_NAMES = set(STUB_CLASSES) | set(STUB_FUNCTIONS) | {
    node.target.id for node in STUB.body if isinstance(node, ast.AnnAssign)
}


def test_package_ships_py_typed_and_stubs():
    files = importlib.resources.files("microreg")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_microreg.pyi").is_file()


def test_module_names_match():
    runtime = {name for name in vars(_microreg) if not name.startswith("_") or name == "__version__"}
    runtime -= {name for name in runtime if name.startswith("__") and name != "__version__"}
    assert runtime == STUB_NAMES
    assert set(microreg.__all__) >= STUB_NAMES


def stub_members(cls_node):
    members = {}
    for node in cls_node.body:
        if isinstance(node, ast.FunctionDef):
            members[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            members[node.target.id] = node
    return members


def runtime_members(cls):
    return {
        name for name in vars(cls) if not name.startswith("__") or name in DUNDERS
    }


def stub_params(func: ast.FunctionDef):
    args = func.args
    params = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        params.append((arg.arg, "positional", default is not None and ast.literal_eval(default)))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append((arg.arg, "keyword", default is not None and ast.literal_eval(default)))
    if args.kwarg is not None:
        params.append((args.kwarg.arg, "var_keyword", False))
    is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)
    is_method = bool(positional) and positional[0].arg in ("self", "cls")
    return params[1:] if is_method and not is_static else params  # drop self / cls


def runtime_params(obj):
    signature = inspect.signature(obj)
    params = []
    for p in signature.parameters.values():
        if p.name == "self":
            continue
        kind = {p.KEYWORD_ONLY: "keyword", p.VAR_KEYWORD: "var_keyword"}.get(p.kind, "positional")
        default = p.default is not p.empty and p.default
        params.append((p.name, kind, default))
    return params


@pytest.mark.parametrize("class_name", sorted(STUB_CLASSES))
def test_class_members_and_signatures_match(class_name):
    cls = getattr(_microreg, class_name)
    members = stub_members(STUB_CLASSES[class_name])
    assert runtime_members(cls) >= set(members)
    # Every class has a __new__; one that cannot be constructed leaves it out.
    missing = runtime_members(cls) - set(members) - {"__new__"}
    assert not missing, f"{class_name}: in the module but not in the stubs: {missing}"
    for name, node in members.items():
        if not isinstance(node, ast.FunctionDef):
            continue
        is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)
        if is_property:
            assert inspect.isdatadescriptor(vars(cls)[name]), f"{class_name}.{name} is not a property"
            continue
        target = cls if name == "__new__" else vars(cls)[name]
        assert stub_params(node) == runtime_params(target), f"{class_name}.{name}"


@pytest.mark.parametrize("function_name", sorted(STUB_FUNCTIONS))
def test_module_function_signatures_match(function_name):
    function = getattr(_microreg, function_name)
    assert stub_params(STUB_FUNCTIONS[function_name]) == runtime_params(function)


def test_mypy_stubtest_agrees():
    """mypy's own stub checker, run on the installed module (it imports it)."""
    pytest.importorskip("mypy.stubtest")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "microreg._microreg"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


TYPED_USE = '''
import asyncio
import microreg

def lookup(reg: microreg.Registry) -> list[str]:
    svc = microreg.Service(name="greeter", version="1", nodes=[microreg.Node(id="g-1", address="h:1")])
    reg.register(svc, ttl=30.0)
    with reg.watch("greeter") as w:
        event: microreg.Event = w.next(timeout=1.0)
        assert event.action in ("create", "update", "delete")
    return [n.address for s in reg.get_service("greeter") for n in s.nodes]

async def alookup(reg: microreg.AsyncRegistry) -> int:
    services = await reg.get_service("greeter")
    async with reg.watch() as w:
        async for event in w:
            return len(event.service.nodes)
    return len(services)
'''

BROKEN_USE = '''
import microreg
reg = microreg.Registry()
reg.register("greeter")
n: int = reg.get_service("greeter")
'''


def run_mypy(tmp_path, source):
    pytest.importorskip("mypy")
    path = tmp_path / "use.py"
    path.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True, text=True, timeout=600,
    )


def test_user_code_type_checks_against_the_stubs(tmp_path):
    proc = run_mypy(tmp_path, TYPED_USE)
    assert proc.returncode == 0, proc.stdout


def test_type_errors_are_caught_by_the_stubs(tmp_path):
    proc = run_mypy(tmp_path, BROKEN_USE)
    assert proc.returncode == 1
    assert 'incompatible type "str"; expected "Service"' in proc.stdout
    assert "Incompatible types in assignment" in proc.stdout
