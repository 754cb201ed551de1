"""A figure's PDF drawing operators, recorded in the same matplotlib pass that writes its SVG.

The report draws each figure once: :func:`emgkit.report._svg.figure_drawings` saves it as SVG
(for the HTML) through a renderer that also hands every drawing call to :class:`PdfOps`, which
turns paths into PDF path operators (matplotlib's own ``convert_to_string``, as its PDF backend
does) and keeps text as text. The PDF then places those operators
(:meth:`PdfFigure.place`) instead of parsing the SVG again with fpdf2's SVG reader, which was
about a third of the PDF's time (deep copies of every ``<use>`` tick mark, a Python object per
path segment).

Text is written with fpdf2's own ``text`` in the report's DejaVu Sans (the font matplotlib
draws with), so it stays selectable and is subset like the rest of the PDF. Anything this
recorder does not draw (images, hatches, TeX) marks the figure :attr:`PdfFigure.complete`
False, and the PDF falls back to the SVG for that figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matplotlib import _path
from matplotlib.backend_bases import RendererBase

__all__ = ["PdfFigure", "PdfOps", "Tee"]

#: matplotlib's C path-to-text converter (its PDF backend's; private, missing from the type
#: stubs): if a matplotlib version lacks it, every figure takes the SVG fallback (see Tee)
_to_string: Any = getattr(_path, "convert_to_string", None)
_CODES = [b"m", b"l", b"", b"c", b"h"]  # quads become cubics (PDF has no quad operator)
_CAP = {"butt": 0, "round": 1, "projecting": 2}
_JOIN = {"miter": 0, "round": 1, "bevel": 2}


def _num(x: float) -> str:
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _rgb(c: Any) -> str:
    return " ".join(_num(float(v)) for v in c[:3])


@dataclass(slots=True)
class PdfFigure:
    """The drawing of one figure in its own coordinates (points, origin bottom left).

    ``items`` are, in drawing order, ``("ops", bytes, stroke_alpha, fill_alpha)`` runs of PDF
    operators and ``("text", x, y, angle, text, size_pt, bold, rgb, alpha)`` strings (x, y:
    the baseline start, y up).
    """

    width: float
    height: float
    items: list[tuple[Any, ...]] = field(default_factory=list)
    complete: bool = True

    def place(self, pdf: Any, x: float, y: float, w: float, font: str = "DejaVu Sans") -> None:
        """Draw the figure on ``pdf``'s current page, ``w`` mm wide, top left at ``(x, y)`` mm.

        Parameters
        ----------
        pdf : fpdf.FPDF
            The document (unit mm); ``font`` must be registered in it, regular and bold.
        x, y : float
            Top left corner of the figure on the page (mm from the page's top left).
        w : float
            Width of the figure on the page (mm); the height follows the aspect ratio.
        font : str
            Font family the text is written in.
        """
        k = pdf.k  # points per mm
        s = w * k / self.width  # page points per figure point
        x0, y0 = x * k, (pdf.h - y) * k - self.height * s  # bottom left, page points
        cm = f"q {_num(s)} 0 0 {_num(s)} {_num(x0)} {_num(y0)} cm\n".encode("ascii")
        mm = s / k  # mm per figure point
        for item in self.items:
            if item[0] == "ops":
                _, ops, sa, fa = item
                body = cm + ops + b"Q"
                if sa < 1.0 or fa < 1.0:
                    with pdf.local_context(stroke_opacity=sa, fill_opacity=fa):
                        pdf._out(body)
                else:
                    pdf._out(body)
                continue
            _, tx, ty, angle, text, size, bold, rgb, alpha = item
            px, py = x + tx * mm, y + (self.height - ty) * mm
            pdf.set_font(font, "B" if bold else "", size * s)
            pdf.set_text_color(*(round(255 * float(v)) for v in rgb[:3]))
            if alpha < 1.0:
                with pdf.local_context(fill_opacity=alpha):
                    _text(pdf, px, py, angle, text)
            else:
                _text(pdf, px, py, angle, text)


def _text(pdf: Any, x: float, y: float, angle: float, text: str) -> None:
    if angle:
        with pdf.rotation(angle, x, y):
            pdf.text(x, y, text)
    else:
        pdf.text(x, y, text)


class PdfOps(RendererBase):
    """A matplotlib renderer that records a :class:`PdfFigure` (used through :class:`Tee`).

    Parameters
    ----------
    width, height : float
        Figure size in points (the SVG renderer's canvas: 72 units per inch).
    """

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.figure = PdfFigure(width, height)

    # ------------------------------------------------------------------ helpers
    def _push(self, ops: bytes, sa: float, fa: float) -> None:
        items = self.figure.items
        if items and items[-1][0] == "ops" and items[-1][2] == sa and items[-1][3] == fa:
            items[-1] = ("ops", items[-1][1] + ops, sa, fa)
        else:
            items.append(("ops", ops, sa, fa))

    def _state(self, gc: Any, rgb_face: Any) -> tuple[list[str], str, float, float]:
        """Clip, colours and line style of ``gc`` as operators, the paint operator, alphas."""
        if gc.get_hatch() is not None or gc.get_sketch_params() is not None:
            self.figure.complete = False
        rgb = gc.get_rgb()
        if rgb is None:
            rgb = (0.0, 0.0, 0.0, 0.0)
        if gc.get_forced_alpha():
            sa = fa = float(gc.get_alpha())
        elif rgb_face is None or len(rgb_face) < 4:
            sa, fa = float(rgb[3]), 1.0
        else:
            sa, fa = float(rgb[3]), float(rgb_face[3])
        fill = rgb_face is not None and (len(rgb_face) <= 3 or rgb_face[3] != 0.0)
        lw = float(gc.get_linewidth())
        stroke = lw > 0 and gc.get_alpha() > 0 and (len(rgb) <= 3 or rgb[3] != 0.0)
        ops: list[str] = []
        clip = gc.get_clip_rectangle()
        if clip is not None:
            (x0, y0), (x1, y1) = clip.get_points()
            ops.append(f"{_num(x0)} {_num(y0)} {_num(x1 - x0)} {_num(y1 - y0)} re W n")
        cpath, _ = gc.get_clip_path()
        if cpath is not None:
            tpath, affine = cpath.get_transformed_path_and_affine()
            body = _to_string(tpath, affine, None, False, None, 6, _CODES, True)
            ops.append(body.decode("ascii") + " W n")
        if stroke:
            ops.append(f"{_rgb(rgb)} RG {_num(lw)} w")
            cap, join = gc.get_capstyle(), gc.get_joinstyle()
            ops.append(f"{_CAP.get(cap, 0)} J {_JOIN.get(join, 0)} j")
            offset, dashes = gc.get_dashes()
            if dashes is not None and len(dashes):
                ops.append(f"[{' '.join(_num(float(d)) for d in dashes)}] {_num(offset)} d")
        if fill:
            ops.append(f"{_rgb(rgb_face)} rg")
        paint = "B" if fill and stroke else ("f" if fill else ("S" if stroke else "n"))
        return ops, paint, sa, fa

    # ------------------------------------------------------------------ drawing
    def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:
        """Record ``path`` (filled and/or stroked as ``gc`` and ``rgbFace`` say)."""
        ops, paint, sa, fa = self._state(gc, rgbFace)
        if paint == "n":
            return
        simplify = bool(path.should_simplify) and rgbFace is None
        body = _to_string(path, transform, None, simplify, None, 6, _CODES, True)
        text = "q\n" + "\n".join(ops) + "\n" if ops else "q\n"
        self._push(text.encode("ascii") + body + f" {paint}\nQ\n".encode("ascii"), sa, fa)

    def draw_markers(
        self,
        gc: Any,
        marker_path: Any,
        marker_trans: Any,
        path: Any,
        trans: Any,
        rgbFace: Any = None,
    ) -> None:
        """Record the marker once per vertex of ``path`` (a translation each)."""
        ops, paint, sa, fa = self._state(gc, rgbFace)
        if paint == "n":
            return
        marker = _to_string(marker_path, marker_trans, None, False, None, 6, _CODES, True)
        mark = marker + f" {paint}\nQ\n".encode("ascii")
        parts = [("q\n" + "\n".join(ops) + "\n" if ops else "q\n").encode("ascii")]
        for vertices, _codes in path.iter_segments(trans, simplify=False):
            if len(vertices):
                x, y = vertices[-2:]
                parts.append(f"q 1 0 0 1 {_num(x)} {_num(y)} cm\n".encode("ascii") + mark)
        parts.append(b"Q\n")
        self._push(b"".join(parts), sa, fa)

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        """Record ``s`` at baseline start ``(x, y)`` (y from the top: the SVG canvas flips)."""
        if ismath:
            self.figure.complete = False
            return
        rgb = gc.get_rgb()
        alpha = float(gc.get_alpha()) if gc.get_forced_alpha() else float(rgb[3])
        weight = prop.get_weight()
        bold = weight in ("bold", "heavy", "extra bold", "black", "demibold", "semibold") or (
            isinstance(weight, int | float) and weight >= 600
        )
        self.figure.items.append(
            (
                "text",
                float(x),
                self.figure.height - float(y),
                float(angle),
                s,
                float(prop.get_size_in_points()),
                bold,
                tuple(rgb[:3]),
                alpha,
            )
        )

    def draw_tex(self, *args: Any, **kwargs: Any) -> None:
        """Not recorded: the figure falls back to the SVG."""
        self.figure.complete = False

    def draw_image(self, *args: Any, **kwargs: Any) -> None:
        """Not recorded: the figure falls back to the SVG."""
        self.figure.complete = False

    def draw_gouraud_triangles(self, *args: Any, **kwargs: Any) -> None:
        """Not recorded: the figure falls back to the SVG."""
        self.figure.complete = False


class Tee:
    """Hands every drawing call to the SVG renderer and to a :class:`PdfOps`.

    Everything else (text metrics, groups, the canvas size and orientation) is the SVG
    renderer's, so the SVG is exactly what ``savefig`` alone writes.
    """

    def __init__(self, main: Any, ops: PdfOps) -> None:
        self._main = main
        self._ops = ops

    def __getattr__(self, name: str) -> Any:
        return getattr(self._main, name)

    def _both(self, name: str, args: Any, kwargs: Any) -> None:
        getattr(self._main, name)(*args, **kwargs)
        if not self._ops.figure.complete:
            return  # the PDF takes the SVG fallback for this figure anyway
        try:
            getattr(self._ops, name)(*args, **kwargs)
        except Exception:  # a recorder failure must never cost the figure: SVG fallback
            self._ops.figure.complete = False

    def draw_path(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_path", args, kwargs)

    def draw_markers(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_markers", args, kwargs)

    def draw_path_collection(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_path_collection", args, kwargs)

    def draw_quad_mesh(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_quad_mesh", args, kwargs)

    def draw_gouraud_triangles(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_gouraud_triangles", args, kwargs)

    def draw_image(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_image", args, kwargs)

    def draw_text(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_text", args, kwargs)

    def draw_tex(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_tex", args, kwargs)
