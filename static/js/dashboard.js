// The KPI dashboard's charts (Chart.js, vendored). The figures come from the page through
// json_script (#kpi-chart-data); no inline script, as the Content-Security-Policy requires.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("kpi-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  // On a phone the charts are as wide as the screen and would be too flat to read at the
  // desk's proportions: each chart is drawn taller there (width / height, desk and phone).
  const phone = window.matchMedia("(max-width: 575.98px)");
  const ratios = new Map();
  const aspect = (desk, narrow) => (phone.matches ? narrow : desk);
  const draw = (canvas, config, desk, narrow) => {
    config.options.aspectRatio = aspect(desk, narrow);
    ratios.set(new window.Chart(canvas, config), [desk, narrow]);
  };
  // Turning the phone (or widening the window) past the breakpoint redraws at the other shape.
  phone.addEventListener("change", () => {
    ratios.forEach(([desk, narrow], chart) => {
      chart.options.aspectRatio = aspect(desk, narrow);
      chart.resize();
    });
  });
  // Chart.js follows its card through a ResizeObserver, which now and then misses a window
  // that narrows while a chart is still animating in (the doughnut then stuck out of a 320-px
  // phone): once the window has settled, every chart is fitted to its card again.
  let settle = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(settle);
    settle = window.setTimeout(() => ratios.forEach((_, chart) => chart.resize()), 150);
  });
  const whistleColours = {
    routine: "#1971c2",
    key: "#f08c00",
    key_city: "#d9480f",
    emergency: "#b3261e",
  };
  const statusColours = {
    new: "#74c0fc", accepted: "#4dabf7", in_progress: "#1c7ed6", on_hold: "#adb5bd",
    resolved: "#69db7c", replied: "#40c057", follow_up: "#2f9e44", closed: "#2b8a3e",
    returned: "#f59f00", merged: "#868e96", rejected: "#495057",
  };

  const monthly = document.getElementById("chart-monthly");
  if (monthly) {
    draw(monthly, {
      type: "bar",
      data: {
        labels: data.months,
        datasets: data.monthly.map((series) => ({
          label: series.label,
          data: series.data,
          backgroundColor: whistleColours[series.key] || "#868e96",
        })),
      },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    }, 2.2, 1.2);
  }

  const status = document.getElementById("chart-status");
  if (status) {
    draw(status, {
      type: "doughnut",
      data: {
        labels: data.status.labels,
        datasets: [{
          data: data.status.data,
          backgroundColor: data.status.keys.map((key) => statusColours[key] || "#868e96"),
        }],
      },
      options: { plugins: { legend: { position: "bottom" } } },
    }, 1.2, 1.1);
  }

  const channel = document.getElementById("chart-channel");
  if (channel) {
    draw(channel, {
      type: "bar",
      data: {
        labels: data.channel.labels,
        datasets: [{ label: data.text.tickets, data: data.channel.data, backgroundColor: "#b3261e" }],
      },
      options: {
        indexAxis: "y",
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } },
      },
    }, 3.5, 1.4);
  }
});
