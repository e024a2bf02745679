"""The expression sandbox: what a model's conditions, scripts and timer expressions may contain.

A model is untrusted input (policy staff upload it), yet SpiffWorkflow runs its expressions with
``eval``/``exec``. Every expression therefore passes an allow-list check of its syntax tree — at upload
(``check``) and again every time it runs (``compile_checked``, used by the script environment), so a
model that reached the database some other way is still contained.

Allowed: literals, task-data names, comparisons, boolean and arithmetic operators, subscripts, list /
tuple / dict / set displays, conditional expressions, simple f-strings, calls of the registered
functions and safe builtins, a few data methods (``get``, ``keys``, ``strip`` …); in scripts also
assignments, ``if`` and ``pass``. No loops, comprehensions, lambdas, function or class definitions,
imports, attribute access other than the data methods, names starting with ``_``.

Without loops or user functions the work an expression does is bounded by its size; the remaining
ways to make huge values (``9 ** 9 ** 9``, ``"x" * 10 ** 9``, doubling a list line after line) are
rewritten into guarded calls that check sizes and a time budget at run time.
"""
from __future__ import annotations

import ast
import operator
import time
from collections.abc import Iterable
from contextvars import ContextVar
from functools import lru_cache
from types import MappingProxyType
from typing import Any

MAX_SOURCE_CHARS = 20_000
MAX_NODES = 5_000
MAX_DEPTH = 50
MAX_SEQUENCE = 100_000  # items or characters of one value made by an operator
MAX_INT_BITS = 4_096
MAX_VALUE_NODES = 100_000  # nested items of a value kept in task data
TIME_BUDGET_SECONDS = 2.0
MAX_EXPONENT = 64

# Methods of task data (str, list, dict) an expression may call. None of them can build a value much
# larger than its inputs (no join, replace, center, zfill, format …).
DATA_METHODS = frozenset({"get", "keys", "values", "items", "strip", "lower", "upper", "startswith",
                          "endswith", "split", "count", "index", "append", "copy", "update", "pop"})
SAFE_BUILTIN_NAMES = ("len", "min", "max", "sum", "abs", "round", "sorted", "any", "all", "str", "int",
                      "float", "bool", "list", "dict")
DENIED_NAMES = frozenset({
    "eval", "exec", "open", "compile", "getattr", "setattr", "delattr", "hasattr", "globals", "locals",
    "vars", "dir", "type", "object", "input", "breakpoint", "help", "memoryview", "super", "print",
    "exit", "quit", "id", "classmethod", "staticmethod", "property", "format", "bytes", "bytearray",
    "range", "iter", "next", "map", "filter", "zip", "reversed", "enumerate", "callable", "isinstance",
    "issubclass", "frozenset", "set", "tuple", "slice", "chr", "ord", "hash", "repr", "ascii", "bin",
    "hex", "oct", "pow", "divmod", "license", "credits", "copyright"})

_EXPRESSION_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Pow, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare, ast.Eq,
    ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.IfExp,
    ast.Call, ast.keyword, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Subscript, ast.Slice,
    ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Attribute, ast.JoinedStr, ast.FormattedValue)
_STATEMENT_NODES = (ast.Module, ast.Assign, ast.AugAssign, ast.Expr, ast.If, ast.Pass)

# What a forbidden construct is called in the messages policy staff read.
_NODE_NAMES = {
    "Import": "import 导入", "ImportFrom": "import 导入", "Lambda": "lambda 表达式",
    "ListComp": "推导式", "SetComp": "推导式", "DictComp": "推导式", "GeneratorExp": "生成器表达式",
    "FunctionDef": "函数定义", "AsyncFunctionDef": "函数定义", "ClassDef": "类定义", "For": "for 循环",
    "While": "while 循环", "Try": "try 语句", "TryStar": "try 语句", "With": "with 语句",
    "Raise": "raise 语句", "Global": "global 声明", "Nonlocal": "nonlocal 声明", "Delete": "del 语句",
    "Return": "return 语句", "Yield": "yield", "YieldFrom": "yield", "Await": "await",
    "NamedExpr": "海象赋值 :=", "Starred": "星号展开", "AnnAssign": "带注解的赋值", "Assert": "assert 语句",
    "MatMult": "矩阵乘法 @", "LShift": "位运算", "RShift": "位运算", "BitAnd": "位运算", "BitOr": "位运算",
    "BitXor": "位运算", "Invert": "位运算", "Match": "match 语句", "Break": "break", "Continue": "continue",
    "arguments": "函数参数", "arg": "函数参数", "comprehension": "推导式", "ExceptHandler": "try 语句",
    "withitem": "with 语句", "alias": "import 导入"}


