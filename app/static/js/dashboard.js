/* Draws the statistics dashboard's charts from the JSON block the page carries (no inline script: CSP). */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || !window.echarts) { return; }
  var data = JSON.parse(block.textContent);
  var percent = function (v) { return v === null || v === undefined ? null : Math.round(v * 10000) / 100; };

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = window.echarts.init(element);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.drawn = "true";
  }

  var months = data.trend.map(function (m) { return m.month; });
  var line = function (name, code) {
    return { name: name, type: "line", data: data.trend.map(function (m) { return percent(m[code]); }) };
  };
  draw("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: [line("参评率", "participation_rate"), line("主动评价率", "active_rate"),
             line("好评率", "good_rate"), line("差评率", "bad_rate")]
  });
  draw("chart-levels", {
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"],
               data: data.levels.map(function (l) { return { name: l.name, value: l.count }; }) }]
  });
  draw("chart-channels", {
    tooltip: { trigger: "axis" },
    grid: { left: 90, right: 16, top: 10, bottom: 24 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.channels.map(function (c) { return c.name; }) },
    series: [{ type: "bar", data: data.channels.map(function (c) { return c.count; }) }]
  });
}());
