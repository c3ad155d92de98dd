"""Small charts as inline SVG, drawn on the server: no script, nothing fetched.

Each chart is a `<figure>` whose SVG has a `<title>` and `<desc>` (read by screen
readers through `aria-labelledby`), a tooltip per bar, a caption with the totals,
and the numbers again as a table under `<details>`: the picture is never the only
place a number is written. Every text is escaped here, since the result is
inserted into the page as markup.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from pycustoms.server.console.overview import Series

_SLUG = re.compile(r"[^a-z0-9]+")
WIDTH, HEIGHT, GAP = 280, 64, 2


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "chart"


def day_chart(series: Series) -> Markup:
    """Columns per day for *series*, the newest day marked, with its numbers as text."""
    ident = "chart-" + _slug(series.name)
    peak = max((n for _, n in series.days), default=0)
    count = max(len(series.days), 1)
    step = WIDTH / count
    bars: list[str] = []
    for i, (day, n) in enumerate(series.days):
        h = 0.0 if n <= 0 or peak <= 0 else max(1.5, (HEIGHT - 4) * n / peak)
        cls = "bar today" if i == count - 1 else "bar"
        label = escape(f"{day.isoformat()}: {n} {series.unit}")
        bars.append(
            f'<rect class="{cls}" x="{i * step + GAP / 2:.1f}" y="{HEIGHT - h:.1f}" '
            f'width="{step - GAP:.1f}" height="{h:.1f}"><title>{label}</title></rect>'
        )
    busiest = max(series.days, key=lambda d: d[1], default=None)
    most = f"; most {busiest[1]} on {busiest[0].isoformat()}" if busiest and busiest[1] else ""
    first = series.days[0][0].isoformat() if series.days else ""
    last = series.days[-1][0].isoformat() if series.days else ""
    title = escape(f"{series.name} per day, {first} to {last} (UTC)")
    desc = escape(f"{series.total} {series.unit} in {len(series.days)} days; "
                  f"{series.today} today{most}.")  # fmt: skip
    rows = "".join(
        f"<tr><td>{escape(d.isoformat())}</td><td>{n}</td></tr>" for d, n in reversed(series.days)
    )
    name = escape(series.name)
    return Markup(  # noqa: S704 - every interpolated text above is escaped
        f'<figure class="chart" id="{ident}">'
        f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" preserveAspectRatio="none">'
        f'<title id="{ident}-t">{title}</title><desc id="{ident}-d">{desc}</desc>'
        f'<line class="axis" x1="0" y1="{HEIGHT - 0.5}" x2="{WIDTH}" y2="{HEIGHT - 0.5}"/>'
        + "".join(bars)
        + f'</svg><div class="span" aria-hidden="true"><span>{escape(first[5:])}</span>'
        f"<span>peak {peak}</span><span>today</span></div>"
        f"<figcaption><strong>{name}</strong>: "
        f'<span class="total">{series.total}</span> in {len(series.days)} days · '
        f'<span class="today">{series.today}</span> today</figcaption>'
        f"<details><summary>{name} per day</summary>"
        f"<table><thead><tr><th>Day (UTC)</th><th>{escape(series.unit.capitalize())}</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></details></figure>"
    )


def meter(value: int, maximum: int, width: int = 120) -> Markup:
    """A horizontal bar for a table cell; decorative (the number is in the next cell)."""
    w = 0.0 if maximum <= 0 else max(1.0, width * value / maximum)
    return Markup(  # noqa: S704 - numbers only
        f'<svg class="meter" aria-hidden="true" width="{width}" height="10" '
        f'viewBox="0 0 {width} 10"><rect class="bar" x="0" y="0" width="{w:.1f}" '
        f'height="10"/></svg>'
    )