class SandboxError(Exception):
    """An expression outside the allow-list, or one that exceeded a size or time limit at run time."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def allowed_callables(registered: Iterable[str]) -> frozenset[str]:
    return frozenset(registered) | frozenset(SAFE_BUILTIN_NAMES)


# -- the static check -----------------------------------------------------------------------------

def check(source: str, *, mode: str, callables: frozenset[str]) -> list[str]:
    """Every problem of ``source`` (``mode`` "eval" for expressions, "exec" for scripts); [] if allowed."""
    if not isinstance(source, str):
        return ["表达式必须是文本"]
    if len(source) > MAX_SOURCE_CHARS:
        return [f"表达式过长（{len(source)} 字符，上限 {MAX_SOURCE_CHARS}）"]
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError as err:
        return [f"第 {err.lineno or 1} 行语法错误：{err.msg}"]
    except (RecursionError, MemoryError, ValueError):
        return ["表达式嵌套过深或无法解析"]
    return _Checker(mode, callables).run(tree)


class _Checker:
    def __init__(self, mode: str, callables: frozenset[str]):
        self.mode = mode
        self.callables = callables
        self.problems: list[str] = []

    def run(self, tree: ast.AST) -> list[str]:
        nodes, depth = _measure(tree)
        if nodes > MAX_NODES:
            return [f"表达式过大（{nodes} 个语法节点，上限 {MAX_NODES}）"]
        if depth > MAX_DEPTH:
            return [f"表达式嵌套过深（{depth} 层，上限 {MAX_DEPTH}）"]
        allowed = _EXPRESSION_NODES + (_STATEMENT_NODES if self.mode == "exec" else ())
        for node in ast.walk(tree):
            if not isinstance(node, allowed):
                self._refuse(node, f"不允许使用{_NODE_NAMES.get(type(node).__name__, type(node).__name__)}")
                continue
            self._check_node(node)
        return list(dict.fromkeys(self.problems))

    def _refuse(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", None)
        self.problems.append(f"第 {line} 行：{message}" if line and self.mode == "exec" else message)

    def _check_node(self, node: ast.AST) -> None:  # noqa: C901 - one branch per node kind
        if isinstance(node, ast.Name):
            self._check_name(node)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                self._refuse(node, f"不允许访问属性 {node.attr}")
            elif node.attr not in DATA_METHODS:
                self._refuse(node, f"不允许访问属性 .{node.attr}（只能调用数据方法："
                                   f"{'、'.join(sorted(DATA_METHODS))}）")
            elif isinstance(node.ctx, ast.Store):
                self._refuse(node, "不允许给属性赋值")
        elif isinstance(node, ast.Call):
            self._check_call(node)
        elif isinstance(node, ast.Constant):
            if not (node.value is None or isinstance(node.value, str | int | float | bool)):
                self._refuse(node, f"不允许的常量 {node.value!r}")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            self._refuse(node, "f-字符串中不允许格式说明符")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, ast.Constant) and isinstance(node.right.value, int | float)
                and abs(node.right.value) <= MAX_EXPONENT):
            self._refuse(node, f"乘方的指数必须是绝对值不超过 {MAX_EXPONENT} 的数字常量")
        elif isinstance(node, ast.keyword) and node.arg is None:
            self._refuse(node, "不允许 ** 展开参数")
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self._check_target(target)

    def _check_name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            self._refuse(node, f"不允许使用以下划线开头的名称 {node.id}")
        elif node.id in DENIED_NAMES:
            self._refuse(node, f"不允许使用 {node.id}")
        elif isinstance(node.ctx, ast.Store) and node.id in self.callables:
            self._refuse(node, f"不能给函数名 {node.id} 赋值")

    def _check_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in self.callables and func.id not in DENIED_NAMES and not func.id.startswith("_"):
                self._refuse(node, f"不允许调用 {func.id}（可用函数：{'、'.join(sorted(self.callables))}）")
        elif not isinstance(func, ast.Attribute):
            self._refuse(node, "只能调用已登记的函数或数据方法")

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._check_target(element)
        elif not isinstance(target, ast.Name | ast.Subscript):
            self._refuse(target, "只能给变量或数据项赋值")


def _measure(tree: ast.AST) -> tuple[int, int]:
    """Node count and depth, without recursion (the tree may be deep)."""
    count, deepest = 0, 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        if count > MAX_NODES:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return count, deepest


def names_read(source: str, *, mode: str) -> set[str]:
    """Data names an expression or script reads before it assigns them (for validation)."""
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return set()
    read, written = set(), set()
    statements = tree.body if isinstance(tree, ast.Module) else [tree]
    for statement in statements:
        value_nodes = [statement.value] if isinstance(statement, ast.Assign | ast.AugAssign) else [statement]
        for part in value_nodes:
            read |= {n.id for n in ast.walk(part) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, ast.Load) and n.id not in written}
        if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name) \
                and statement.target.id not in written:
            read.add(statement.target.id)
        written |= names_written_by(statement)
    return read


@lru_cache(maxsize=4096)
def names_in(source: str, *, mode: str) -> frozenset[str]:
    """Every name an expression or script mentions, read or written (compiled code only: it parsed)."""
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))


def names_written_by(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def names_written(source: str) -> set[str]:
    try:
        return names_written_by(ast.parse(source, mode="exec"))
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return set()


# -- run time ---------------------------------------------------------------------------------------

class _Guard(ast.NodeTransformer):
    """Rewrites size-growing operators, attribute access and stored values into guarded calls."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return _call("_sb_binop", ast.Constant(type(node.op).__name__), node.left, node.right, like=node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        return _call("_sb_attr", node.value, ast.Constant(node.attr), like=node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return _call("_sb_result", node, like=node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        node.value = _call("_sb_store", node.value, like=node.value)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        # ``x += y`` becomes ``x = _sb_store(_sb_binop("Add", x, y))``.
        self.generic_visit(node)
        load = _as_load(node.target)
        value = _call("_sb_binop", ast.Constant(type(node.op).__name__), load, node.value, like=node)
        return ast.copy_location(ast.Assign(targets=[node.target], value=_call("_sb_store", value, like=node)),
                                 node)


