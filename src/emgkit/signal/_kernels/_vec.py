"""Eight-lane float64 vectors for the row kernels: filter state held in registers.

numba has no vector type, so a lane loop keeps its filter state in memory: each 16-channel row
of four sections loads and stores 32 state vectors (the row kernels were store-bound). With
:data:`vec` (an LLVM ``<8 x double>`` value) the state is an ordinary local variable, which LLVM
keeps in registers across the time loop (on AVX-512: 16 ``zmm`` for a 16-channel block, the
coefficients as broadcast memory operands). The arithmetic is written once, on scalars, in
:func:`emgkit.signal._kernels._core._secr`; the operators ``+ - *`` and unary ``-`` are
overloaded for :data:`vec` (a scalar operand is splat), with the same ``contract`` fast-math
flag as the scalar kernels, so LLVM fuses the same products into the same FMAs and a lane's
result is bit for bit the scalar kernel's.

Operations: :func:`vload` / :func:`vstore` (``VW`` consecutive elements of a 1-D array at an
index, unaligned), :func:`vsplat` (a scalar in every lane), :func:`vsqrt0` (``sqrt(max(v, 0))``
with numba's ``max`` semantics). With ``EMGKIT_NUMBA=0`` they are small numpy arrays and the
same code runs as plain Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emgkit.signal._numba import NUMBA_ENABLED

VW = 8  # lanes per vector

vload: Any  # (arr, idx) -> vec: arr[idx : idx + VW]
vstore: Any  # (arr, idx, v) -> None: arr[idx : idx + VW] = v
vsplat: Any  # (x) -> vec: x in every lane
vsqrt0: Any  # (v) -> vec: sqrt(max(v, 0)) lane by lane (NaN stays NaN)

if NUMBA_ENABLED:
    import operator

    from llvmlite import ir  # type: ignore[import-untyped]
    from numba.core import cgutils, types
    from numba.extending import intrinsic, models, overload, register_model

    _FLAGS = ("contract",)
    _LLVEC = ir.VectorType(ir.DoubleType(), VW)

    class VecType(types.Type):
        """numba type of an LLVM ``<VW x double>`` value."""

        def __init__(self) -> None:
            super().__init__(name=f"f64x{VW}")

    vec = VecType()

    @register_model(VecType)
    class _VecModel(models.PrimitiveModel):
        def __init__(self, dmm: Any, fe_type: Any) -> None:
            super().__init__(dmm, fe_type, _LLVEC)

    def _vptr(context, builder, aryty, ary, idx):  # type: ignore[no-untyped-def]
        a = context.make_array(aryty)(context, builder, ary)
        return builder.bitcast(builder.gep(a.data, [idx]), _LLVEC.as_pointer())

    @intrinsic
    def _vload(typingctx, arr, idx):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            return builder.load(_vptr(context, builder, sig.args[0], args[0], args[1]), align=8)

        return vec(arr, idx), codegen

    @intrinsic
    def _vstore(typingctx, arr, idx, v):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            builder.store(args[2], _vptr(context, builder, sig.args[0], args[0], args[1]), align=8)
            return context.get_dummy_value()

        return types.void(arr, idx, v), codegen

    def _operand(context, builder, ty, val):  # type: ignore[no-untyped-def]
        """``val`` as a vector: a scalar is converted to float64 and splat."""
        if isinstance(ty, VecType):
            return val
        x = context.cast(builder, val, ty, types.float64)
        u = builder.insert_element(ir.Constant(_LLVEC, ir.Undefined), x, ir.IntType(32)(0))
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), VW), [0] * VW)
        return builder.shuffle_vector(u, u, zeros)

    def _binary(op: str) -> Any:
        def typer(typingctx, a, b):  # type: ignore[no-untyped-def]
            if not (isinstance(a, VecType) or isinstance(b, VecType)):
                return None
            if not all(isinstance(t, (VecType, types.Number)) for t in (a, b)):
                return None

            def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
                x = _operand(context, builder, sig.args[0], args[0])
                y = _operand(context, builder, sig.args[1], args[1])
                return getattr(builder, op)(x, y, flags=_FLAGS)

            return vec(a, b), codegen

        return intrinsic(typer)

    def _overload_binary(pyop: Any, impl: Any) -> None:
        def ov(a, b):  # type: ignore[no-untyped-def]
            if isinstance(a, VecType) or isinstance(b, VecType):
                return lambda a, b: impl(a, b)
            return None

        overload(pyop)(ov)

    for _pyop, _op in ((operator.add, "fadd"), (operator.sub, "fsub"), (operator.mul, "fmul")):
        _overload_binary(_pyop, _binary(_op))

    @intrinsic
    def _vneg(typingctx, a):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            return builder.fneg(args[0], flags=_FLAGS)

        return vec(a), codegen

    @overload(operator.neg)
    def _ov_neg(a):  # type: ignore[no-untyped-def]
        if isinstance(a, VecType):
            return lambda a: _vneg(a)  # type: ignore[call-arg]
        return None

    @intrinsic
    def _vsplat(typingctx, x):  # type: ignore[no-untyped-def]
        if not isinstance(x, types.Number):
            return None

        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            return _operand(context, builder, sig.args[0], args[0])

        return vec(x), codegen

    @intrinsic
    def _vsqrt0(typingctx, a):  # type: ignore[no-untyped-def]
        def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
            zero = ir.Constant(_LLVEC, [0.0] * VW)
            # numba's max(a, 0.0): select(0.0 > a, 0.0, a), so NaN stays NaN
            m = builder.select(builder.fcmp_ordered(">", zero, args[0]), zero, args[0])
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(_LLVEC, [_LLVEC]), f"llvm.sqrt.v{VW}f64"
            )
            return builder.call(fn, [m])

        return vec(a), codegen

    vload, vstore, vsplat, vsqrt0 = _vload, _vstore, _vsplat, _vsqrt0
else:

    def _vload_py(arr: Any, idx: Any) -> Any:
        """``arr[idx : idx + VW]`` as a new array."""
        i = int(idx)
        return arr[i : i + VW].copy()

    def _vstore_py(arr: Any, idx: Any, v: Any) -> None:
        """``arr[idx : idx + VW] = v``."""
        i = int(idx)
        arr[i : i + VW] = v

    def _vsplat_py(x: Any) -> Any:
        """``x`` in every lane."""
        return np.full(VW, x, dtype=np.float64)

    def _vsqrt0_py(v: Any) -> Any:
        """``sqrt(max(v, 0))`` lane by lane (NaN stays NaN)."""
        return np.sqrt(np.where(v < 0.0, 0.0, v))

    vload, vstore, vsplat, vsqrt0 = _vload_py, _vstore_py, _vsplat_py, _vsqrt0_py
