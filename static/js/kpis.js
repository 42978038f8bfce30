/* The KPI page's charts and sparklines, drawn by the vendored Chart.js (static/vendor/chartjs). Each chart's
   numbers come from the JSON beside its canvas; the table under it holds the same numbers. */
(function () {
  "use strict";

  function format(unit, v) {
    if (v === null || v === undefined) return "–";
    if (unit === "percent") return (v * 100).toFixed(1) + " %";
    if (unit === "duration") {
      if (v < 3600) return Math.round(v / 60) + " min";
      if (v < 86400) return (v / 3600).toFixed(1) + " h";
      return (v / 86400).toFixed(1) + " d";
    }
    if (unit === "money") return v.toLocaleString(undefined, { maximumFractionDigits: 2 });
    return v.toLocaleString();
  }

  function sparkline(canvas) {
    const data = JSON.parse(canvas.dataset.sparkline);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.map((_, i) => i), datasets: [{ data: data, borderWidth: 1.5, spanGaps: true, tension: 0.3,
        pointRadius: data.filter((v) => v !== null).length < 3 ? 2 : 0 }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, events: [],
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: { x: { display: false }, y: { display: false } },
      },
    });
  }

  function chart(canvas) {
    // The numbers ride on the canvas: htmx drops <script> elements from swapped fragments (allowScriptTags false).
    const config = JSON.parse(canvas.dataset.chartConfig);
    const units = [];
    const datasets = config.datasets.map(function (d) {
      if (units.indexOf(d.unit) < 0) units.push(d.unit);
      return { label: d.label, data: d.data, yAxisID: units.indexOf(d.unit) === 0 ? "y" : "y1", spanGaps: true,
               borderWidth: 2, tension: 0.2,
               pointRadius: config.labels.length > 40 && d.data.filter((v) => v !== null).length > 2 ? 0 : 2 };
    });
    const scales = { y: { beginAtZero: true, ticks: { callback: (v) => format(units[0], v) } } };
    if (units.length > 1) {
      scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { callback: (v) => format(units[1], v) } };
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: config.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, scales: scales,
        plugins: { tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + format(config.datasets[ctx.datasetIndex].unit, ctx.parsed.y) } } },
      },
    });
  }

  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-sparkline]:not([data-drawn])").forEach(function (c) { c.dataset.drawn = "1"; sparkline(c); });
    root.querySelectorAll("canvas[data-chart]:not([data-drawn])").forEach(function (c) { c.dataset.drawn = "1"; chart(c); });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
