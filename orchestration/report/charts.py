"""Inline SVG charts: no script, no font or style fetched, readable offline."""

from __future__ import annotations

import math
from html import escape

PALETTE = (
    "#c0392b",
    "#e67e22",
    "#f1c40f",
    "#27ae60",
    "#16a085",
    "#2980b9",
    "#8e44ad",
    "#7f8c8d",
    "#d35400",
    "#2c3e50",
    "#95a5a6",
)
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


def bar_chart(title: str, items: list[tuple[str, float]], width: int = 640) -> str:
    """Horizontal bars, one per (label, share), share in [0, 1]."""
    row, top, label_width = 28, 36, 150
    bar_space = width - label_width - 80
    height = top + row * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    peak = max((share for _, share in items), default=0) or 1
    for index, (label, share) in enumerate(items):
        y = top + index * row
        length = bar_space * share / peak
        parts += [
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-size="13">{escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="18" fill="{PALETTE[index % len(PALETTE)]}"/>',
            f'<text x="{label_width + length + 6:.1f}" y="{y + 18}" font-size="12">{share * 100:.2f}%</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def pie_chart(title: str, items: list[tuple[str, float]], size: int = 320) -> str:
    """A pie with a legend, one slice per (label, share)."""
    radius, cx, cy = size / 2 - 40, size / 2 - 20, size / 2 + 10
    width = size + 160
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{size + 20}" viewBox="0 0 {width} {size + 20}" font-family="{FONT}">',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    angle = -math.pi / 2
    shown = [(label, share) for label, share in items if share > 0]
    for index, (label, share) in enumerate(shown):
        colour = PALETTE[index % len(PALETTE)]
        if share >= 0.9999:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{colour}"/>')
        else:
            end = angle + 2 * math.pi * share
            large = 1 if share > 0.5 else 0
            x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
            parts.append(
                f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{radius},{radius} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
            )
            angle = end
        legend_y = 50 + index * 24
        parts += [
            f'<rect x="{size}" y="{legend_y - 12}" width="14" height="14" fill="{colour}"/>',
            f'<text x="{size + 20}" y="{legend_y}" font-size="13">{escape(label)} {share * 100:.2f}%</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
