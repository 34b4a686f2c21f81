// A dependency-free SVG line chart: µs per chat turn vs history length (log x and log y).
const COLORS = { convmem: "#d6336c", langchain: "#1c7ed6", python: "#2f9e44" };
const LABELS = {
  convmem: "convmem addMessage + getMessages({limit:10})",
  langchain: "@langchain/redis addMessage + getMessages()",
  python: "Python original: whole-history JSON get/modify/set",
};

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** rows: [{ history, convmem_us, langchain_us, python_us }] → SVG text. */
export function latencyChart(rows, title) {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 20, t: 40, b: 110 };
  const xs = rows.map((r) => r.history);
  const series = Object.keys(COLORS).map((name) => ({
    name,
    pts: rows.map((r) => [r.history, r[`${name}_us`]]),
  }));
  const ys = series.flatMap((s) => s.pts.map((p) => p[1]));
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (x) => m.l + ((Math.log10(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y) => H - m.b - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${esc(title)}: µs per addMessage + getMessages vs messages in the history</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    const label = 10 ** e >= 1000 ? `${10 ** (e - 3)} ms` : `${10 ** e} µs`;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${label}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${H - m.b + 16}" text-anchor="middle">${x.toLocaleString("en")}</text>`);
  }
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 34}" text-anchor="middle">messages in the history (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">latency per turn, 1 in flight (log scale)</text>`,
  );
  series.forEach((s, k) => {
    const d = s.pts.map(([x, y], i) => `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[s.name]}" stroke-width="2"/>`);
    for (const [x, y] of s.pts)
      out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${COLORS[s.name]}"/>`);
    const ly = H - m.b + 56 + k * 18;
    out.push(
      `<line x1="${m.l}" x2="${m.l + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[s.name]}" stroke-width="2"/>`,
    );
    out.push(`<text x="${m.l + 30}" y="${ly}">${esc(LABELS[s.name])}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
