"""Procedural drawing of the distinguishing marks (no third-party art): one function per kind.

A kind draws into up to three coverage layers of a supersampled canvas through a `Pen`, in the
mark's local units (fractions of the aligned face frame, before the mark's scale and rotation,
centred on the mark's position; +x right, +y down):

* "dark"  : multiplied with a colour (skin shadow, pigment, ink),
* "light" : screened with a colour (raised scar tissue, the highlight of a skin fold),
* "paint" : blended normally (metal of a piercing, a brush in a picked skin colour).

Each drawer returns the softening it wants per layer (Gaussian sigma in local units). Everything
here is integer-exact cv2 drawing plus a seeded integer hash, so the same mark gives the same
coverage on every run.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import cv2
import numpy as np

SHIFT = 4                      # cv2 sub-pixel bits for point coordinates
LAYERS = ("dark", "paint", "light")   # blend order: shadow/pigment, cover, highlight


class Pen:
    """Maps local mark units to supersampled canvas pixels and draws 0..255 coverage."""

    def __init__(self, canvas_size: int, x: float, y: float, scale: float, rotation_deg: float,
                 mirror: bool = False):
        self.S = int(canvas_size)
        self.cx, self.cy = x * self.S, y * self.S
        self.k = scale * self.S                    # local unit -> canvas pixels
        a = math.radians(rotation_deg)             # clockwise on screen (y points down)
        self.c, self.s = math.cos(a), math.sin(a)
        self.mirror = -1.0 if mirror else 1.0
        self.layers: dict[str, np.ndarray] = {}

    def layer(self, name: str) -> np.ndarray:
        if name not in self.layers:
            self.layers[name] = np.zeros((self.S, self.S), np.uint8)
        return self.layers[name]

    def to_canvas(self, pts) -> np.ndarray:
        """[N,2] local units -> [N,2] float canvas pixels."""
        p = np.asarray(pts, np.float64).reshape(-1, 2)
        x, y = p[:, 0] * self.mirror, p[:, 1]
        return np.stack([self.cx + self.k * (self.c * x - self.s * y),
                         self.cy + self.k * (self.s * x + self.c * y)], axis=1)

    def fixed(self, pts) -> np.ndarray:
        return np.round(self.to_canvas(pts) * (1 << SHIFT)).astype(np.int32)

    def width(self, w: float) -> int:
        return max(1, int(round(w * self.k)))

    def line(self, name: str, pts, w: float, value: int = 255) -> None:
        cv2.polylines(self.layer(name), [self.fixed(pts)], False, int(value), self.width(w), cv2.LINE_AA, SHIFT)

    def poly(self, name: str, pts, value: int = 255) -> None:
        cv2.fillPoly(self.layer(name), [self.fixed(pts)], int(value), cv2.LINE_AA, SHIFT)

    def dot(self, name: str, centre, r: float, value: int = 255) -> None:
        c = self.fixed([centre])[0]
        rad = max(1, int(round(r * self.k * (1 << SHIFT))))
        cv2.circle(self.layer(name), (int(c[0]), int(c[1])), rad, int(value), -1, cv2.LINE_AA, SHIFT)

    def ring(self, name: str, centre, r: float, w: float, value: int = 255) -> None:
        c = self.fixed([centre])[0]
        rad = max(1, int(round(r * self.k * (1 << SHIFT))))
        cv2.circle(self.layer(name), (int(c[0]), int(c[1])), rad, int(value), self.width(w), cv2.LINE_AA, SHIFT)

    def text(self, name: str, text: str, height: float, w: float) -> None:
        """Hershey text centred on the mark, drawn upright then rotated/mirrored about the centre."""
        font = cv2.FONT_HERSHEY_SIMPLEX
        thick = self.width(w)
        (tw, th), _ = cv2.getTextSize(text, font, 1.0, thick)
        fs = max(1e-3, height * self.k / max(th, 1))
        (tw, th), base = cv2.getTextSize(text, font, fs, thick)
        tmp = np.zeros((self.S, self.S), np.uint8)
        org = (int(round(self.cx - tw / 2)), int(round(self.cy + th / 2)))
        cv2.putText(tmp, text, org, font, fs, 255, thick, cv2.LINE_AA)
        m = cv2.getRotationMatrix2D((self.cx, self.cy), -math.degrees(math.atan2(self.s, self.c)), 1.0)
        if self.mirror < 0:
            m[0, :] = -m[0, :]
            m[0, 2] += 2 * self.cx
        tmp = cv2.warpAffine(tmp, m, (self.S, self.S), flags=cv2.INTER_LINEAR, borderValue=0)
        np.maximum(self.layer(name), tmp, out=self.layer(name))


# --- a portable seeded generator (numpy's streams may change between versions) ----------------
def hash_uniform(seed: int, n: int) -> np.ndarray:
    """n floats in [0, 1) from splitmix64 of (seed, i): identical on every platform and version."""
    out = np.empty(n, np.float64)
    mask = (1 << 64) - 1
    for i in range(n):
        z = (int(seed) * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out[i] = (z >> 11) / float(1 << 53)
    return out


# --- geometry helpers ------------------------------------------------------------------------
def arc(length: float, bend: float, n: int = 24) -> np.ndarray:
    """A centred curve along x of `length`; `bend` = sagitta / length (0 = straight, + bulges up)."""
    t = np.linspace(-0.5, 0.5, n)
    return np.stack([t * length, -bend * length * (1 - 4 * t * t)], axis=1)


def _shape_points(shape: str, r: float) -> list[np.ndarray]:
    """Outlines (closed polylines) of the simple tattoo shapes, radius r."""
    if shape == "circle":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        return [np.stack([r * np.cos(t), r * np.sin(t)], 1)]
    if shape == "heart":
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [np.stack([x, y + 2], 1) * (r / 17)]
    if shape == "star":
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        rr = np.where(np.arange(10) % 2 == 0, r, r * 0.42)
        return [np.stack([rr * np.cos(t), rr * np.sin(t)], 1)]
    if shape == "diamond":
        return [np.array([[0, -r], [0.65 * r, 0], [0, r], [-0.65 * r, 0]])]
    if shape == "cross":
        return [np.array([[0, -r], [0, r]]), np.array([[-0.6 * r, -0.35 * r], [0.6 * r, -0.35 * r]])]
    if shape == "teardrop":
        return [np.array([[0, -r * 0.5], [0.18 * r, r * 0.25], [0, r * 0.5], [-0.18 * r, r * 0.25]])]
    raise ValueError(f"unknown tattoo shape {shape!r}")


TATTOO_SHAPES = ("circle", "heart", "star", "diamond", "cross", "teardrop", "text")

# --- the kinds -------------------------------------------------------------------------------
Soft = dict  # layer -> Gaussian sigma in local units


def scar(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """A healed scar: a pale raised core with darker, reddish edges; optional stitch marks."""
    pts = arc(p["length"], p.get("bend", 0.0))
    w = p["width"]
    pen.line("dark", pts, w * 2.4, 120)
    pen.line("light", pts, w * 0.9)
    for t in np.linspace(-0.4, 0.4, int(p.get("stitches", 0))) if p.get("stitches", 0) else ():
        i = int(round((t + 0.5) * (len(pts) - 1)))
        x, y = pts[i]
        pen.line("dark", [[x, y - w * 2.2], [x, y + w * 2.2]], w * 0.6, 220)
    return {"dark": w * 0.6, "light": w * 0.25}


def mole(pen: Pen, p: Mapping[str, Any]) -> Soft:
    r = p["radius"]
    pen.dot("dark", (0, 0), r)
    if p.get("raised", True):
        pen.dot("light", (-0.35 * r, -0.35 * r), 0.3 * r, 150)
    return {"dark": r * 0.3, "light": r * 0.25}


def freckles(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """A seeded cluster: positions in a Gaussian-ish disc, sizes and strengths varied."""
    n, spread, r = int(p["count"]), p["spread"], p["radius"]
    u = hash_uniform(int(p.get("seed", 0)), 4 * n).reshape(n, 4)
    rad = spread * np.sqrt(-2 * np.log(np.clip(1 - u[:, 0] * 0.95, 1e-6, 1))) / 2.2
    ang = 2 * np.pi * u[:, 1]
    for i in range(n):
        pen.dot("dark", (rad[i] * np.cos(ang[i]), rad[i] * np.sin(ang[i]) * 0.7),
                r * (0.6 + 0.8 * u[i, 2]), int(70 + 110 * u[i, 3]))
    return {"dark": r * 0.45}


def tattoo(pen: Pen, p: Mapping[str, Any]) -> Soft:
    size, w = p["size"], p["width"]
    if p["shape"] == "text":
        pen.text("dark", str(p.get("text", "")) or "A", size, w)
    else:
        closed = p["shape"] not in ("cross",)
        for outline in _shape_points(p["shape"], size / 2):
            pts = np.vstack([outline, outline[:1]]) if closed else outline
            pen.line("dark", pts, w)
    return {"dark": w * 0.3}


def piercing(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """Metal: a stud (disc) or a ring, with its shadow on the skin and a specular highlight."""
    r = p["size"] / 2
    if p["style"] == "ring":
        w = max(r * 0.28, 0.0025)
        pen.ring("dark", (w * 0.6, w * 0.8), r, w * 1.6, 160)
        pen.ring("paint", (0, 0), r, w)
        pen.dot("light", (-0.55 * r, -0.55 * r), w * 0.6, 200)
        return {"dark": w, "light": w * 0.3, "paint": w * 0.15}
    pen.dot("dark", (r * 0.3, r * 0.4), r * 1.15, 170)
    pen.dot("paint", (0, 0), r)
    pen.dot("light", (-0.35 * r, -0.35 * r), r * 0.35, 230)
    return {"dark": r * 0.4, "light": r * 0.2, "paint": r * 0.12}


def wrinkles(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """Forehead lines: shallow arcs, each a fine shadow with a highlight just above it."""
    n, length, gap, w = int(p["count"]), p["length"], p["spacing"], p["width"]
    for i in range(n):
        y = (i - (n - 1) / 2) * gap
        li = length * (1 - 0.12 * abs(i - (n - 1) / 2))
        pts = arc(li, 0.06) + [0, y]
        pen.line("dark", pts, w, 150)
        pen.line("light", pts + [0, -w * 1.4], w * 0.8, 110)
    return {"dark": w * 0.7, "light": w * 0.8}


def crows_feet(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """A fan of short creases radiating from the eye's outer corner (pointing +x; mirror for the
    other eye)."""
    n, length, spread, w = int(p["count"]), p["length"], math.radians(p["spread"]), p["width"]
    for i in range(n):
        a = (i / max(n - 1, 1) - 0.5) * spread
        t = np.linspace(0, 1, 10)[:, None]
        d = np.array([[math.cos(a), math.sin(a)]])
        pts = t * length * d + (t * (1 - t)) * length * 0.15 * np.array([[0, 1]])
        pen.line("dark", pts, w * (1.2 - 0.4 * t[-1, 0]), 220)
    return {"dark": w * 0.6}


def eye_bags(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """A soft shadowed crescent under the eye with a puffy highlight above its lower rim."""
    wd, dp = p["width"], p["depth"]
    t = np.linspace(-0.5, 0.5, 25)
    top = np.stack([t * wd, dp * 0.6 * (1 - 4 * t * t)], 1)
    bottom = np.stack([t[::-1] * wd * 0.9, dp * 1.6 * (1 - 4 * t[::-1] ** 2)], 1)
    pen.poly("dark", np.vstack([top, bottom]), 170)
    pen.line("light", bottom[3:-3] + [0, -dp * 0.35], dp * 0.5, 120)
    return {"dark": dp * 0.45, "light": dp * 0.4}


def cleft_chin(pen: Pen, p: Mapping[str, Any]) -> Soft:
    length, w = p["length"], p["width"]
    pts = np.array([[0, -length / 2], [0, length / 2]])
    pen.line("dark", pts, w, 200)
    for side in (-1, 1):
        pen.line("light", pts * [1, 0.8] + [side * w * 1.6, 0], w * 0.9, 110)
    return {"dark": w * 0.7, "light": w}


def brush(pen: Pen, p: Mapping[str, Any]) -> Soft:
    """Free painting: a soft round brush along the points (local offsets from the mark's position)."""
    pts, r = np.asarray(p["points"], np.float64).reshape(-1, 2), p["radius"]
    layer = "dark" if p["mode"] == "ink" else "paint"
    hard = float(p["hardness"])
    core = r * (0.35 + 0.65 * hard)           # softer brushes: a smaller solid core, a wider fall-off
    if len(pts) == 1:
        pen.dot(layer, pts[0], core)
    else:
        pen.line(layer, pts, 2 * core)
    return {layer: r * (1 - hard) * 0.6}


# kind -> (drawer, default params, primary layer, default colour of each layer used)
Spec = tuple[Callable[[Pen, Mapping[str, Any]], Soft], dict, str, dict]
KINDS: dict[str, Spec] = {
    "scar_line": (scar, {"length": 0.12, "width": 0.008, "bend": 0.0, "stitches": 0}, "light",
                  {"dark": (170, 115, 105), "light": (125, 100, 95)}),
    "scar_curved": (scar, {"length": 0.12, "width": 0.008, "bend": 0.22, "stitches": 0}, "light",
                    {"dark": (170, 115, 105), "light": (125, 100, 95)}),
    "mole": (mole, {"radius": 0.012, "raised": True}, "dark", {"dark": (85, 55, 42), "light": (70, 60, 55)}),
    "freckles": (freckles, {"count": 24, "spread": 0.09, "radius": 0.0045, "seed": 0}, "dark",
                 {"dark": (190, 140, 110)}),
    "tattoo": (tattoo, {"shape": "heart", "text": "", "size": 0.07, "width": 0.0055}, "dark",
               {"dark": (55, 70, 95)}),
    "piercing": (piercing, {"style": "stud", "size": 0.018}, "paint",
                 {"paint": (196, 196, 204), "dark": (120, 100, 95), "light": (255, 255, 255)}),
    "wrinkles": (wrinkles, {"count": 3, "length": 0.2, "spacing": 0.022, "width": 0.004}, "dark",
                 {"dark": (150, 112, 100), "light": (60, 50, 45)}),
    "crows_feet": (crows_feet, {"count": 3, "length": 0.04, "spread": 50.0, "width": 0.004}, "dark",
                   {"dark": (150, 112, 100)}),
    "eye_bags": (eye_bags, {"width": 0.08, "depth": 0.018}, "dark",
                 {"dark": (170, 130, 125), "light": (45, 38, 35)}),
    "cleft_chin": (cleft_chin, {"length": 0.035, "width": 0.006}, "dark",
                   {"dark": (150, 112, 100), "light": (50, 42, 38)}),
    "brush": (brush, {"points": [[0.0, 0.0]], "radius": 0.01, "hardness": 0.5, "mode": "ink"}, "dark",
              {"dark": (60, 60, 70), "paint": (200, 160, 140)}),
}