def _call(name: str, *args: ast.expr, like: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=ast.copy_location(ast.Name(id=name, ctx=ast.Load()), like),
                                      args=list(args), keywords=[]), like)


def _as_load(target: ast.AST) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(clone, target)


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str, callables: frozenset[str]) -> Any:
    """The guarded code object of an allowed expression; raises SandboxError otherwise."""
    problems = check(source, mode=mode, callables=callables)
    if problems:
        raise SandboxError(problems)
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    tree = ast.fix_missing_locations(_Guard().visit(tree))
    return compile(tree, "<string>", mode)


_deadline: ContextVar[float | None] = ContextVar("sandbox_deadline", default=None)


class TimeBudget:
    """Bounds the run time of one evaluation (checked at every guarded operation)."""

    def __enter__(self) -> TimeBudget:
        self._token = _deadline.set(time.monotonic() + TIME_BUDGET_SECONDS)
        return self

    def __exit__(self, *exc: object) -> None:
        _deadline.reset(self._token)


def _tick() -> None:
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit:
        raise SandboxError([f"表达式运行超过 {TIME_BUDGET_SECONDS:g} 秒"])


def _sb_binop(op: str, left: Any, right: Any) -> Any:
    _tick()
    operation = _OPERATIONS.get(op)
    if operation is None:
        raise SandboxError([f"不允许的运算 {op}"])
    check = _SIZE_CHECKS.get(op)
    if check is not None:
        check(left, right)
    return operation(left, right)


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
        _limit_length(len(left) + len(right))


def _check_mult(left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(count, int):
            _limit_length(len(seq) * max(count, 0))
    if _both_int(left, right) and abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
        raise SandboxError(["整数运算结果过大"])


def _check_pow(left: Any, right: Any) -> None:
    if _both_int(left, right) and right > 0 and abs(left) > 1 and abs(left).bit_length() * right > MAX_INT_BITS:
        raise SandboxError(["乘方结果过大"])


def _check_mod(left: Any, right: Any) -> None:
    if isinstance(left, str | bytes):
        raise SandboxError(["不允许用 % 格式化字符串"])


_OPERATIONS = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
               "FloorDiv": operator.floordiv, "Mod": operator.mod, "Pow": operator.pow}
_SIZE_CHECKS = {"Add": _check_add, "Mult": _check_mult, "Pow": _check_pow, "Mod": _check_mod}


def _both_int(left: Any, right: Any) -> bool:
    return isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool)


def _limit_length(length: int) -> None:
    if length > MAX_SEQUENCE:
        raise SandboxError([f"运算结果过长（{length}，上限 {MAX_SEQUENCE}）"])


_RECEIVERS = (str, list, dict, tuple, MappingProxyType)


def _sb_attr(value: Any, name: str) -> Any:
    _tick()
    if name not in DATA_METHODS or name.startswith("_") or type(value) not in _RECEIVERS:
        raise SandboxError([f"不允许访问 {type(value).__name__}.{name}"])
    return getattr(value, name)


def _sb_result(value: Any) -> Any:
    _tick()
    if isinstance(value, str | list | tuple | dict):
        _limit_length(len(value))
    return value


def _sb_store(value: Any) -> Any:
    check_value(value)
    return value


def check_value(value: Any) -> None:
    """A value kept in task data: JSON-like, and not too large when written out (sharing expanded)."""
    _tick()
    seen, stack = 0, [value]
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_VALUE_NODES:
            raise SandboxError(["数据值过大"])
        if isinstance(item, dict | MappingProxyType):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str):
            _limit_length(len(item))
        elif not (item is None or isinstance(item, bool | int | float)):
            raise SandboxError([f"只能保存数据值（文本、数字、列表、字典），不能保存 {type(item).__name__}"])


GUARDS = {"_sb_binop": _sb_binop, "_sb_attr": _sb_attr, "_sb_result": _sb_result, "_sb_store": _sb_store}
